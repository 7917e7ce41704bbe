from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharedrespConfig(AppConfig):
    name = "sharedresp"
    verbose_name = _("Accounts and site")

    def ready(self):
        from django.contrib.auth import get_user_model

        from plumbing.shared_cache import forget_on_change

        from .backends import cached_user_key

        forget_on_change(get_user_model(), lambda user: cached_user_key(user.pk))
