from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cohorts.models import can_manage_cohorts


def navigation_for(user) -> list[dict]:
    """Header links that fit the person: everyone learns; some also facilitate or manage."""
    entries = [
        (_("Lessons"), "lessons:course"),
        (_("Explorer"), "lessons:explorer_start"),
        (_("Quizzes"), "quiz:list"),
    ]
    if user is not None and can_manage_cohorts(user):
        entries.append((_("Cohorts"), "cohorts:list"))
    return [{"url": reverse(url_name), "label": label} for label, url_name in entries]


def site(request):
    return {
        "signup_open": settings.SIGNUP_OPEN,
        "app_nav": navigation_for(getattr(request, "user", None)),
    }
