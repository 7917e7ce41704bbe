"""The exam as a learner meets it: the rules, the clock, no feedback, the result."""

import re
from datetime import timedelta

import pytest

from quiz.models import Answer, Attempt, Certificate, Choice, Question

from .conftest import answer_right, position_of_kind, question_at, right_answer, start

pytestmark = pytest.mark.django_db
EXAM_PAGE = "/quizzes/test-exam/"
START = "/quizzes/test-exam/start"


def question_url(attempt, position):
    return f"/attempts/{attempt.pk}/exam/{position}/"


def start_exam(user) -> Attempt:
    return start(user, "test-exam")


def finish(attempt, right: int) -> Attempt:
    for position in range(1, right + 1):
        answer_right(attempt, position)
    attempt.submit()
    return attempt


def messages_in(html: str) -> str:
    match = re.search(r'<div class="messages".*?</div>', html, flags=re.DOTALL)
    return match.group(0) if match else ""


# The start page and starting


def test_the_start_page_states_the_rules_to_everyone(exam, client):
    html = client.get(EXAM_PAGE).text
    for rule in [
        "4 questions</strong>, drawn at random from a pool of 8",
        "30 minutes</strong>, counted on the server",
        "Pass mark: 75%.",
        "A score of exactly 75% passes.",
        "3 attempts</strong> in any 365 days; a pass starts the count afresh.",
        "24 hours</strong> between the end of one attempt and the start of the next.",
        "certificate valid for 365 days",
    ]:
        assert rule in html
    assert "Log in to take this exam" in html
    assert f'action="{START}"' not in html


def test_an_edit_to_the_rules_shows_on_the_start_page_at_once(exam, client):
    assert "Pass mark: 75%." in client.get(EXAM_PAGE).text
    exam.exam.pass_mark = 80
    exam.exam.save()
    assert "Pass mark: 80%." in client.get(EXAM_PAGE).text
    exam.retired = True
    exam.save()
    assert client.get(EXAM_PAGE).status_code == 404


def test_the_start_page_tells_the_learner_attempts_left_and_offers_the_start(exam, learner_client):
    html = learner_client.get(EXAM_PAGE).text
    assert "Attempts left in this period: 3 of 3." in html
    assert "You can start now." in html
    assert f'action="{START}"' in html
    assert "Start exam" in html


def test_start_opens_a_timed_attempt_at_its_first_question(exam, learner, learner_client):
    response = learner_client.post(START, follow=True)
    attempt = Attempt.objects.get(user=learner)
    assert response.redirect_chain == [(question_url(attempt, 1), 302)]
    assert attempt.deadline is not None
    assert "Resume exam" in learner_client.get(EXAM_PAGE).text


def test_start_requires_login_and_rejects_get(exam, learner, client):
    assert client.post(START)["Location"].startswith("/accounts/login/")
    client.force_login(learner)
    assert client.get(START).status_code == 405
    assert not Attempt.objects.exists()


def test_a_start_in_the_cool_down_is_refused_with_the_time_it_opens(
    exam, learner, learner_client, clock
):
    finish(start_exam(learner), right=1)
    reopens = clock.now + timedelta(hours=24)
    clock.advance(hours=2)
    response = learner_client.post(START, follow=True)
    expected = (
        "The exam asks for 24 hours between attempts. Your next attempt is allowed from "
        f"{reopens:%-d %B %Y, %H:%M} UTC."
    )
    assert expected in messages_in(response.text)
    assert Attempt.objects.count() == 1
    page = learner_client.get(EXAM_PAGE).text
    assert "Attempts left in this period: 2 of 3." in page
    assert expected in page
    assert "Start exam" not in page


def test_a_start_beyond_the_attempt_limit_is_refused(exam, learner, learner_client, clock):
    first = finish(start_exam(learner), right=0)
    for _ in range(2):
        clock.advance(days=2)
        finish(start_exam(learner), right=0)
    clock.advance(days=2)
    learner_client.force_login(learner)
    response = learner_client.post(START, follow=True)
    reopens = first.started_at + timedelta(days=365)
    assert (
        "You have used all 3 attempts for this period. Your next attempt is allowed from "
        f"{reopens:%-d %B %Y, %H:%M} UTC."
    ) in messages_in(response.text)
    assert Attempt.objects.count() == 3
    assert "Attempts left in this period: 0 of 3." in learner_client.get(EXAM_PAGE).text


