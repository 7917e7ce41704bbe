import re

import pytest

from quiz.models import Attempt, Question

from .conftest import answer_right, position_of_kind, question_at, start

pytestmark = pytest.mark.django_db


def answer_wrong_with(attempt, kind: str, pick: str | None = None, flip: str | None = None):
    """Answer the `kind` question wrongly: pick the choice with text `pick`, or put layer
    `flip` on the wrong side."""
    position = position_of_kind(attempt, kind)
    question = question_at(attempt, position)
    if question.is_classify:
        placements = dict(question.classify_key)
        placements[flip] = {"aws": "customer", "customer": "aws"}[placements[flip]]
        return attempt.record_answer(question, placements=placements)
    return attempt.record_answer(question, choice_ids=[question.choices.get(text=pick).pk])


@pytest.fixture
def answered(small_bank, learner, other_learner, facilitator):
    """Three learners answer a bank of four questions and submit: some right, some wrong."""
    small_bank(4)
    for user in (learner, other_learner):
        attempt = start(user)
        answer_wrong_with(attempt, "single", pick="Wrong A")
        answer_wrong_with(attempt, "classify", flip="data")
        answer_right(attempt, position_of_kind(attempt, "multiple"))
        attempt.submit()
    attempt = start(facilitator)
    answer_right(attempt, position_of_kind(attempt, "single"))
    answer_wrong_with(attempt, "classify", flip="physical")
    attempt.submit()


def row_of(html: str, slug: str) -> str:
    start = html.index(f">{slug}</a>")
    return html[start : html.index("</tr>", start)]


def test_staff_see_answers_percent_correct_and_each_wrong_pick(answered, staff, client):
    client.force_login(staff)
    response = client.get("/quizzes/stats/")
    assert response.status_code == 200
    html = response.text
    single = Question.objects.get(kind="single").slug
    cells = re.findall(r"<td>(\d+%?)</td>", row_of(html, single))
    assert cells == ["3", "33%"]  # answered by three, right once
    assert "Wrong A: <strong>2</strong>" in row_of(html, single)
    assert "Wrong B: <strong>0</strong>" in row_of(html, single)
    classify = Question.objects.get(kind="classify").slug
    assert re.findall(r"<td>(\d+%?)</td>", row_of(html, classify)) == ["3", "0%"]
    assert "Data: <strong>2</strong>" in row_of(html, classify)
    assert "Physical facilities: <strong>1</strong>" in row_of(html, classify)
    assert "Hypervisor: <strong>0</strong>" in row_of(html, classify)
    # Least often right first: the classify question (0%) heads the table.
    assert html.index(f">{classify}</a>") < html.index(f">{single}</a>")


def test_an_open_attempt_counts_only_once_submitted(answered, learner, staff, client):
    attempt = start(learner)
    answer_wrong_with(attempt, "single", pick="Wrong B")
    client.force_login(staff)
    single = Question.objects.get(kind="single").slug
    assert "Wrong B: <strong>0</strong>" in row_of(client.get("/quizzes/stats/").text, single)
    attempt.submit()
    assert "Wrong B: <strong>1</strong>" in row_of(client.get("/quizzes/stats/").text, single)


def test_stats_are_for_staff_only(answered, learner, client):
    assert client.get("/quizzes/stats/")["Location"].startswith("/accounts/login/")
    client.force_login(learner)
    assert client.get("/quizzes/stats/").status_code == 403


def test_stats_cost_a_fixed_number_of_queries(
    small_bank, staff, client, learner, django_assert_max_num_queries
):
    small_bank(50)
    attempt = start(learner)
    for position in range(1, attempt.question_total + 1):
        answer_right(attempt, position)
    attempt.submit()
    client.force_login(staff)
    # Four for the question table, up to three for the top misconceptions.
    with django_assert_max_num_queries(11):
        assert client.get("/quizzes/stats/").status_code == 200


def test_staff_can_browse_questions_quizzes_and_attempts_in_the_admin(answered, staff, client):
    client.force_login(staff)
    attempt = Attempt.objects.first()
    question = Question.objects.first()
    for path in [
        "/admin/quiz/question/",
        f"/admin/quiz/question/{question.pk}/change/",
        "/admin/quiz/quiz/",
        "/admin/quiz/attempt/",
        f"/admin/quiz/attempt/{attempt.pk}/change/",
    ]:
        assert client.get(path).status_code == 200, path
