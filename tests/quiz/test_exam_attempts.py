"""Exam attempts: a fixed draw, a deadline kept by the server, a verdict, a certificate.

Time is moved with the `clock` fixture, never waited for.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from quiz.models import (
    Answer,
    Attempt,
    AttemptClosedError,
    AttemptExpiredError,
    Certificate,
    ExamRefusedError,
)

from .conftest import answer_right, start

pytestmark = pytest.mark.django_db


def start_exam(user, slug="test-exam") -> Attempt:
    return start(user, slug)


def answer_right_at(attempt, count: int):
    """Right answers at the first `count` positions."""
    for position in range(1, count + 1):
        answer_right(attempt, position)


def test_an_exam_attempt_draws_its_questions_from_the_pool_at_start_and_keeps_them(
    exam, learner, clock
):
    attempt = start_exam(learner)
    pool = set(exam.questions.values_list("pk", flat=True))
    drawn = [entry["question"] for entry in attempt.layout]
    assert len(drawn) == 4
    assert len(set(drawn)) == 4
    assert set(drawn) <= pool
    assert attempt.started_at == clock.now
    assert attempt.deadline == clock.now + timedelta(minutes=30)
    clock.advance(minutes=5)
    assert start_exam(learner) == attempt
    assert Attempt.objects.get(pk=attempt.pk).layout == attempt.layout


def test_draws_differ_between_attempts(exam_bank, learner, clock):
    exam = exam_bank(questions=40, question_count=4, cooldown_hours=0, max_attempts=20)
    layouts = set()
    for _ in range(6):
        attempt = start_exam(learner)
        layouts.add(tuple(sorted(entry["question"] for entry in attempt.layout)))
        attempt.submit()
    assert len(layouts) > 1
    assert exam.questions.count() == 40


@pytest.mark.parametrize(
    ("pass_mark", "right", "passed"),
    [(75, 3, True), (76, 3, False), (75, 2, False), (100, 4, True), (1, 0, False)],
)
def test_a_score_at_the_pass_mark_passes_and_one_below_fails(
    exam_bank, learner, pass_mark, right, passed
):
    exam_bank(pass_mark=pass_mark)
    attempt = start_exam(learner)
    answer_right_at(attempt, right)
    assert attempt.submit()
    attempt.refresh_from_db()
    assert attempt.score == 25 * right
    assert attempt.passed is passed
    assert Certificate.objects.filter(attempt=attempt).exists() is passed


def test_a_pass_issues_one_certificate_with_a_snapshot_of_name_course_and_dates(
    exam, learner, clock
):
    attempt = start_exam(learner)
    answer_right_at(attempt, 4)
    clock.advance(minutes=12)
    attempt.submit()
    certificate = Certificate.objects.get()
    assert certificate.attempt == attempt
    assert (certificate.user, certificate.quiz) == (learner, exam)
    assert certificate.name == "Alice Learner"
    assert certificate.course_title == "Who secures what on AWS"
    assert certificate.issued_at == clock.now == attempt.submitted_at
    assert certificate.expires_at == clock.now + timedelta(days=365)
    # The record keeps what was true on the day.
    learner.name = "Alice Renamed"
    learner.save()
    certificate.refresh_from_db()
    assert certificate.name == "Alice Learner"


def test_a_double_submit_changes_nothing_and_issues_no_second_certificate(exam, learner, clock):
    attempt = start_exam(learner)
    answer_right_at(attempt, 4)
    assert attempt.submit() is True
    clock.advance(minutes=1)
    again = Attempt.objects.select_related("quiz__exam").get(pk=attempt.pk)
    assert again.submit() is False
    assert Certificate.objects.issue(again) == Certificate.objects.get()
    again.refresh_from_db()
    assert (again.submitted_at, again.score, again.passed) == (
        attempt.submitted_at,
        100,
        True,
    )
    assert Certificate.objects.count() == 1


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_scored_as_it_stood(
    exam, learner, clock
):
    attempt = start_exam(learner)
    answer_right_at(attempt, 2)
    clock.advance(minutes=30)
    answer_right(attempt, 3)  # exactly at the deadline: still in time
    clock.advance(seconds=1)
    with pytest.raises(AttemptExpiredError):
        answer_right(attempt, 4)
    attempt.refresh_from_db()
    assert attempt.is_submitted
    assert attempt.timed_out
    assert attempt.submitted_at == attempt.deadline
    assert (attempt.score, attempt.passed) == (75, True)
    assert Answer.objects.filter(attempt=attempt).count() == 3
    assert Certificate.objects.get().issued_at == attempt.deadline
    with pytest.raises(AttemptClosedError):
        answer_right(attempt, 4)


def test_an_expired_attempt_is_closed_when_next_touched_and_a_new_one_follows_the_rules(
    exam, learner, clock
):
    attempt = start_exam(learner)
    answer_right(attempt, 1)
    clock.advance(minutes=45)
    with pytest.raises(ExamRefusedError) as refused:
        start_exam(learner)
    attempt.refresh_from_db()
    assert (attempt.is_submitted, attempt.score, attempt.passed) == (True, 25, False)
    # The cool-down runs from the deadline, when the attempt really ended.
    assert refused.value.eligibility.next_start == attempt.deadline + timedelta(hours=24)


def test_close_expired_attempts_closes_only_those_past_their_deadline_and_is_idempotent(
    exam, learner, other_learner, staff, clock
):
    late = start_exam(learner)
    answer_right_at(late, 3)
    clock.advance(minutes=20)
    in_time = start_exam(other_learner)
    practice = start(staff, "the-stack")
    clock.advance(minutes=11)

    def run() -> str:
        out = io.StringIO()
        call_command("close_expired_attempts", stdout=out)
        return out.getvalue()

    assert run() == "Closed 1 expired exam attempt(s).\n"
    assert run() == "Closed 0 expired exam attempt(s).\n"
    late.refresh_from_db()
    assert (late.is_submitted, late.score, late.passed) == (True, 75, True)
    assert Certificate.objects.get().attempt == late
    for attempt in (in_time, practice):
        attempt.refresh_from_db()
        assert not attempt.is_submitted


def test_the_attempt_limit_refuses_a_fourth_attempt_within_the_period(exam, learner, clock):
    for _ in range(3):
        start_exam(learner).submit()
        clock.advance(hours=25)
    with pytest.raises(ExamRefusedError) as refused:
        start_exam(learner)
    assert refused.value.eligibility.attempts_left == 0
    assert Attempt.objects.filter(user=learner).count() == 3
    clock.now = refused.value.eligibility.next_start
    assert start_exam(learner).question_total == 4


def test_the_cool_down_refuses_a_start_until_it_ends(exam, learner, clock):
    first = start_exam(learner)
    clock.advance(minutes=10)
    first.submit()
    clock.advance(hours=23, minutes=59)
    with pytest.raises(ExamRefusedError):
        start_exam(learner)
    clock.advance(minutes=1)
    assert start_exam(learner) != first


def test_a_valid_certificate_holds_new_attempts_off_until_the_renewal_window(exam, learner, clock):
    passed = start_exam(learner)
    answer_right_at(passed, 4)
    passed.submit()
    certificate = Certificate.objects.get()
    clock.now = certificate.expires_at - timedelta(days=31)
    with pytest.raises(ExamRefusedError) as refused:
        start_exam(learner)
    assert refused.value.eligibility.next_start == certificate.renewal_opens_at
    clock.now = certificate.renewal_opens_at
    renewal = start_exam(learner)
    answer_right_at(renewal, 4)
    renewal.submit()
    # A new pass issues a new certificate; the old one stays valid until its own expiry.
    assert Certificate.objects.count() == 2
    assert certificate.status_at(clock.now) == Certificate.Status.VALID


def test_a_revoked_certificate_no_longer_holds_new_attempts_off(exam, learner, staff, clock):
    passed = start_exam(learner)
    answer_right_at(passed, 4)
    passed.submit()
    Certificate.objects.get().revoke(staff, "Issued to the wrong account.")
    clock.advance(days=2)
    assert start_exam(learner) != passed


def test_lessons_to_review_counts_missed_marks_by_lesson_without_naming_answers(exam, learner):
    attempt = start_exam(learner)
    answer_right(attempt, 1)
    attempt.submit()
    (row,) = attempt.lessons_to_review()
    assert (row.lesson.slug, row.missed, row.asked) == ("the-stack", 3, 4)
    perfect = start(learner, "the-stack")
    answer_right_at(perfect, perfect.question_total)
    perfect.submit()
    assert perfect.lessons_to_review() == []
