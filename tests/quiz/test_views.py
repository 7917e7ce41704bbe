import re

import pytest

from quiz.models import Answer, Attempt, Question

from .conftest import (
    answer_right,
    kind_at,
    position_of_kind,
    question_at,
    right_answer,
    start,
    wrong_answer,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def question_url(attempt, position):
    return f"/attempts/{attempt.pk}/questions/{position}/"


def card(html: str) -> str:
    """The #question-card region of a full page."""
    begin = html.index('<div id="question-card"')
    end = html.index("</main>")
    return html[begin:end]


# The quiz list and a quiz's start page


def test_the_quiz_list_shows_every_practice_quiz_and_the_learners_best(
    small_bank, learner, client
):
    small_bank(4)
    html = client.get("/quizzes/").text
    assert 'href="/quizzes/the-stack/"' in html
    assert 'href="/quizzes/course-review/"' in html
    attempt = start(learner)
    answer_right(attempt, 1)
    attempt.submit()
    client.force_login(learner)
    html = client.get("/quizzes/").text
    assert "your best score 25%" in html
    assert "not taken yet" in html


def test_the_header_links_to_the_quizzes(client):
    assert 'href="/quizzes/"' in client.get("/").text


def test_anonymous_visitors_read_the_start_page_and_are_asked_to_log_in(small_bank, client):
    small_bank(4)
    response = client.get("/quizzes/the-stack/")
    assert response.status_code == 200
    assert "Log in to take this quiz" in response.text
    assert 'action="/quizzes/the-stack/start"' not in response.text


def test_the_start_page_lists_the_learners_own_attempts_only(
    small_bank, learner, other_learner, learner_client
):
    small_bank(4)
    mine = start(learner)
    mine.submit()
    theirs = start(other_learner)
    theirs.submit()
    html = learner_client.get("/quizzes/the-stack/").text
    assert f'href="/attempts/{mine.pk}/review/"' in html
    assert f"/attempts/{theirs.pk}/" not in html
    assert "Start quiz" in html


def test_an_unknown_quiz_is_404(small_bank, client):
    small_bank(4)
    assert client.get("/quizzes/no-such-quiz/").status_code == 404


# Starting


def test_start_requires_login_and_creates_nothing(small_bank, client):
    small_bank(4)
    response = client.post("/quizzes/the-stack/start")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/quizzes/the-stack/")
    assert not Attempt.objects.exists()


def test_a_quiz_without_questions_cannot_be_started(small_bank, learner_client):
    small_bank(4)
    Question.objects.update(retired=True)
    response = learner_client.post("/quizzes/the-stack/start", follow=True)
    assert "This quiz has no questions yet." in response.text
    assert not Attempt.objects.exists()


def test_start_rejects_get(small_bank, learner_client):
    small_bank(4)
    assert learner_client.get("/quizzes/the-stack/start").status_code == 405
    assert not Attempt.objects.exists()


def test_start_opens_an_attempt_at_its_first_question_and_then_resumes_it(
    small_bank, learner, learner_client
):
    small_bank(4)
    response = learner_client.post("/quizzes/the-stack/start")
    attempt = Attempt.objects.get(user=learner)
    # Straight to the question, without a stop at the attempt's own address.
    assert response["Location"] == question_url(attempt, 1)
    answer_right(attempt, 1)
    response = learner_client.post("/quizzes/the-stack/start", follow=True)
    assert response.redirect_chain[-1][0] == question_url(attempt, 2)
    assert Attempt.objects.count() == 1
    assert "Resume quiz" in learner_client.get("/quizzes/the-stack/").text


# One question a screen


def test_the_question_page_shows_the_question_and_progress(attempt, learner_client):
    answer_right(attempt, 1)
    response = learner_client.get(question_url(attempt, 2))
    assert response.status_code == 200
    assert "Question 2 of 4" in response.text
    assert '<progress id="quiz-progress" max="4" value="1">' in response.text
    assert "1 of 4 questions answered" in response.text
    assert "Check answer" in response.text
    assert "HX-Request" in response.get("Vary", "")


def test_without_javascript_an_answer_is_posted_and_redirected_to_its_feedback(
    attempt, learner_client
):
    position, question = kind_at(attempt, "single")
    response = learner_client.post(question_url(attempt, position), right_answer(question))
    assert response.status_code == 302
    assert response["Location"] == question_url(attempt, position)
    html = learner_client.get(response["Location"]).text
    assert "Correct" in html
    assert question.explanation in html
    assert 'tabindex="-1" data-autofocus' in html
    assert Answer.objects.get().score == 1


def test_with_htmx_the_answer_is_checked_in_place(attempt, learner_client):
    position, question = kind_at(attempt, "true_false")
    response = learner_client.post(
        question_url(attempt, position), wrong_answer(question), headers=HTMX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="question-card"')
    assert "<html" not in response.text
    assert "Not quite" in response.text
    assert question.explanation in response.text
    wrong = question.choices.get(is_correct=False)
    assert wrong.feedback in response.text
    # The htmx fragment is exactly the card of the full page.
    assert card(learner_client.get(question_url(attempt, position)).text).strip() == (
        response.text.strip()
    )


def test_a_partly_right_multiple_select_says_so_with_its_share(attempt, learner_client):
    position, question = kind_at(attempt, "multiple")
    right = [c.pk for c in question.choices.all() if c.is_correct]
    wrong = [c.pk for c in question.choices.all() if not c.is_correct]
    response = learner_client.post(
        question_url(attempt, position), {"choice": [*right, wrong[0]]}, headers=HTMX
    )
    assert "Partly right: 50% of the marks" in response.text
    assert Answer.objects.get().score == 0.5


def test_a_classify_answer_sorts_each_layer(attempt, learner_client):
    position, question = kind_at(attempt, "classify")
    html = learner_client.get(question_url(attempt, position)).text
    assert html.count('type="radio"') == 2 * len(question.classify_layers)
    data = right_answer(question)
    data["layer-physical"] = "customer"
    response = learner_client.post(question_url(attempt, position), data, headers=HTMX)
    assert "Partly right: 75% of the marks" in response.text
    assert Answer.objects.get().placements["physical"] == "customer"


def test_answering_an_answered_question_again_changes_nothing(attempt, learner_client):
    position, question = kind_at(attempt, "single")
    learner_client.post(question_url(attempt, position), wrong_answer(question))
    response = learner_client.post(
        question_url(attempt, position), right_answer(question), headers=HTMX
    )
    assert response.status_code == 200
    assert "your first answer stands" in response.text
    assert Answer.objects.get().score == 0


def test_after_the_last_answer_the_learner_can_finish(attempt, learner_client):
    for position in range(1, 4):
        answer_right(attempt, position)
    question = question_at(attempt, 4)
    html = learner_client.post(question_url(attempt, 4), right_answer(question), headers=HTMX).text
    assert f'action="/attempts/{attempt.pk}/submit"' in html
    assert "Next question" not in html


def test_the_attempt_page_resumes_at_the_first_unanswered_question(attempt, learner_client):
    answer_right(attempt, 1)
    answer_right(attempt, 3)
    response = learner_client.get(f"/attempts/{attempt.pk}/")
    assert response["Location"] == question_url(attempt, 2)
    attempt.submit()
    response = learner_client.get(f"/attempts/{attempt.pk}/")
    assert response["Location"] == f"/attempts/{attempt.pk}/review/"


# Bad input: a clear message or a 400/404, never a 500, and nothing stored


def bad_inputs(attempt):
    """What a person can send from the page: a form error, nothing stored."""
    single = position_of_kind(attempt, "single")
    multiple = position_of_kind(attempt, "multiple")
    classify = position_of_kind(attempt, "classify")
    return [
        (single, {}, "Choose an answer."),
        (multiple, {}, "Choose at least one answer."),
        (classify, {"layer-physical": "aws"}, "Choose who secures this layer."),
    ]


def forged_inputs(attempt):
    """What no control on the page offers: only a forged request sends it."""
    single = position_of_kind(attempt, "single")
    multiple = position_of_kind(attempt, "multiple")
    classify = position_of_kind(attempt, "classify")
    foreign = question_at(attempt, multiple).choices.first().pk
    return [
        (single, {"choice": "999999"}),
        (single, {"choice": str(foreign)}),
        (single, {"choice": "1 OR 1=1"}),
        (multiple, {"choice": ["abc"]}),
        (classify, {"layer-physical": "shared"}),
    ]


@pytest.mark.parametrize("case", range(3))
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_answers_are_shown_as_form_errors_and_store_nothing(
    attempt, learner_client, case, htmx
):
    position, data, message = bad_inputs(attempt)[case]
    response = learner_client.post(
        question_url(attempt, position), data, headers=HTMX if htmx else {}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not Answer.objects.exists()


@pytest.mark.parametrize("case", range(5))
@pytest.mark.parametrize("htmx", [False, True])
def test_forged_answers_are_400_and_store_nothing(attempt, learner_client, case, htmx):
    position, data = forged_inputs(attempt)[case]
    response = learner_client.post(
        question_url(attempt, position), data, headers=HTMX if htmx else {}
    )
    assert response.status_code == 400
    assert "We could not understand that request" in response.text
    assert not Answer.objects.exists()


def test_an_answer_to_a_submitted_attempt_is_refused_with_a_message(attempt, learner_client):
    attempt.submit()
    question = question_at(attempt, 1)
    response = learner_client.post(question_url(attempt, 1), right_answer(question), follow=True)
    assert response.redirect_chain[-1][0] == f"/attempts/{attempt.pk}/review/"
    assert "This attempt is finished" in response.text
    response = learner_client.post(question_url(attempt, 1), right_answer(question), headers=HTMX)
    assert response["HX-Redirect"] == f"/attempts/{attempt.pk}/review/"
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/attempts/abc/",
        "/attempts/1/questions/x/",
        "/attempts/{pk}/questions/0/",
        "/attempts/{pk}/questions/5/",
        "/attempts/99999/questions/1/",
    ],
)
def test_a_bad_address_is_404(attempt, learner_client, path):
    assert learner_client.get(path.format(pk=attempt.pk)).status_code == 404
    assert learner_client.post(path.format(pk=attempt.pk), {"choice": "1"}).status_code == 404
    assert learner_client.get("/attempts/99999/review/").status_code == 404
    assert learner_client.post("/attempts/99999/submit").status_code == 404
    assert not Answer.objects.exists()


@pytest.mark.parametrize("slug", ["the-stack", "test-exam"])
def test_another_learners_attempt_is_404_everywhere(
    exam, learner, other_learner, learner_client, slug
):
    theirs = start(other_learner, slug)
    question = question_at(theirs, 1)
    for method, path, data in [
        ("get", f"/attempts/{theirs.pk}/", None),
        ("get", question_url(theirs, 1), None),
        ("post", question_url(theirs, 1), right_answer(question)),
        ("post", f"/attempts/{theirs.pk}/submit", None),
        ("get", f"/attempts/{theirs.pk}/review/", None),
    ]:
        response = getattr(learner_client, method)(path, data)
        assert response.status_code == 404, path
    theirs.refresh_from_db()
    assert not theirs.is_submitted
    assert not Answer.objects.exists()


def test_attempt_pages_require_login(attempt, client):
    for path in [f"/attempts/{attempt.pk}/", question_url(attempt, 1), attempt.get_review_url()]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# Submitting and the review


def test_submit_rejects_get(attempt, learner_client):
    assert learner_client.get(f"/attempts/{attempt.pk}/submit").status_code == 405


def test_submitting_twice_changes_nothing_and_raises_no_error(attempt, learner_client):
    answer_right(attempt, 1)
    first = learner_client.post(f"/attempts/{attempt.pk}/submit")
    attempt.refresh_from_db()
    submitted = (attempt.score, attempt.submitted_at)
    second = learner_client.post(f"/attempts/{attempt.pk}/submit")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == f"/attempts/{attempt.pk}/review/"
    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at) == submitted == (25, submitted[1])


