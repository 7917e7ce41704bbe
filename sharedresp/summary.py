"""What the top of a learner's dashboard says: where they stand and what to do next."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lessons.progress import CourseOverview
from quiz.models import CertificateRecord


@dataclass
class NextStep:
    label: str
    url: str


@dataclass
class Summary:
    lessons_done: int
    lesson_total: int
    best_practice_score: int | None  # whole percent, None before a first practice quiz
    certificate: CertificateRecord | None  # the newest one
    next_step: NextStep


def summarise(overview: CourseOverview, quiz_records, certificates) -> Summary:
    """Built from what the dashboard already loaded: no query of its own."""
    quiz_records = list(quiz_records)
    practice_scores = [
        quiz.best_score
        for quiz in quiz_records
        if not quiz.is_exam and quiz.best_score is not None
    ]
    newest = certificates[0] if certificates else None
    return Summary(
        lessons_done=overview.completed_count,
        lesson_total=len(overview.rows),
        best_practice_score=round(max(practice_scores)) if practice_scores else None,
        certificate=newest,
        next_step=_next_step(overview),
    )


def _next_step(overview) -> NextStep:
    """The learning loop's next step (lesson, its quiz, next lesson, the exam), else the
    explorer once everything is done."""
    nxt = overview.next_up
    if nxt is not None:
        return NextStep(f"{nxt.label}: {nxt.title}", nxt.url)
    return NextStep(_("Compare services in the explorer"), reverse("lessons:explorer_start"))
