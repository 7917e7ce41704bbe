from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cohorts.models import can_manage_cohorts
from lms.scorm_views import EXPORT_PERMISSION


def navigation_for(user) -> list[dict]:
    """Header links that fit the person: everyone learns; some also facilitate or manage."""
    entries = [
        (_("Lessons"), "lessons:course"),
        (_("Explorer"), "lessons:explorer_start"),
        (_("Quizzes"), "quiz:list"),
    ]
    if user is not None and user.is_authenticated:
        # The signed-in header wraps to two rows at 360 px anyway; a visitor's fits one
        # row, which this link would break.
        entries.append((_("Incidents"), "quiz:incidents"))
    if getattr(user, "is_facilitator", False):
        entries.append((_("Workshops"), "workshops:list"))
    if user is not None and can_manage_cohorts(user):
        entries.append((_("Cohorts"), "cohorts:list"))
    if user is not None and user.has_perm("lessons.set_company_owners"):
        entries.append((_("Owners"), "lessons:company_owners"))
    if user is not None and user.has_perm(EXPORT_PERMISSION):
        entries.append((_("LMS"), "lms:scorm_export"))
    return [{"url": reverse(url_name), "label": label} for label, url_name in entries]


def site(request):
    return {
        "signup_open": settings.SIGNUP_OPEN,
        "sso_label": settings.SSO_LABEL if settings.OIDC_ENABLED else "",
        "saml_label": settings.SAML_LABEL if settings.SAML_ENABLED else "",
        "app_nav": navigation_for(getattr(request, "user", None)),
    }
