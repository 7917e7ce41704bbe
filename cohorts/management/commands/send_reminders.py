"""Email members who are near or past their due date and have not finished.

Run it from cron as often as you like (hourly is fine): a member gets at most one
reminder per period, however many runs overlap. Prints what it queued; the task worker
(`manage.py db_worker`) sends the emails, retrying while the mail server is down.
"""

from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cohorts.reminders import PERIODS, period_key, send_reminders
from cohorts.report import today


class Command(BaseCommand):
    help = __doc__.strip().splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="Remind members whose due date is at most this many days away (default 7); "
            "overdue members are always reminded.",
        )
        parser.add_argument(
            "--period",
            choices=PERIODS,
            default="week",
            help="Remind each member at most once per day or per ISO week (default week).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be reminded; send nothing."
        )

    def handle(self, *args, days, period, dry_run, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more")
        on = today()
        reminders = send_reminders(
            on, days=days, period=period, site_url=settings.SITE_URL, dry_run=dry_run
        )
        self.stdout.write(
            f"Reminders on {on.isoformat()}: due within {days} days or overdue, "
            f"at most one per member for {period_key(period, on)}"
            + (" (dry run: nothing sent)" if dry_run else "")
        )
        for reminder in reminders:
            cohort = reminder.cohort
            when = "overdue since" if reminder.overdue else "due"
            self.stdout.write(
                f"  {reminder.outcome:<12} {reminder.membership.user.email}  {cohort.name}  "
                f"{when} {cohort.due_date.isoformat()}"
            )
        counts = Counter(reminder.outcome for reminder in reminders)
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        self.stdout.write(summary or "Nobody to remind.")