def test_the_review_waits_for_the_attempt_to_be_submitted(attempt, learner_client):
    response = learner_client.get(attempt.get_review_url())
    assert response["Location"] == f"/attempts/{attempt.pk}/"


def test_the_review_shows_score_rules_answers_keys_explanations_and_lesson_links(
    attempt, learner_client
):
    single = position_of_kind(attempt, "single")
    question = question_at(attempt, single)
    wrong = question.choices.filter(is_correct=False).first()
    attempt.record_answer(question, choice_ids=[wrong.pk])
    answer_right(attempt, position_of_kind(attempt, "classify"))
    attempt.submit()
    html = learner_client.get(attempt.get_review_url()).text
    assert "You scored 25%" in html
    assert "How this quiz is scored" in html
    assert "Only exactly the right set earns full marks" in html
    for position in range(1, 5):
        item = question_at(attempt, position)
        assert item.explanation in html
    assert html.count("result-mark--none") == 2  # one line a question, unanswered marked
    block = html[html.index(question.prompt) :]
    block = block[: block.index("</li>\n  \n  <li") if "</li>\n  \n  <li" in block else None]
    assert re.search(rf"{wrong.text}\s*<span class=\"tag\">Your answer</span>", block)
    assert "Right answer" in block
    assert html.count('href="/lessons/the-stack/six-layers/"') == 4


