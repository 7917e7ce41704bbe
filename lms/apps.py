from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    """Fitting into the company's learning systems: SCORM, LTI 1.3, xAPI, Open Badges.

    Sits above quiz, workshops and cohorts and below sharedresp: it reads what the course
    apps record and tells the outside systems. Every integration is off until configured.
    """

    name = "lms"
    verbose_name = _("Learning systems")

    def ready(self):
        from quiz import certificate_links, events

        from . import checks, sharing, tasks, xapi  # noqa: F401 (checks registers itself)

        # The certificate page offers the credential and LinkedIn without quiz importing
        # lms (see quiz/certificate_links.py).
        certificate_links.register(sharing.certificate_links)
        xapi.connect()
        events.attempt_submitted.connect(
            tasks.on_attempt_submitted, dispatch_uid="lms-lti-grade-passback"
        )
