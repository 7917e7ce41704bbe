from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = _("Lessons and explorer")

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
