from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = _("Quizzes and certification")

    def ready(self):
        from lessons import extensions
        from lessons.signals import bump_on_change

        from . import follow_ups
        from .models import Choice, ExamSettings, Misconception, Question, Quiz

        # Lessons link their practice quiz and the course ends at the exam, without
        # lessons importing quiz (see lessons/extensions.py).
        extensions.register_lesson_follow_up(follow_ups.practice_quizzes)
        extensions.register_course_end(follow_ups.the_exam)
        # What an attempt draws and shows is read once per content version: an edit in
        # the admin makes a new one.
        bump_on_change(
            Quiz, Question, Choice, ExamSettings, Misconception, relations=[Quiz.questions.through]
        )
