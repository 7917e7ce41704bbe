from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Live workshops")

    def ready(self):
        # quiz's statistics learn of live answers through quiz's own extension point.
        from quiz import answer_sources

        from .models import live_answer_counts

        answer_sources.register(live_answer_counts)
