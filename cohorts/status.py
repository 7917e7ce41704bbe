"""Who has finished their onboarding: the status rules, as pure functions.

- done: every requirement of the cohort is met: every lesson complete (if the course is
  required), every practice quiz submitted at least once (if they are required), and
  the exam passed with a certificate that is still valid, neither expired nor revoked
  (if the exam is required);
- overdue: not done, and today is after the due date (the due date itself is on time);
- in progress: not done, not overdue, and anything started: a lesson opened, a practice
  quiz begun or a certificate earned, required or not;
- not started: nothing yet.

"Today" is the date in UTC, the site's time zone, for everyone.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    # In order of urgency: the order a report sorts them in.
    OVERDUE = "overdue", _("Overdue")
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


URGENCY = {status: rank for rank, status in enumerate(Status)}


@dataclass(frozen=True)
class Requirements:
    course: bool
    practice_quizzes: bool
    exam: bool = False


@dataclass(frozen=True)
class Totals:
    """What there is to finish now: lessons in the course, practice quizzes available."""

    lessons: int
    practice_quizzes: int


@dataclass(frozen=True)
class Progress:
    """One member's figures, as the lessons and quiz apps count them."""

    lessons_started: int = 0
    lessons_done: int = 0
    attempts: int = 0
    quizzes_done: int = 0
    best_score: int | None = None
    certificate: object = None  # the newest quiz.Certificate, for the report
    certificate_status: str = ""  # its Certificate.Status now: "valid", "expired", "revoked"

    @property
    def certified(self) -> bool:
        return self.certificate_status == "valid"

    @property
    def exam_passed(self) -> bool:
        """Passed, even if the certificate has expired since; a revoked one does not count."""
        return self.certificate_status in {"valid", "expired"}

    @property
    def started(self) -> bool:
        return bool(self.lessons_started or self.lessons_done or self.attempts or self.certificate)


def is_done(progress: Progress, requirements: Requirements, totals: Totals) -> bool:
    if requirements.course and progress.lessons_done < totals.lessons:
        return False
    if requirements.practice_quizzes and progress.quizzes_done < totals.practice_quizzes:
        return False
    return not (requirements.exam and not progress.certified)


def status_of(
    progress: Progress,
    requirements: Requirements,
    totals: Totals,
    due_date: datetime.date,
    today: datetime.date,
) -> Status:
    if is_done(progress, requirements, totals):
        return Status.DONE
    if today > due_date:
        return Status.OVERDUE
    return Status.IN_PROGRESS if progress.started else Status.NOT_STARTED
