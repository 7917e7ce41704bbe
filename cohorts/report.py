"""Cohort reports: each member's progress and status, read in a fixed number of queries.

The figures come from the lessons and quiz apps' own query functions, one query each
for any number of members; the status rules are in `status.py`.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from lessons.models import Lesson, LessonProgress
from quiz.models import Attempt, Certificate, Quiz

from .models import Cohort, Membership
from .status import URGENCY, Progress, Status, Totals


def today() -> datetime.date:
    """The date the due dates are judged by: today in UTC (the site's time zone)."""
    return timezone.localdate()


def current_totals() -> Totals:
    """What there is to finish: two queries."""
    return Totals(lessons=Lesson.objects.count(), practice_quizzes=Quiz.objects.practice().count())


def progress_for(user_ids) -> dict[int, Progress]:
    """Each user's progress, in three queries for any number of users.

    `user_ids` may be a list or a queryset of ids; users with nothing done are absent.
    """
    lessons = LessonProgress.objects.counts_for(user_ids)
    practice = Attempt.objects.practice_summaries(user_ids)
    certificates = Certificate.objects.latest_by_user(user_ids)
    now = timezone.now()
    progress = {}
    for user_id in lessons.keys() | practice.keys() | certificates.keys():
        started, completed = lessons.get(user_id, (0, 0))
        attempts, quizzes_done, best_score = practice.get(user_id, (0, 0, None))
        certificate = certificates.get(user_id)
        certificate_status = certificate.status_at(now).value if certificate else ""
        progress[user_id] = Progress(
            started, completed, attempts, quizzes_done, best_score, certificate, certificate_status
        )
    return progress


@dataclass
class MemberRow:
    membership: Membership
    progress: Progress
    status: Status

    @property
    def user(self):
        return self.membership.user


SORT_KEYS = {
    "name": lambda row: (row.user.name.casefold(), row.user.email),
    "lessons": lambda row: row.progress.lessons_done,
    "score": lambda row: -1 if row.progress.best_score is None else row.progress.best_score,
    "status": lambda row: URGENCY[row.status],
}


@dataclass
class Report:
    cohort: Cohort
    totals: Totals
    rows: list[MemberRow]

    @property
    def status_counts(self) -> list[tuple[Status, int]]:
        """Members per status, every status listed, in order of urgency."""
        counted = Counter(row.status for row in self.rows)
        return [(status, counted[status]) for status in Status]

    def select(self, *, status: str = "", sort: str = "name") -> list[MemberRow]:
        """The rows with `status` (all if empty), sorted by `sort` ("-" reverses it)."""
        rows = [row for row in self.rows if not status or row.status == status]
        key = sort.removeprefix("-")
        rows.sort(key=SORT_KEYS["name"])  # ties keep the order of names
        rows.sort(key=SORT_KEYS[key], reverse=sort.startswith("-"))
        return rows


def cohort_report(cohort: Cohort, on: datetime.date) -> Report:
    """Every member of `cohort` with their progress and status: six queries in all."""
    memberships = cohort.memberships.select_related("user")
    progress = progress_for(cohort.memberships.values("user_id"))
    totals = current_totals()
    rows = []
    for membership in memberships:
        figures = progress.get(membership.user_id, Progress())
        rows.append(MemberRow(membership, figures, cohort.status_of(figures, totals, on)))
    return Report(cohort, totals, rows)


@dataclass
class Assignment:
    cohort: Cohort
    status: Status


def assignments_for(user, on: datetime.date) -> list[Assignment]:
    """The learner's cohorts, soonest due first: one query, six if there are any."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("cohort")
        .order_by("cohort__due_date", "cohort__name")
    )
    if not memberships:
        return []
    figures = progress_for([user.pk]).get(user.pk, Progress())
    totals = current_totals()
    return [
        Assignment(membership.cohort, membership.cohort.status_of(figures, totals, on))
        for membership in memberships
    ]


EXPORT_CHUNK = 500


def certificate_cells(progress: Progress) -> list[str]:
    """Exam passed (yes or no), certificate code, expiry date and status."""
    passed = _("yes") if progress.exam_passed else _("no")
    certificate = progress.certificate
    if certificate is None:
        return [passed, "", "", ""]
    expires = timezone.localdate(certificate.expires_at).isoformat()
    status = Certificate.Status(progress.certificate_status).label
    return [passed, certificate.code, expires, str(status)]


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_rows(cohort: Cohort, on: datetime.date):
    """The cohort's report as rows for a spreadsheet, the header first.

    Members are read `EXPORT_CHUNK` at a time, and each chunk's progress in three
    queries, so memory stays the same for ten members or ten thousand.
    """
    totals = current_totals()
    yield [
        _("Name"),
        _("Email"),
        _("Lessons done"),
        _("Lessons in the course"),
        _("Practice quizzes taken"),
        _("Practice quizzes available"),
        _("Best practice score (%)"),
        _("Exam passed"),
        _("Certificate code"),
        _("Certificate expires"),
        _("Certificate status"),
        _("Status"),
        _("Due date"),
    ]
    labels = {status: str(status.label) for status in Status}
    members = cohort.memberships.order_by("user__name", "user__email").values_list(
        "user_id", "user__name", "user__email"
    )
    for chunk in _chunks(members.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
        progress = progress_for([user_id for user_id, _name, _email in chunk])
        for user_id, name, email in chunk:
            figures = progress.get(user_id, Progress())
            yield [
                name,
                email,
                figures.lessons_done,
                totals.lessons,
                figures.quizzes_done,
                totals.practice_quizzes,
                "" if figures.best_score is None else figures.best_score,
                *certificate_cells(figures),
                labels[cohort.status_of(figures, totals, on)],
                cohort.due_date.isoformat(),
            ]
