"""The review deck at /review/: every question missed in practice comes back after 1 day,
then 3 and 7 days while answered right, and starts again at 1 day when wrong."""

from datetime import datetime, timedelta

import pytest

from quiz import spacing
from quiz.models import Question, ReviewAnswer, ReviewCard

from .conftest import answer_right, question_at, right_answer, start, wrong_answer

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def miss(attempt, position=1) -> Question:
    question = question_at(attempt, position)
    data = wrong_answer(question)
    if question.is_classify:
        key = {slug.removeprefix("layer-"): owner for slug, owner in data.items()}
        attempt.record_answer(question, placements=key)
    else:
        attempt.record_answer(question, choice_ids=data["choice"])
    return question


def card_of(learner, question) -> ReviewCard:
    return ReviewCard.objects.get(user=learner, question=question)


def review(client, card, right: bool):
    """Answer the card at /review/ as a learner would, without JavaScript."""
    data = (right_answer if right else wrong_answer)(card.question)
    response = client.post(f"/review/{card.pk}/", data)
    assert response.status_code == 302, response.text
    return response


def test_the_schedule_is_1_3_7_days_then_out_and_wrong_starts_again():
    now = datetime(2030, 1, 1, 9, 0)
    assert spacing.first_due(now) == now + DAY
    assert spacing.after_review(0, True, now) == (1, now + 3 * DAY)
    assert spacing.after_review(1, True, now) == (2, now + 7 * DAY)
    assert spacing.after_review(2, True, now) == (2, None)
    for stage in range(3):
        assert spacing.after_review(stage, False, now) == (0, now + DAY)


def test_a_missed_practice_question_enters_the_deck_and_a_right_one_does_not(attempt, learner):
    question = miss(attempt, 1)
    answer_right(attempt, 2)
    assert list(ReviewCard.objects.values_list("question", flat=True)) == [question.pk]


def test_spacing_follows_a_moved_clock(attempt, learner, learner_client, clock):
    question = miss(attempt)
    card = card_of(learner, question)
    assert card.due_at == clock.now + DAY

    def due_now() -> bool:
        learner_client.force_login(learner)  # weeks pass: the session would expire
        return question.prompt[:30] in learner_client.get("/review/").text

    clock.advance(hours=23)
    assert not due_now()
    clock.advance(hours=1)
    assert due_now()
    review(learner_client, card, right=True)
    clock.advance(days=3, seconds=-1)
    assert not due_now()
    clock.advance(seconds=1)
    assert due_now()
    review(learner_client, card, right=True)
    clock.advance(days=6)
    assert not due_now()
    clock.advance(days=1)
    # Wrong at the last stage: back to the start, due again after one day.
    review(learner_client, card, right=False)
    card.refresh_from_db()
    assert (card.stage, card.due_at) == (0, clock.now + DAY)
    for days in (1, 3, 7):
        clock.advance(days=days)
        assert due_now()
        review(learner_client, card, right=True)
    card.refresh_from_db()
    assert card.due_at is None
    clock.advance(days=365)
    assert not due_now()
    assert ReviewAnswer.objects.filter(card=card).count() == 6


def test_missing_it_again_in_practice_puts_it_back_at_the_start(learner, small_bank, clock):
    small_bank(4)
    question = miss(start(learner))
    card = card_of(learner, question)
    card.stage, card.due_at = 2, clock.now + 5 * DAY
    card.save()
    start(learner).submit()
    again = start(learner)
    position = next(
        n for n, entry in enumerate(again.layout, 1) if entry["question"] == question.pk
    )
    miss(again, position)
    card.refresh_from_db()
    assert (card.stage, card.due_at) == (0, clock.now + DAY)


def test_the_deck_never_holds_an_exam_question(exam, learner, clock):
    attempt = start(learner, "test-exam")
    miss(attempt)
    assert not ReviewCard.objects.exists()
    question = Question.objects.filter(exam_only=True).first()
    ReviewCard.objects.missed(learner.pk, question, clock.now)
    assert not ReviewCard.objects.exists()


def test_the_review_page_works_without_javascript(attempt, learner, learner_client, clock):
    question = miss(attempt)
    clock.advance(days=1)
    page = learner_client.get("/review/").text
    assert "1 question to review today." in page
    assert f'action="/review/{card_of(learner, question).pk}/"' in page
    response = review(learner_client, card_of(learner, question), right=False)
    feedback = learner_client.get(response.url).text
    assert question.explanation[:30] in feedback
    assert "comes back on" in feedback
    assert "Nothing to review right now." in learner_client.get("/review/").text


def test_a_second_answer_to_the_same_card_changes_nothing(attempt, learner, learner_client, clock):
    question = miss(attempt)
    clock.advance(days=1)
    card = card_of(learner, question)
    review(learner_client, card, right=True)
    again = learner_client.post(f"/review/{card.pk}/", wrong_answer(question), follow=True)
    assert "your first answer stands" in again.text
    card.refresh_from_db()
    assert card.stage == 1
    assert ReviewAnswer.objects.count() == 1


def test_it_requires_login_and_checks_ownership(attempt, learner, other_learner, client, clock):
    question = miss(attempt)
    card = card_of(learner, question)
    assert client.get("/review/").status_code == 302
    client.force_login(other_learner)
    clock.advance(days=1)
    assert client.post(f"/review/{card.pk}/", right_answer(question)).status_code == 404
    assert "Nothing to review right now." in client.get("/review/").text
    answer = card.answer(**{"choice_ids": right_answer(question).get("choice", [])})
    if answer is not None:
        assert client.get(f"/review/answers/{answer.pk}/").status_code == 404


def test_it_handles_bad_input_and_rejects_get(attempt, learner, learner_client, clock):
    question = miss(attempt, 1)
    clock.advance(days=1)
    card = card_of(learner, question)
    assert learner_client.get(f"/review/{card.pk}/").status_code == 405
    empty = learner_client.post(f"/review/{card.pk}/", {})
    assert empty.status_code == 200
    assert "error-summary" in empty.text
    if not question.is_classify:
        forged = learner_client.post(f"/review/{card.pk}/", {"choice": [999999]})
        assert forged.status_code == 400
    assert not ReviewAnswer.objects.exists()
    assert learner_client.post("/review/999999/", {}).status_code == 404


@pytest.mark.parametrize("missed", [1, 4])
def test_review_pages_cost_a_fixed_number_of_queries(
    small_bank, learner, learner_client, clock, django_assert_max_num_queries, missed
):
    small_bank(4)
    attempt = start(learner)
    for position in range(1, missed + 1):
        miss(attempt, position)
    clock.advance(days=1)
    with django_assert_max_num_queries(9):
        assert learner_client.get("/review/").status_code == 200
    card = ReviewCard.objects.order_by("due_at", "pk").first()
    data = right_answer(card.question)
    with django_assert_max_num_queries(14):
        response = learner_client.post(f"/review/{card.pk}/", data)
    with django_assert_max_num_queries(10):
        assert learner_client.get(response.url).status_code == 200


def test_the_dashboard_says_how_many_are_due(attempt, learner, learner_client, clock):
    miss(attempt, 1)
    miss(attempt, 2)
    assert "to review" not in learner_client.get("/").text
    clock.advance(days=1)
    html = learner_client.get("/").text
    assert "2 to review" in html
    assert 'href="/review/"' in html
