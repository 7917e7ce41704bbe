"""Cohorts, their members, and progress made the way the lessons and quiz apps record it."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cohorts.models import Cohort, Membership
from lessons.models import Lesson, LessonProgress
from quiz.models import Attempt, Certificate, Quiz, new_certificate_code

DUE = datetime.date(2030, 6, 15)


@pytest.fixture
def cohort(manager):
    return Cohort.objects.create(name="Spring joiners", owner=manager, due_date=DUE)


@pytest.fixture
def clock(monkeypatch):
    """Move today by whole days from the real today; logins stay valid for that long."""
    real_now = timezone.now()

    def move(days: int):
        monkeypatch.setattr(timezone, "now", lambda: real_now + datetime.timedelta(days=days))

    return move


def add_members(cohort, count, *, prefix="member"):
    """`count` new people, without passwords (as an import makes them), in `cohort`."""
    User = get_user_model()
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.com", name=f"Member {n:04}", password=make_password(None))
        for n in range(count)
    )
    Membership.objects.bulk_create(Membership(cohort=cohort, user=user) for user in users)
    return users


def complete_lessons(user, count=None):
    """Mark the first `count` lessons (all by default) complete for `user`."""
    lessons = Lesson.objects.all()[:count] if count is not None else Lesson.objects.all()
    LessonProgress.objects.bulk_create(
        LessonProgress(user=user, lesson=lesson, completed_at=timezone.now()) for lesson in lessons
    )


def open_lesson(user):
    LessonProgress.objects.create(user=user, lesson=Lesson.objects.first())


def submit_practice(user, quiz: Quiz, score: int):
    Attempt.objects.create(
        user=user,
        quiz=quiz,
        layout=[],
        status=Attempt.Status.SUBMITTED,
        submitted_at=timezone.now(),
        score=score,
    )


def certify(user, *, issued_days_ago=0, valid_days=365, revoked=False, exam_slug="exam"):
    """Pass the exam and hold its certificate, as the exam flow records them."""
    exam, _created = Quiz.objects.get_or_create(
        slug=exam_slug, defaults={"title": "Exam", "mode": Quiz.Mode.EXAM}
    )
    issued_at = timezone.now() - datetime.timedelta(days=issued_days_ago)
    attempt = Attempt.objects.create(
        user=user,
        quiz=exam,
        layout=[],
        status=Attempt.Status.SUBMITTED,
        submitted_at=issued_at,
        score=90,
        passed=True,
    )
    return Certificate.objects.create(
        code=new_certificate_code(),
        attempt=attempt,
        user=user,
        quiz=exam,
        name=user.name,
        course_title="Who secures what on AWS",
        issued_at=issued_at,
        expires_at=issued_at + datetime.timedelta(days=valid_days),
        revoked_at=issued_at if revoked else None,
        revoke_reason="Issued in error" if revoked else "",
    )
