"""Close and score exam attempts left open past their deadline.

An expired attempt is also closed when its learner next touches it; this command does it
for those who never come back, so their attempt counts and any pass is certified. Safe
to run from cron as often as you like: each attempt is closed once, under its row lock,
and a second run finds nothing to do.
"""

from django.core.management.base import BaseCommand

from quiz.models import Attempt


class Command(BaseCommand):
    help = "Close and score exam attempts whose time ran out."

    def handle(self, *args, **options):
        closed = Attempt.objects.close_expired()
        self.stdout.write(f"Closed {closed} expired exam attempt(s).")