def test_the_dashboard_lists_every_attempt_with_date_and_score(attempt, learner, learner_client):
    answer_right(attempt, 1)
    attempt.submit()
    open_attempt = start(learner)
    html = learner_client.get("/").text
    assert "Your quiz results" in html
    assert f'href="/attempts/{attempt.pk}/review/"' in html
    assert f'href="/attempts/{open_attempt.pk}/"' in html
    assert attempt.started_at.strftime("%-d %b %Y") in html
    assert "25%" in html


# Query counts: the same bound for a bank of 5 questions and of 50


@pytest.mark.parametrize("count", [5, 50])
def test_quiz_pages_cost_a_fixed_number_of_queries(
    small_bank, learner, learner_client, django_assert_max_num_queries, count
):
    small_bank(count)
    attempt = start(learner)
    measured = [position_of_kind(attempt, kind) for kind in ("classify", "multiple", "single")]
    for position in range(1, attempt.question_total + 1):
        if position not in measured:
            answer_right(attempt, position)
    # Full pages: +1 for the header asking the person's roles (Workshops, Cohorts).
    for position in measured:
        with django_assert_max_num_queries(8):
            assert learner_client.get(question_url(attempt, position)).status_code == 200
        data = right_answer(question_at(attempt, position))
        with django_assert_max_num_queries(15):
            response = learner_client.post(question_url(attempt, position), data, headers=HTMX)
        assert "Correct" in response.text
        with django_assert_max_num_queries(11):
            assert learner_client.get(question_url(attempt, position)).status_code == 200
    attempt.submit()
    # +1 for the next lesson the result offers first.
    with django_assert_max_num_queries(11):
        assert learner_client.get(attempt.get_review_url()).status_code == 200
    with django_assert_max_num_queries(5):
        assert learner_client.get("/quizzes/").status_code == 200
    with django_assert_max_num_queries(6):
        assert learner_client.get("/quizzes/the-stack/").status_code == 200
    # The bank loaded over the course retired the course's own questions.
    assert Question.objects.filter(retired=False).count() == count
