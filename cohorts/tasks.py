"""Cohort emails, sent by the task worker (`manage.py db_worker`) instead of the request.

Each task is enqueued in the same transaction as the change that needs it (an import, a
claimed reminder), so the email exists exactly when the change does. A task that cannot
reach the mail server enqueues itself again, later, for the emails still unsent: a mail
server that is down for hours delays the emails and loses none.
"""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from . import mail
from .models import Cohort, Membership
from .report import current_totals, progress_for
from .status import Progress

logger = logging.getLogger(__name__)

# Invitations per task: small enough that one slow batch does not hold up the rest.
BATCH = 100
FIRST_RETRY_SECONDS = 30
LAST_RETRY_SECONDS = 30 * 60  # then every half hour until the server is back


def retry_delay(attempt: int) -> datetime.timedelta:
    """Doubling from 30 seconds after the first failure, at most half an hour."""
    return datetime.timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempt - 1), LAST_RETRY_SECONDS)
    )


def later(task_function, attempt: int):
    return task_function.using(run_after=timezone.now() + retry_delay(attempt))


def enqueue_import_emails(
    emails: dict[int, tuple[str, list[int]]], *, inviter_id: int, base_url: str
) -> None:
    """Queue the emails of an import: `emails` maps each user's id to ("welcome" for a
    new account's set-password link, or "added" for an existing account's notice, and
    the ids of the cohorts it names). Call it inside the import's transaction."""
    user_ids = sorted(emails)
    for start in range(0, len(user_ids), BATCH):
        batch = {str(user_id): emails[user_id] for user_id in user_ids[start : start + BATCH]}
        send_import_emails.enqueue(batch, inviter_id=inviter_id, base_url=base_url)


def _import_message(user, kind: str, cohorts, inviter, base_url: str):
    """The email for one entry, or None when it no longer applies."""
    if not cohorts:
        return None  # its cohorts were deleted since
    if kind == "welcome":
        if user.has_usable_password():
            return None  # has chosen a password since
        return mail.welcome_message(user, cohorts, inviter=inviter, base_url=base_url)
    if inviter is None:
        return None  # the manager's account is gone, and with it whom to ask
    return mail.added_message(user, cohorts, inviter=inviter, base_url=base_url)


@task()
def send_import_emails(emails: dict, *, inviter_id: int, base_url: str, attempt: int = 1) -> int:
    """Send an import's emails; queue again, for later, those the mail server refused."""
    User = get_user_model()
    users = User.objects.in_bulk([int(user_id) for user_id in emails])
    inviter = User.objects.filter(pk=inviter_id).first()
    cohorts = Cohort.objects.in_bulk({pk for _kind, ids in emails.values() for pk in ids})
    messages = {}
    for user_id, (kind, cohort_ids) in emails.items():
        user = users.get(int(user_id))
        chosen = [cohorts[pk] for pk in cohort_ids if pk in cohorts]
        email = user and _import_message(user, kind, chosen, inviter, base_url)
        if email:
            messages[user_id] = email
    failed = {id(email) for email in mail.send_each(list(messages.values()))}
    unsent = {user_id: emails[user_id] for user_id, sent in messages.items() if id(sent) in failed}
    if unsent:
        logger.warning("%s import emails unsent; trying again (attempt %s)", len(unsent), attempt)
        later(send_import_emails, attempt).enqueue(
            unsent, inviter_id=inviter_id, base_url=base_url, attempt=attempt + 1
        )
    return len(messages) - len(unsent)


@task()
def send_reminder(membership_id: int, *, overdue: bool, site_url: str, attempt: int = 1) -> bool:
    """Email one claimed reminder, with the member's progress as it is when it goes out."""
    membership = (
        Membership.objects.select_related("user", "cohort").filter(pk=membership_id).first()
    )
    if membership is None:
        return False  # left the cohort since the reminder was claimed
    progress = progress_for({membership.user_id}).get(membership.user_id, Progress())
    email = mail.reminder_message(
        membership, progress, current_totals(), overdue=overdue, site_url=site_url
    )
    if mail.send_each([email]):
        logger.warning("Reminder to %s unsent; trying again", membership.user.email)
        later(send_reminder, attempt).enqueue(
            membership_id, overdue=overdue, site_url=site_url, attempt=attempt + 1
        )
        return False
    return True
