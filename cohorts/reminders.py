"""Reminders for members who are near or past their due date and not done.

Safe to run from cron every hour: each member is reminded at most once per period
(a day or an ISO week), because a ReminderLog row is claimed, under its unique
constraint, in the transaction that queues the email. Two overlapping runs cannot both
claim it; the task worker sends it, retrying while the mail server is down.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from . import tasks
from .models import Cohort, Membership, ReminderLog
from .report import current_totals, progress_for
from .status import Progress, Status, Totals

PERIODS = ("day", "week")


def period_key(period: str, on: datetime.date) -> str:
    """The name of the period `on` falls in: "day:2025-11-28", "week:2025-W48"."""
    if period == "day":
        return f"day:{on.isoformat()}"
    year, week, _weekday = on.isocalendar()
    return f"week:{year}-W{week:02}"


@dataclass
class Reminder:
    membership: Membership
    progress: Progress
    totals: Totals
    overdue: bool
    outcome: str = ""  # "queued", "would send", "already sent"

    @property
    def cohort(self) -> Cohort:
        return self.membership.cohort


def due_reminders(on: datetime.date, days: int) -> list[Reminder]:
    """Active members, not done, whose cohort is due within `days` days of `on` or is
    overdue, soonest first. Six queries, whatever the number of members."""
    memberships = list(
        Membership.objects.filter(
            cohort__due_date__lte=on + datetime.timedelta(days=days), user__is_active=True
        )
        .select_related("user", "cohort")
        .order_by("cohort__due_date", "cohort__name", "user__email")
    )
    progress = progress_for({membership.user_id for membership in memberships})
    totals = current_totals()
    reminders = []
    for membership in memberships:
        figures = progress.get(membership.user_id, Progress())
        status = membership.cohort.status_of(figures, totals, on)
        if status != Status.DONE:
            reminders.append(Reminder(membership, figures, totals, status == Status.OVERDUE))
    return reminders


def send_reminders(
    on: datetime.date, *, days: int, period: str, site_url: str, dry_run: bool = False
) -> list[Reminder]:
    """Remind everyone `due_reminders` finds, once per period; each with its outcome."""
    key = period_key(period, on)
    reminders = due_reminders(on, days)
    already = set(
        ReminderLog.objects.filter(
            period=key, membership__in=[reminder.membership for reminder in reminders]
        ).values_list("membership_id", flat=True)
    )
    for reminder in reminders:
        if reminder.membership.pk in already:
            reminder.outcome = "already sent"
        elif dry_run:
            reminder.outcome = "would send"
        else:
            reminder.outcome = _claim_and_send(reminder, key, site_url)
    return reminders


def _claim_and_send(reminder: Reminder, key: str, site_url: str) -> str:
    """Claim the reminder and queue its email together: both happen, or neither."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(membership=reminder.membership, period=key)
            tasks.send_reminder.enqueue(
                reminder.membership.pk, overdue=reminder.overdue, site_url=site_url
            )
    except IntegrityError:
        return "already sent"  # by a run that overlapped this one
    return "queued"
