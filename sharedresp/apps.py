from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharedrespConfig(AppConfig):
    name = "sharedresp"
    verbose_name = _("Accounts and site")

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