def test_a_start_while_certified_is_refused_until_renewal_opens(
    exam, learner, learner_client, clock
):
    finish(start_exam(learner), right=4)
    certificate = Certificate.objects.get()
    response = learner_client.post(START, follow=True)
    assert (
        f"You already hold a valid certificate, until {certificate.expires_at:%-d %B %Y}"
    ) in messages_in(response.text)
    assert f"from {certificate.renewal_opens_at:%-d %B %Y}" in messages_in(response.text)
    assert Attempt.objects.count() == 1


def test_an_exam_without_its_settings_is_not_offered(exam, learner_client):
    exam.exam.delete()
    assert learner_client.get(EXAM_PAGE).status_code == 404
    assert learner_client.post(START).status_code == 404
    assert EXAM_PAGE not in learner_client.get("/quizzes/").text
    assert "Test exam" not in learner_client.get("/").text


def test_an_exam_whose_pool_is_too_small_cannot_start(exam, learner_client):
    Question.objects.filter(pk__in=list(exam.questions.values_list("pk", flat=True)[:5])).update(
        retired=True
    )
    response = learner_client.post(START, follow=True)
    assert "its pool holds fewer questions than it draws" in response.text
    assert not Attempt.objects.exists()


# The question page: the time left, no feedback


def test_the_question_page_shows_the_time_left_without_javascript(
    exam, learner, learner_client, clock
):
    attempt = start_exam(learner)
    html = learner_client.get(question_url(attempt, 1)).text
    assert "Question 1 of 4" in html
    assert re.search(r"data-timer-clock>\s*30 minutes\s*</strong>", html)
    assert f"(the exam ends at {attempt.deadline:%H:%M} UTC)" in html
    assert 'data-seconds-left="1800"' in html
    assert 'src="/static/js/exam-timer.js" defer' in html
    assert 'aria-live="polite" data-timer-announce' in html
    clock.advance(minutes=17, seconds=30)
    html = learner_client.get(question_url(attempt, 1)).text
    assert re.search(r"data-timer-clock>\s*12 minutes\s*</strong>", html)
    assert 'data-seconds-left="750"' in html
    clock.advance(minutes=12, seconds=1)
    html = learner_client.get(question_url(attempt, 1)).text
    assert re.search(r"data-timer-clock>\s*less than a minute\s*</strong>", html)


def test_an_answer_is_saved_without_feedback_and_the_learner_moves_on(
    exam, learner, learner_client
):
    attempt = start_exam(learner)
    question = question_at(attempt, 1)
    response = learner_client.post(question_url(attempt, 1), right_answer(question))
    assert response.status_code == 302
    assert response["Location"] == question_url(attempt, 2)
    assert Answer.objects.get().question == question
    html = learner_client.get(question_url(attempt, 1)).text
    assert "You have answered this question" in html
    for leak in ["Correct", "Not quite", "Right answer", question.explanation]:
        assert leak not in html
    assert "1 of 4 questions answered" in html
    assert "3 questions are not answered yet; they score 0." in html


def test_answering_again_keeps_the_first_answer(exam, learner, learner_client):
    attempt = start_exam(learner)
    question = question_at(attempt, 1)
    learner_client.post(question_url(attempt, 1), right_answer(question))
    choice = question.choices.exclude(pk__in=right_answer(question).get("choice", [])).first()
    data = {"choice": [choice.pk]} if choice else {}
    response = learner_client.post(question_url(attempt, 1), data, follow=True)
    assert "your first answer stands" in response.text
    assert Answer.objects.get().score == 1


def test_skipping_and_the_last_answer_lead_to_finishing(exam, learner, learner_client):
    attempt = start_exam(learner)
    html = learner_client.get(question_url(attempt, 1)).text
    assert f'href="{question_url(attempt, 2)}">Skip this question for now' in html
    for position in (2, 3, 4):
        answer_right(attempt, position)
    response = learner_client.post(question_url(attempt, 1), right_answer(question_at(attempt, 1)))
    assert response["Location"] == question_url(attempt, 1)
    html = learner_client.get(question_url(attempt, 1)).text
    assert "You have answered every question." in html
    assert "Every question is answered." in html
    assert f'action="/attempts/{attempt.pk}/submit"' in html


