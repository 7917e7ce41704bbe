"""xAPI: learning events become statements in the outbox, in the event's transaction, and
reach a real learning record store (Ralph) through an outage, once each."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lessons.models import Lesson
from lms.models import Statement
from quiz.models import Attempt
from tests.quiz.conftest import answer_right, start
from tests.workshops.conftest import make_workshop, open_question, right_selection

pytestmark = pytest.mark.django_db

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
EARNED = "http://id.tincanapi.com/verb/earned"


@pytest.fixture
def configured(settings):
    """An LRS address where nothing listens: enough for statements to be written."""
    settings.XAPI_LRS_URL = "http://127.0.0.1:9/xAPI"


def complete_lesson(client, slug="the-stack"):
    lesson = Lesson.objects.get(slug=slug)
    for step in lesson.steps.order_by("order"):
        client.get(step.get_absolute_url())
    response = client.post(reverse("lessons:complete", args=[slug]))
    assert response.status_code in (200, 302)


def verbs(statements) -> list[str]:
    return [statement["verb"]["id"] for statement in statements]


def test_nothing_is_written_while_no_lrs_is_configured(small_bank, learner, settings):
    settings.XAPI_LRS_URL = ""
    small_bank(4)
    attempt = start(learner)
    answer_right(attempt, 1)
    attempt.submit()
    assert not Statement.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_statement_is_rolled_back_with_its_event(small_bank, learner, configured):
    small_bank(4)
    attempt = start(learner)

    class RequestFailedError(Exception):
        pass

    def answer_then_fail():
        with transaction.atomic():
            answer_right(attempt, 1)
            assert Statement.objects.count() == 1
            raise RequestFailedError

    with pytest.raises(RequestFailedError):
        answer_then_fail()
    assert not Statement.objects.exists()


def test_practice_events_make_statements(small_bank, learner, learner_client, configured):
    small_bank(4)
    complete_lesson(learner_client)
    attempt = start(learner)
    for position in (1, 2):
        answer_right(attempt, position)
    attempt.submit()  # half right: under the practice pass mark
    bodies = [s.body for s in Statement.objects.order_by("pk")]
    assert verbs(bodies) == [COMPLETED, ANSWERED, ANSWERED, FAILED]
    assert {body["actor"]["mbox"] for body in bodies} == {f"mailto:{learner.email}"}
    assert bodies[1]["result"]["success"] is True
    assert bodies[3]["result"]["score"]["scaled"] == 0.5
    assert bodies[3]["object"]["id"].endswith(attempt.quiz.get_absolute_url())
    assert DBTaskResult.objects.filter(status="READY").exists()


def test_a_passed_exam_and_its_certificate_make_statements(exam, learner, configured):
    attempt, _ = Attempt.objects.start(learner, exam)
    for position in range(1, attempt.question_total + 1):
        answer_right(attempt, position)
    attempt.submit()
    assert verbs(s.body for s in Statement.objects.order_by("pk")) == [ANSWERED] * 4 + [
        PASSED,
        EARNED,
    ]


def test_a_live_answer_of_a_signed_in_participant_makes_a_statement(
    course, facilitator, learner, configured
):
    workshop = make_workshop(facilitator)
    item = open_question(workshop)
    workshop.join("Guest").answer(item, **right_selection(item))
    assert not Statement.objects.exists()  # a guest has no account to name
    workshop.join("Lee", user=learner).answer(item, **right_selection(item))
    (statement,) = Statement.objects.all()
    assert statement.body["verb"]["id"] == ANSWERED
    assert statement.body["context"]["contextActivities"]["parent"][0]["id"].endswith(
        f"/join/{workshop.code}/"
    )


def test_the_opaque_actor_names_no_address(small_bank, learner, other_learner, settings):
    settings.XAPI_LRS_URL = "http://127.0.0.1:9/xAPI"
    settings.XAPI_ACTOR = "account"
    small_bank(4)
    mine = start(learner)
    answer_right(mine, 1)
    answer_right(start(other_learner), 1)
    answer_right(mine, 2)
    actors = [s.body["actor"] for s in Statement.objects.order_by("pk")]
    assert all("mbox" not in actor and "@" not in str(actor) for actor in actors)
    assert actors[0]["account"]["homePage"] == settings.SITE_URL.rstrip("/") + "/"
    assert actors[0] == actors[2]  # the same learner, the same name
    assert actors[0]["account"]["name"] != actors[1]["account"]["name"]


def test_statements_wait_out_an_lrs_outage_and_arrive_once_each(
    small_bank, learner, learner_client, lrs, run_tasks
):
    small_bank(4)
    complete_lesson(learner_client)  # the LRS is down: the learner notices nothing
    attempt = start(learner)
    for position in range(1, 5):
        answer_right(attempt, position)
    attempt.submit()
    written = {str(s.statement_id) for s in Statement.objects.all()}
    assert len(written) == 6

    run_tasks()  # down: every statement stays in the outbox with the error
    unsent = Statement.objects.filter(sent_at=None)
    assert unsent.count() == 6
    assert all(s.tries == 1 and "ConnectionError" in s.last_error for s in unsent)
    retries = DBTaskResult.objects.filter(status="READY")
    assert retries.count() == 1
    assert retries.get().run_after > timezone.now()

    lrs.start()
    run_tasks()  # back up, but the retry is not due yet
    assert Statement.objects.filter(sent_at=None).count() == 6
    Statement.objects.update(due_at=timezone.now())
    retries.update(run_after=timezone.now())
    run_tasks()
    assert not Statement.objects.filter(sent_at=None).exists()

    # Sent again (as after a lost answer from the LRS): still stored once.
    Statement.objects.update(sent_at=None, due_at=None)
    from lms.tasks import send_statements

    send_statements.call()
    assert not Statement.objects.filter(sent_at=None).exists()  # a 409 for each: it has them
    stored = lrs.statements()
    assert sorted(s["id"] for s in stored) == sorted(written)
    assert sorted(verbs(stored)) == sorted([COMPLETED, PASSED] + [ANSWERED] * 4)

    lrs.stop()  # a second outage: new events wait again, the old are not resent
    answer_right(start(learner), 1)
    run_tasks()
    assert Statement.objects.filter(sent_at=None).count() == 1


def test_a_statement_the_lrs_refuses_holds_up_no_other(
    small_bank, learner, learner_client, lrs, run_tasks, admin_client
):
    lrs.start()
    small_bank(2)
    complete_lesson(learner_client)
    broken = Statement.objects.get()
    del broken.body["actor"]  # as if written by an older, buggy release
    broken.save()
    attempt = start(learner)
    answer_right(attempt, 1)
    answer_right(attempt, 2)
    attempt.submit()

    run_tasks()
    broken.refresh_from_db()
    assert (broken.sent_at, broken.tries) == (None, 1)
    assert broken.refused_at is not None
    assert "the LRS answered 4" in broken.last_error  # Ralph: 422
    assert Statement.objects.filter(sent_at=None).count() == 1
    assert sorted(verbs(lrs.statements())) == sorted([PASSED, ANSWERED, ANSWERED])
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no retry for it

    from lms.tasks import send_statements

    assert send_statements.call() == 0  # later runs leave it alone
    response = admin_client.post(
        "/admin/lms/statement/",
        {"action": "send_again", "_selected_action": [broken.pk]},
        follow=True,
    )
    assert "1 statement will be sent again." in response.text
    broken.refresh_from_db()
    assert (broken.refused_at, broken.sent_at) == (None, None)


def test_a_statement_the_lrs_already_holds_counts_as_sent(small_bank, learner, lrs, run_tasks):
    lrs.start()
    small_bank(2)
    attempt = start(learner)
    answer_right(attempt, 1)
    run_tasks()
    first = Statement.objects.get()
    assert first.sent_at is not None
    answer_right(attempt, 2)
    first_again = Statement.objects.filter(pk=first.pk)
    first_again.update(sent_at=None)  # its answer was lost: sent again with the next one

    run_tasks()
    assert not Statement.objects.filter(sent_at=None).exists()
    assert Statement.objects.filter(refused_at__isnull=False).count() == 0
    assert len(lrs.statements()) == 2
