"""What quiz adds to the lesson pages through lessons.extensions: each lesson's practice
quiz ("Check yourself") and, at the end of the course, the exam."""

from math import ceil

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lessons.extensions import LessonLink

from .models import Certificate, Quiz

# A rough reading-and-answering pace, for the "about N minutes" a learner plans by.
SECONDS_PER_QUESTION = 45


def minutes_for(questions: int) -> int:
    return max(1, ceil(questions * SECONDS_PER_QUESTION / 60))


def practice_detail(questions: int) -> str:
    minutes = minutes_for(questions)
    return ngettext(
        "%(count)d question, about %(minutes)d minutes",
        "%(count)d questions, about %(minutes)d minutes",
        questions,
    ) % {"count": questions, "minutes": minutes}


def practice_quizzes(user, lessons) -> dict[int, LessonLink]:
    """Each lesson's practice quiz, done once the learner has submitted it: one query."""
    quizzes = Quiz.objects.practice().filter(lesson__in=lessons).with_question_counts()
    if user.is_authenticated:
        quizzes = quizzes.with_best_scores_for(user)
    return {
        quiz.lesson_id: LessonLink(
            url=quiz.get_absolute_url(),
            title=quiz.title,
            label=_("Check yourself"),
            detail=practice_detail(quiz.question_total),
            done=getattr(quiz, "best_score", None) is not None,
        )
        for quiz in quizzes
        if quiz.question_total
    }


def the_exam(user) -> LessonLink | None:
    """The certification exam, done while the learner holds a valid certificate."""
    exam = Quiz.objects.available().filter(mode=Quiz.Mode.EXAM).select_related("exam").first()
    if exam is None:
        return None
    held = user.is_authenticated and any(
        record.status == Certificate.Status.VALID
        for record in Certificate.objects.records_for(user)
        if record.certificate.quiz_id == exam.pk
    )
    return LessonLink(
        url=exam.get_absolute_url(),
        title=exam.title,
        label=_("Take the exam"),
        detail=_("%(count)d questions, %(minutes)d minutes, pass mark %(mark)d%%")
        % {
            "count": exam.question_count,
            "minutes": exam.exam.time_limit_minutes,
            "mark": exam.exam.pass_mark,
        },
        done=held,
    )
