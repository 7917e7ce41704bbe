from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = _("Quizzes and certification")

    def ready(self):
        from lessons import extensions

        from . import follow_ups

        # Lessons link their practice quiz and the course ends at the exam, without
        # lessons importing quiz (see lessons/extensions.py).
        extensions.register_lesson_follow_up(follow_ups.practice_quizzes)
        extensions.register_course_end(follow_ups.the_exam)
