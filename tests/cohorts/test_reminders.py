"""send_reminders: who is reminded, at most once per period, and what it reports."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cohorts.models import Cohort, Membership, ReminderLog
from cohorts.reminders import _claim_and_send, due_reminders, period_key
from tests.cohorts.conftest import add_members, complete_lessons, open_lesson
from tests.conftest import make_user, run_queued_tasks

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    """send_reminders, then the task worker that sends what it queued."""
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    run_queued_tasks()
    return out.getvalue()


@pytest.fixture
def due_soon(course, manager):
    """Due in 3 days: one member done, one started, one not started, one inactive."""
    cohort = Cohort.objects.create(
        name="Due soon", owner=manager, due_date=timezone.localdate() + datetime.timedelta(3)
    )
    done, started, _idle, gone = add_members(cohort, 4, prefix="soon")
    complete_lessons(done)
    open_lesson(started)
    gone.is_active = False
    gone.save()
    return cohort


@pytest.fixture
def later(manager):
    return Cohort.objects.create(
        name="Later", owner=manager, due_date=timezone.localdate() + datetime.timedelta(30)
    )


def test_members_due_soon_and_not_done_are_reminded(due_soon, later, mailoutbox):
    add_members(later, 1, prefix="later")
    out = run("--days", "7")
    assert sorted(mail.to[0] for mail in mailoutbox) == ["soon1@example.com", "soon2@example.com"]
    assert "Reminder: finish your training for Due soon by" in mailoutbox[0].subject
    assert "queued       soon1@example.com  Due soon  due " in out
    assert out.strip().endswith("2 queued")
    assert ReminderLog.objects.count() == 2


def test_the_window_is_set_by_days(due_soon, mailoutbox):
    assert run("--days", "2").strip().endswith("Nobody to remind.")
    assert mailoutbox == []
    run("--days", "3")
    assert len(mailoutbox) == 2


def test_overdue_members_are_always_reminded(course, manager, mailoutbox):
    cohort = Cohort.objects.create(
        name="Late", owner=manager, due_date=timezone.localdate() - datetime.timedelta(1)
    )
    add_members(cohort, 1, prefix="late")
    out = run("--days", "0")
    assert mailoutbox[0].subject == "Overdue: your training for Late"
    assert "was due on" in mailoutbox[0].body
    assert "overdue since" in out


def test_a_member_is_reminded_once_per_period_however_often_cron_runs(due_soon, mailoutbox, clock):
    clock(0)
    run()
    second = run()
    assert len(mailoutbox) == 2
    assert "already sent soon1@example.com" in second
    assert second.strip().endswith("2 already sent")
    clock(7)  # the next ISO week: still not done, so reminded again
    run()
    assert len(mailoutbox) == 4


def test_a_daily_period_reminds_again_the_next_day(due_soon, mailoutbox, clock):
    clock(0)
    run("--period", "day")
    run("--period", "day")
    clock(1)
    run("--period", "day")
    assert len(mailoutbox) == 4


def test_a_dry_run_lists_and_sends_nothing(due_soon, mailoutbox):
    out = run("--dry-run")
    assert "would send   soon1@example.com" in out
    assert "(dry run: nothing sent)" in out
    assert mailoutbox == []
    assert ReminderLog.objects.count() == 0


def test_the_claim_is_unique_per_member_and_period(due_soon, mailoutbox):
    reminder = due_reminders(timezone.localdate(), 7)[0]
    key = period_key("week", timezone.localdate())
    ReminderLog.objects.create(membership=reminder.membership, period=key)
    # A run that overlapped this one got there first: this one sends nothing.
    assert _claim_and_send(reminder, key, "http://site") == "already sent"
    assert mailoutbox == []
    with pytest.raises(IntegrityError):
        ReminderLog.objects.create(membership=reminder.membership, period=key)


def test_an_unsent_reminder_is_retried_by_the_worker_until_sent(due_soon, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.cohorts.test_import.BrokenBackend"
    run()
    assert ReminderLog.objects.count() == 2  # claimed: the next cron run queues no twin
    assert mailoutbox == []
    retries = DBTaskResult.objects.filter(status="READY")
    assert sorted(retry.args_kwargs["kwargs"]["attempt"] for retry in retries) == [2, 2]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run()  # the retries are not due yet, and cron queues nothing new
    assert mailoutbox == []
    retries.update(run_after=timezone.now())
    run()
    assert len(mailoutbox) == 2


def test_members_without_a_password_get_a_link_to_choose_one(due_soon, mailoutbox, settings):
    settings.SITE_URL = "https://training.example.com"
    with_password = make_user("pat@example.com", "Pat Password")
    Membership.objects.create(cohort=due_soon, user=with_password)
    run()
    bodies = {mail.to[0]: mail.body for mail in mailoutbox}
    assert "https://training.example.com/accounts/reset/" in bodies["soon2@example.com"]
    assert "/accounts/reset/" not in bodies["pat@example.com"]
    assert "https://training.example.com\n" in bodies["pat@example.com"]


def test_days_must_not_be_negative(db):
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        run("--days", "-1")


def test_finding_who_to_remind_costs_six_queries(due_soon, later, django_assert_num_queries):
    add_members(later, 50, prefix="later")
    with django_assert_num_queries(6):
        reminders = due_reminders(timezone.localdate(), 60)
    assert len(reminders) == 2 + 50
