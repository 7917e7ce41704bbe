"""The status rules, at the edges of the due date and of each requirement."""

import datetime

import pytest

from cohorts.status import Progress, Requirements, Status, Totals, is_done, status_of

DUE = datetime.date(2030, 6, 15)
DAY = datetime.timedelta(days=1)
TOTALS = Totals(lessons=7, practice_quizzes=8)
COURSE = Requirements(course=True, practice_quizzes=False)
QUIZZES = Requirements(course=False, practice_quizzes=True)
BOTH = Requirements(course=True, practice_quizzes=True)
EXAM = Requirements(course=False, practice_quizzes=False, exam=True)

NOTHING = Progress()
OPENED = Progress(lessons_started=1)
QUIZ_BEGUN = Progress(attempts=1)
ALL_LESSONS = Progress(lessons_started=7, lessons_done=7)
ALMOST = Progress(lessons_started=7, lessons_done=6)
ALL_QUIZZES = Progress(attempts=9, quizzes_done=8, best_score=40)
EVERYTHING = Progress(lessons_started=7, lessons_done=7, attempts=8, quizzes_done=8)
CERTIFIED = Progress(certificate=object(), certificate_status="valid")
EXPIRED = Progress(certificate=object(), certificate_status="expired")
REVOKED = Progress(certificate=object(), certificate_status="revoked")


@pytest.mark.parametrize(
    ("progress", "on", "expected"),
    [
        (NOTHING, DUE - DAY, Status.NOT_STARTED),
        (NOTHING, DUE, Status.NOT_STARTED),
        (NOTHING, DUE + DAY, Status.OVERDUE),
        (OPENED, DUE - DAY, Status.IN_PROGRESS),
        (OPENED, DUE, Status.IN_PROGRESS),
        (OPENED, DUE + DAY, Status.OVERDUE),
        (ALMOST, DUE, Status.IN_PROGRESS),
        (ALMOST, DUE + DAY, Status.OVERDUE),
        (ALL_LESSONS, DUE - DAY, Status.DONE),
        (ALL_LESSONS, DUE, Status.DONE),
        (ALL_LESSONS, DUE + DAY, Status.DONE),
    ],
)
def test_course_status_around_the_due_date(progress, on, expected):
    assert status_of(progress, COURSE, TOTALS, DUE, on) == expected


def test_a_quiz_attempt_counts_as_started_even_when_only_the_course_is_required():
    assert status_of(QUIZ_BEGUN, COURSE, TOTALS, DUE, DUE) == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("requirements", "progress", "done"),
    [
        (COURSE, ALL_LESSONS, True),
        (COURSE, ALL_QUIZZES, False),
        (QUIZZES, ALL_QUIZZES, True),
        (QUIZZES, ALL_LESSONS, False),
        (QUIZZES, Progress(quizzes_done=7), False),
        (BOTH, ALL_LESSONS, False),
        (BOTH, ALL_QUIZZES, False),
        (BOTH, EVERYTHING, True),
        (EXAM, CERTIFIED, True),
        (EXAM, EXPIRED, False),
        (EXAM, REVOKED, False),
        (EXAM, EVERYTHING, False),
        (COURSE, CERTIFIED, False),
    ],
)
def test_done_means_every_requirement_met(requirements, progress, done):
    assert is_done(progress, requirements, TOTALS) is done


def test_done_after_the_due_date_stays_done_and_a_new_lesson_undoes_it():
    assert status_of(ALL_LESSONS, COURSE, TOTALS, DUE, DUE + 30 * DAY) == Status.DONE
    bigger_course = Totals(lessons=8, practice_quizzes=8)
    assert status_of(ALL_LESSONS, COURSE, bigger_course, DUE, DUE) == Status.IN_PROGRESS


def test_an_exam_passed_counts_even_once_its_certificate_expires_but_not_once_revoked():
    assert CERTIFIED.exam_passed
    assert EXPIRED.exam_passed
    assert not REVOKED.exam_passed
    assert not NOTHING.exam_passed


@pytest.mark.parametrize("progress", [CERTIFIED, EXPIRED, REVOKED])
def test_a_certificate_counts_as_started(progress):
    assert status_of(progress, COURSE, TOTALS, DUE, DUE) == Status.IN_PROGRESS
    assert status_of(progress, EXAM, TOTALS, DUE, DUE + DAY) == (
        Status.DONE if progress is CERTIFIED else Status.OVERDUE
    )