def test_an_answer_after_the_deadline_is_refused_and_the_result_shown(
    exam, learner, learner_client, clock
):
    attempt = start_exam(learner)
    answer_right(attempt, 1)
    clock.advance(minutes=30, seconds=1)
    question = question_at(attempt, 2)
    response = learner_client.post(question_url(attempt, 2), right_answer(question), follow=True)
    assert response.redirect_chain[-1][0] == f"/attempts/{attempt.pk}/review/"
    assert "Time is up. Answers after the deadline are not accepted" in response.text
    assert "You scored 25%" in response.text
    assert "Time ran out" in response.text
    assert Answer.objects.count() == 1
    attempt.refresh_from_db()
    assert (attempt.is_submitted, attempt.submitted_at) == (True, attempt.deadline)


def test_the_start_page_closes_an_expired_attempt_and_applies_the_rules(
    exam, learner, learner_client, clock
):
    attempt = start_exam(learner)
    clock.advance(hours=1)
    html = learner_client.get(EXAM_PAGE).text
    assert "Resume exam" not in html
    assert "The exam asks for 24 hours between attempts." in html
    attempt.refresh_from_db()
    assert (attempt.is_submitted, attempt.submitted_at) == (True, attempt.deadline)


def test_any_page_of_an_expired_attempt_closes_it(exam, learner, learner_client, clock):
    attempt = start_exam(learner)
    clock.advance(hours=1)
    dashboard = learner_client.get("/").text
    assert "Time is up" in dashboard
    assert f'href="/attempts/{attempt.pk}/review/">Result' in dashboard
    response = learner_client.get(f"/attempts/{attempt.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/attempts/{attempt.pk}/review/"
    assert "Not passed this time" in response.text
    attempt.refresh_from_db()
    assert attempt.is_submitted


# Submitting and the result


def test_the_result_shows_score_verdict_certificate_and_lessons_never_the_key(
    exam_bank, learner, learner_client
):
    exam_bank(questions=4)  # one question of each kind, all drawn
    attempt = start_exam(learner)
    single = position_of_kind(attempt, "single")
    question = question_at(attempt, single)
    for position in range(1, 5):
        if position != single:
            answer_right(attempt, position)
    wrong = question.choices.filter(is_correct=False).first()
    attempt.record_answer(question, choice_ids=[wrong.pk])
    response = learner_client.post(f"/attempts/{attempt.pk}/submit", follow=True)
    html = response.text
    assert response.redirect_chain[-1][0] == f"/attempts/{attempt.pk}/review/"
    assert "Passed" in html
    assert "You scored 75%" in html
    assert "The pass mark is 75%." in html
    certificate = Certificate.objects.get()
    assert certificate.code in html
    assert f'href="/certificates/{certificate.code}/print"' in html
    assert 'href="/lessons/the-stack/"' in html
    assert "missed marks on 1 of 4 questions" in html
    for secret in [
        *Question.objects.values_list("explanation", flat=True),
        *Choice.objects.exclude(feedback="").values_list("feedback", flat=True),
    ]:
        assert secret not in html
    for marker in ["Right answer", "Your answer", "choice-result", "classify-result"]:
        assert marker not in html


def test_a_fail_says_so_and_when_the_next_attempt_is_allowed(exam, learner, learner_client):
    attempt = finish(start_exam(learner), right=2)
    html = learner_client.get(f"/attempts/{attempt.pk}/review/").text
    assert "Not passed this time" in html
    assert "You scored 50%" in html
    assert "The exam asks for 24 hours between attempts." in html
    assert "/certificates/" not in html.split("<main")[1]


def test_submitting_twice_shows_the_same_result_and_one_certificate(exam, learner, learner_client):
    attempt = start_exam(learner)
    for position in range(1, 5):
        answer_right(attempt, position)
    first = learner_client.post(f"/attempts/{attempt.pk}/submit")
    second = learner_client.post(f"/attempts/{attempt.pk}/submit")
    assert first["Location"] == second["Location"] == f"/attempts/{attempt.pk}/review/"
    assert Certificate.objects.count() == 1


# Access and bad input


def tampered_posts(attempt):
    single = position_of_kind(attempt, "single")
    classify = position_of_kind(attempt, "classify")
    foreign = Choice.objects.exclude(question=question_at(attempt, single)).first().pk
    layers = {f"layer-{slug}": "aws" for slug in question_at(attempt, classify).classify_layers}
    return [
        (single, {"choice": "999999"}),
        (single, {"choice": str(foreign)}),
        (single, {"choice": "1 OR 1=1"}),
        (classify, {**layers, "layer-physical": "shared"}),
    ]


@pytest.mark.parametrize("case", range(4))
def test_tampered_answers_are_400_and_store_nothing(exam_bank, learner, learner_client, case):
    exam_bank(questions=4)
    attempt = start_exam(learner)
    position, data = tampered_posts(attempt)[case]
    response = learner_client.post(question_url(attempt, position), data)
    assert response.status_code == 400
    assert "We could not understand that request" in response.text
    assert not Answer.objects.exists()


def test_a_missing_answer_is_a_form_error_not_a_400(exam, learner, learner_client):
    attempt = start_exam(learner)
    response = learner_client.post(question_url(attempt, 1), {})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert not Answer.objects.exists()


@pytest.mark.parametrize("path", ["/attempts/{pk}/exam/0/", "/attempts/{pk}/exam/5/"])
def test_a_position_outside_the_exam_is_404(exam, learner, learner_client, path):
    attempt = start_exam(learner)
    assert learner_client.get(path.format(pk=attempt.pk)).status_code == 404
    assert learner_client.post(path.format(pk=attempt.pk), {"choice": "1"}).status_code == 404
    assert not Answer.objects.exists()


def test_the_practice_address_of_an_exam_question_leads_to_the_exam_one(
    exam, learner, learner_client
):
    attempt = start_exam(learner)
    old = f"/attempts/{attempt.pk}/questions/1/"
    assert learner_client.get(old)["Location"] == question_url(attempt, 1)
    # A POST keeps its answer on the way (307), and is answered by the exam's rules.
    posted = learner_client.post(old, right_answer(question_at(attempt, 1)))
    assert (posted.status_code, posted["Location"]) == (307, question_url(attempt, 1))
    response = learner_client.post(old, right_answer(question_at(attempt, 1)), follow=True)
    assert response.redirect_chain[-1][0] == question_url(attempt, 2)
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_the_exam_address_of_a_practice_question_leads_to_the_practice_one(
    attempt, learner_client
):
    response = learner_client.get(question_url(attempt, 1))
    assert response["Location"] == f"/attempts/{attempt.pk}/questions/1/"


# Lists, and what each page costs


def test_the_quiz_list_presents_the_exam_apart(exam, client):
    html = client.get("/quizzes/").text
    assert "Certification exam" in html
    assert f'href="{EXAM_PAGE}"' in html
    assert "4 questions · 30 minutes · pass mark 75%" in html


@pytest.mark.parametrize("bank_size", [8, 80])
def test_exam_pages_cost_a_fixed_number_of_queries(
    exam_bank, learner, learner_client, django_assert_max_num_queries, bank_size
):
    exam_bank(questions=bank_size)
    # Pages count the header's role query; redirects do not render it. The start page:
    # session, user, attempts, certificate and role, and the first time in a content
    # version the version and the exam.
    with django_assert_max_num_queries(7):
        assert learner_client.get(EXAM_PAGE).status_code == 200
    attempt = start_exam(learner)
    with django_assert_max_num_queries(8):
        assert learner_client.get(question_url(attempt, 1)).status_code == 200
    for position in range(1, 5):
        data = right_answer(question_at(attempt, position))
        with django_assert_max_num_queries(14):
            response = learner_client.post(question_url(attempt, position), data)
        assert response.status_code == 302
    with django_assert_max_num_queries(14):
        assert learner_client.post(f"/attempts/{attempt.pk}/submit").status_code == 302
    with django_assert_max_num_queries(7):
        assert learner_client.get(f"/attempts/{attempt.pk}/review/").status_code == 200
    # Again: the exam is held, and the version read at most once a second.
    with django_assert_max_num_queries(6):
        assert learner_client.get(EXAM_PAGE).status_code == 200
    assert Question.objects.filter(exam_only=True).count() == bank_size
