"""The exam's start rules, as pure functions: attempts per period, cool-down, renewal."""

from datetime import UTC, datetime, timedelta

from quiz.eligibility import Eligibility, FinishedAttempt, Rules, Wait, check

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RULES = Rules(
    max_attempts=3,
    cooldown=timedelta(hours=24),
    validity=timedelta(days=365),
    renewal_window=timedelta(days=30),
)


def finished(days_ago: float, *, passed=False, minutes=20) -> FinishedAttempt:
    started = NOW - timedelta(days=days_ago)
    return FinishedAttempt(started, started + timedelta(minutes=minutes), passed)


def test_a_first_attempt_is_allowed_with_every_attempt_left():
    assert check(RULES, [], None, NOW) == Eligibility(attempts_left=3)


def test_the_cool_down_runs_from_the_end_of_the_last_attempt():
    last = finished(0.5)
    verdict = check(RULES, [last], None, NOW)
    assert verdict == Eligibility(2, Wait.COOLDOWN, last.finished_at + timedelta(hours=24))
    assert not verdict.allowed
    exactly_then = last.finished_at + timedelta(hours=24)
    assert check(RULES, [last], None, exactly_then).allowed
    assert not check(RULES, [last], None, exactly_then - timedelta(seconds=1)).allowed


def test_no_cool_down_when_it_is_zero():
    rules = Rules(3, timedelta(0), RULES.validity, RULES.renewal_window)
    assert check(rules, [finished(0.02)], None, NOW).allowed


def test_the_attempt_limit_counts_attempts_within_one_validity_period():
    attempts = [finished(300), finished(100), finished(10)]
    verdict = check(RULES, attempts, None, NOW)
    # The oldest counted attempt leaves the period 365 days after it started.
    reopens = attempts[0].started_at + timedelta(days=365)
    assert verdict == Eligibility(0, Wait.NO_ATTEMPTS_LEFT, reopens)
    assert check(RULES, attempts, None, reopens) == Eligibility(1)
    # Attempts older than the period never counted.
    assert check(RULES, [finished(400), finished(100), finished(10)], None, NOW).allowed


def test_a_pass_starts_the_count_afresh():
    attempts = [finished(200), finished(199, passed=True), finished(100), finished(50)]
    assert check(RULES, attempts, None, NOW) == Eligibility(attempts_left=1)


def test_while_a_certificate_is_valid_a_new_attempt_waits_for_the_renewal_window():
    passed = finished(100, passed=True)
    valid_until = passed.finished_at + timedelta(days=365)
    renewal = valid_until - timedelta(days=30)
    assert check(RULES, [passed], valid_until, NOW) == Eligibility(3, Wait.CERTIFIED, renewal)
    assert check(RULES, [passed], valid_until, renewal).allowed
    assert not check(RULES, [passed], valid_until, renewal - timedelta(seconds=1)).allowed


def test_when_several_waits_apply_the_latest_one_is_given():
    attempts = [finished(300), finished(100), finished(0.5)]
    verdict = check(RULES, attempts, None, NOW)
    assert verdict.reason == Wait.NO_ATTEMPTS_LEFT
    assert verdict.next_start == attempts[0].started_at + timedelta(days=365)
    rules = Rules(3, timedelta(days=400), RULES.validity, RULES.renewal_window)
    assert check(rules, attempts, None, NOW).reason == Wait.COOLDOWN
