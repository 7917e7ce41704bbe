"""Races between real requests: a double click, two tabs, two devices at once.

Each request runs in its own thread with its own database connection, released together
by a barrier. The guarantees come from the database (unique constraints, a conditional
UPDATE, a row lock), so these pass on SQLite and PostgreSQL alike.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from quiz.models import Answer, Attempt, Certificate

from .conftest import answer_right, kind_at, right_answer, wrong_answer

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 4


def race(user, requests):
    """Send each (method, path, data) at the same moment; return the status codes."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def send(index, method, path, data):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            statuses[index] = getattr(client, method)(path, data).status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(index, *request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_racing_answers_to_one_question_store_exactly_one(attempt, learner):
    position, question = kind_at(attempt, "single")
    path = f"/attempts/{attempt.pk}/questions/{position}/"
    answers = [right_answer(question), wrong_answer(question)] * (RACERS // 2)
    statuses = race(learner, [("post", path, data) for data in answers])
    # 302 to the feedback, or 200 with "your first answer stands" for a late request.
    assert set(statuses) <= {200, 302}
    assert 302 in statuses
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_racing_submits_submit_once(attempt, learner):
    path = f"/attempts/{attempt.pk}/submit"
    statuses = race(learner, [("post", path, {})] * RACERS)
    assert statuses == [302] * RACERS
    attempt.refresh_from_db()
    assert attempt.is_submitted
    assert attempt.score == 0


def test_racing_starts_open_one_attempt(small_bank, learner):
    small_bank(4)
    statuses = race(learner, [("post", "/quizzes/the-stack/start", {})] * RACERS)
    assert statuses == [302] * RACERS
    assert Attempt.objects.filter(user=learner).count() == 1


def test_an_answer_racing_the_submit_is_either_scored_or_refused(attempt, learner):
    position, question = kind_at(attempt, "single")
    statuses = race(
        learner,
        [
            ("post", f"/attempts/{attempt.pk}/questions/{position}/", right_answer(question)),
            ("post", f"/attempts/{attempt.pk}/submit", {}),
        ],
    )
    assert statuses == [302, 302]
    attempt.refresh_from_db()
    # Whichever came first, the score agrees with the answers stored.
    assert attempt.score == 25 * Answer.objects.filter(attempt=attempt).count()


def test_racing_submits_of_a_passing_exam_issue_one_certificate(exam, learner):
    attempt, _created = Attempt.objects.start(learner, exam)
    for position in range(1, attempt.question_total + 1):
        answer_right(attempt, position)
    statuses = race(learner, [("post", f"/attempts/{attempt.pk}/submit", {})] * RACERS)
    assert statuses == [302] * RACERS
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)
    assert Certificate.objects.filter(attempt=attempt).count() == 1
