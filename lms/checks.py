"""`manage.py check` (and every start of the site) says when Open Badges are switched on
but cannot work as meant, rather than a learner finding no badge and nobody knowing why."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

from . import badges


@register()
def open_badges_key(app_configs, **kwargs):
    if not badges.is_configured():
        return []
    try:
        badges.load_key()
    except badges.BadgeKeyError as error:
        return [
            Warning(
                str(error),
                hint="Certificates are shown without their Open Badge until this is fixed.",
                id="lms.W001",
            )
        ]
    host = urlsplit(settings.SITE_URL).hostname or ""
    if not settings.DEBUG and host in {"localhost", "127.0.0.1", ""}:
        return [
            Warning(
                f"Open Badges are on but DJANGO_SITE_URL is {settings.SITE_URL!r}: every "
                "credential names that address as its issuer and status list.",
                hint="Set DJANGO_SITE_URL to the site's public address.",
                id="lms.W002",
            )
        ]
    return []
