"""The emails cohorts send: set-password links for new members, notices to existing
accounts added to a cohort, and reminders."""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

logger = logging.getLogger(__name__)


def set_password_url(user, base_url: str) -> str:
    """A link to Django's password reset confirmation, for a member without a password.

    The token is Django's own: it works once and expires after PASSWORD_RESET_TIMEOUT.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def message(template: str, user, context: dict) -> EmailMessage:
    """`cohorts/email/<template>_subject.txt` and `_body.txt`, addressed to `user`."""
    context = {"user": user, "link_days": settings.PASSWORD_RESET_TIMEOUT // 86400, **context}
    subject = render_to_string(f"cohorts/email/{template}_subject.txt", context)
    body = render_to_string(f"cohorts/email/{template}_body.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[user.email])


def welcome_message(user, cohorts, *, inviter, base_url: str) -> EmailMessage:
    """The email with a link to set a first password, naming the member's cohorts."""
    context = {
        "inviter": inviter,
        "cohorts": sorted(cohorts, key=lambda cohort: cohort.due_date),
        "link": set_password_url(user, base_url),
    }
    return message("welcome", user, context)


def added_message(user, cohorts, *, inviter, base_url: str) -> EmailMessage:
    """The notice to an existing account that it was added to cohorts: its owner learns
    who now sees their progress, and can object."""
    context = {
        "inviter": inviter,
        "cohorts": sorted(cohorts, key=lambda cohort: cohort.due_date),
        "site_url": base_url,
    }
    email = message("added", user, context)
    email.reply_to = [inviter.email]
    return email


def reminder_message(membership, progress, totals, *, overdue: bool, site_url: str):
    """A member's reminder: their progress, the cohort's figures and its due date; for a
    member without a password, a link to set one."""
    user = membership.user
    context = {
        "cohort": membership.cohort,
        "progress": progress,
        "totals": totals,
        "overdue": overdue,
        "link": "" if user.has_usable_password() else set_password_url(user, site_url),
        "site_url": site_url,
    }
    return message("reminder", user, context)


def send_each(messages: list[EmailMessage]) -> list[EmailMessage]:
    """Send over one connection; return the messages that could not be sent.

    A mail server that is down must not undo what was saved: the caller reports the
    failures instead.
    """
    failed = []
    try:
        with get_connection() as connection:
            for email in messages:
                try:
                    connection.send_messages([email])
                except (smtplib.SMTPException, OSError):
                    logger.exception("Could not send an email to %s", email.to)
                    failed.append(email)
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not reach the mail server")
        return list(messages)
    return failed
