"""The key never reaches the browser before the learner has answered.

Every page and fragment a learner can fetch before answering is checked against every
explanation and feedback text of the bank, for any trace of a correctness flag, and for
markup that would tell the right choice from a wrong one.
"""

import html
import re

import pytest

from quiz.models import Choice, Question, Quiz

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def secrets_of_the_bank() -> list[str]:
    """Text that only an answered question may show: explanations and feedback."""
    texts = list(Question.objects.values_list("explanation", flat=True))
    texts += [t for t in Choice.objects.values_list("feedback", flat=True) if t]
    # A distinctive stretch of each, as the page shows it (Markdown renders plain prose as is).
    return [re.sub(r"\s+", " ", text)[:60] for text in texts]


def visible_text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(page))


def assert_no_key(page: str, secrets: list[str]):
    text = visible_text(page)
    for secret in secrets:
        assert secret not in text, f"leaked: {secret!r}"
    markers = ["is_correct", "correct=", "Right answer", 'class="feedback', "choice-result"]
    for marker in [*markers, 'class="explanation', "classify-result"]:
        assert marker not in page, f"leaked marker {marker!r}"
    hidden = re.findall(r'<input[^>]*type="hidden"[^>]*>', page)
    assert all('name="csrfmiddlewaretoken"' in field for field in hidden), hidden
    assert "data-" not in re.sub(r"data-autofocus", "", card_of(page))


def card_of(page: str) -> str:
    start = page.find('<div id="question-card"')
    return page[start:] if start != -1 else ""


def assert_choices_look_alike(page: str, question: Question):
    """Right and wrong choices differ only in their id, value and text."""
    shapes = set()
    for choice in question.choices.all():
        match = re.search(rf'<div class="choice">[^\n]*value="{choice.pk}"[^\n]*</div>', page)
        assert match, f"choice {choice.pk} not on the page"
        shape = match.group(0).replace(html.escape(choice.text), "TEXT")
        shape = shape.replace(f'value="{choice.pk}"', 'value="ID"')
        shapes.add(re.sub(r"id_choice_\d+", "id_choice_N", shape))
    assert len(shapes) == 1, shapes


def test_no_page_or_fragment_shows_the_key_before_the_answer(course, learner, learner_client):
    secrets = secrets_of_the_bank()
    assert len(secrets) > 100
    for path in ["/", "/quizzes/"]:
        assert_no_key(learner_client.get(path).text, secrets)
    for quiz in Quiz.objects.available():
        assert_no_key(learner_client.get(quiz.get_absolute_url()).text, secrets)
        attempt_url = learner_client.post(f"/quizzes/{quiz.slug}/start")["Location"]
        attempt = learner.quiz_attempts.get(quiz=quiz)
        assert_no_key(learner_client.get(attempt_url, follow=True).text, secrets)
        for position in range(1, attempt.question_total + 1):
            path = attempt.question_url(position)
            full = learner_client.get(path).text
            fragment = learner_client.get(path, headers=HTMX).text
            question = attempt.question_at(position)[0]
            for page in (full, fragment):
                assert_no_key(page, secrets)
                if not question.is_classify:
                    assert_choices_look_alike(page, question)
            # A bad answer re-renders the form: still no key.
            bad = learner_client.post(path, {}, headers=HTMX).text
            assert "There is a problem" in bad
            assert_no_key(bad, secrets)
        # The review waits for the submit, and says nothing on the way.
        review = learner_client.get(attempt.get_review_url(), follow=True).text
        assert_no_key(review, secrets)


def test_the_check_catches_a_leak(course, learner, learner_client):
    """The guard itself must be able to fail: feedback once answered is a "leak"."""
    attempt, _ = learner.quiz_attempts.model.objects.start(
        learner, Quiz.objects.get(slug="patching")
    )
    question = attempt.question_at(1)[0]
    learner_client.post(
        f"/attempts/{attempt.pk}/questions/1/", {"choice": question.choices.first().pk}
    )
    page = learner_client.get(f"/attempts/{attempt.pk}/questions/1/").text
    with pytest.raises(AssertionError, match="leaked"):
        assert_no_key(page, secrets_of_the_bank())
