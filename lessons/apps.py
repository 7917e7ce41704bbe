from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = _("Lessons and explorer")

    def ready(self):
        from plumbing.shared_cache import forget_on_change

        from . import signals  # noqa: F401 - connects the receivers
        from .models import LessonProgress
        from .progress import cached_state_key

        forget_on_change(
            LessonProgress, lambda row: [cached_state_key(row.user_id, row.lesson_id)]
        )
