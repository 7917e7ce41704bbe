"""The exam and certificate rules the database keeps, whatever the code above it does."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from lessons.models import Course
from plumbing.codes import UNAMBIGUOUS_ALPHABET
from quiz.models import Attempt, Certificate, ExamSettings, new_certificate_code

from .conftest import start

pytestmark = pytest.mark.django_db


def certificate_for(attempt, *, issued_at, **fields) -> Certificate:
    return Certificate.objects.create(
        code=new_certificate_code(),
        attempt=attempt,
        user=attempt.user,
        quiz=attempt.quiz,
        name=attempt.user.name,
        course_title="Who secures what on AWS",
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=365),
        **fields,
    )


def submitted(user):
    attempt = start(user)
    attempt.submit()
    return attempt


def test_codes_are_three_groups_of_four_from_an_unambiguous_alphabet():
    codes = {new_certificate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(group) for group in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(UNAMBIGUOUS_ALPHABET)
    assert not set("01IOL") & set(UNAMBIGUOUS_ALPHABET)


def test_one_certificate_per_attempt_and_codes_are_unique(small_bank, learner):
    small_bank(4)
    attempt = submitted(learner)
    first = certificate_for(attempt, issued_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate_for(attempt, issued_at=timezone.now())
    other = submitted(learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            code=first.code,
            attempt=other,
            user=learner,
            quiz=other.quiz,
            name="x",
            course_title="y",
            issued_at=first.issued_at,
            expires_at=first.expires_at,
        )


def test_a_revoked_certificate_keeps_a_reason_and_expiry_follows_issue(small_bank, learner):
    small_bank(4)
    now = timezone.now()
    certificate = certificate_for(submitted(learner), issued_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(expires_at=now)
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=now, revoke_reason="Typo")


def test_status_is_valid_then_expired_and_revoked_wins(small_bank, learner):
    small_bank(4)
    now = timezone.now()
    certificate = certificate_for(submitted(learner), issued_at=now)
    assert certificate.status_at(now) == Certificate.Status.VALID
    assert certificate.status_at(certificate.expires_at) == Certificate.Status.EXPIRED
    certificate.revoked_at = now
    assert certificate.status_at(now) == Certificate.Status.REVOKED


def test_an_open_attempt_has_no_verdict(small_bank, learner):
    small_bank(4)
    attempt = start(learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(passed=False)


@pytest.mark.parametrize(
    "fields",
    [
        {"pass_mark": 0},
        {"pass_mark": 101},
        {"time_limit_minutes": 0},
        {"max_attempts": 0},
        {"validity_days": 0},
        {"renewal_window_days": 365},
    ],
)
def test_exam_settings_stay_within_their_bounds(small_bank, fields):
    quiz = small_bank(4)
    course = Course.objects.get()
    good = {
        "time_limit_minutes": 30,
        "pass_mark": 80,
        "max_attempts": 3,
        "cooldown_hours": 24,
        "validity_days": 365,
        "renewal_window_days": 30,
    }
    ExamSettings.objects.create(quiz=quiz, course=course, **good).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        ExamSettings.objects.create(quiz=quiz, course=course, **{**good, **fields})


def test_latest_by_user_is_each_users_newest_certificate_in_one_query(
    small_bank, learner, other_learner, django_assert_num_queries
):
    small_bank(4)
    now = timezone.now()
    certificate_for(submitted(learner), issued_at=now - timedelta(days=400))
    newest = certificate_for(submitted(learner), issued_at=now)
    theirs = certificate_for(submitted(other_learner), issued_at=now - timedelta(days=2))
    with django_assert_num_queries(1):
        latest = Certificate.objects.latest_by_user([learner.pk, other_learner.pk])
    assert latest == {learner.pk: newest, other_learner.pk: theirs}
    assert Certificate.objects.latest_by_user([]) == {}
