"""The learning loop: lesson -> its practice quiz -> the next lesson -> ... -> the exam,
each step one link away, and the compact result that says what to do next."""

import pytest

from lessons.models import Lesson, LessonProgress, Step
from quiz.models import PRACTICE_PASS_MARK, Question, Quiz

from .conftest import answer_right, start

pytestmark = pytest.mark.django_db


def read_and_complete(client, slug):
    for step in Step.objects.filter(lesson__slug=slug):
        client.get(step.get_absolute_url())
    return client.post(f"/lessons/{slug}/complete")


def finish_quiz(learner, slug, right: int):
    """Submit the learner's attempt at `slug` with the first `right` questions right."""
    attempt = start(learner, slug)
    for position in range(1, right + 1):
        answer_right(attempt, position)
    attempt.submit()
    return attempt


def test_the_lesson_page_links_its_practice_quiz_with_size_and_time(course, client):
    quiz = Quiz.objects.get(slug="patching")
    count = Question.objects.for_practice().filter(lesson__slug="patching").count()
    html = client.get("/lessons/patching/").text
    assert 'href="/quizzes/patching/"' in html
    assert "Check yourself" in html
    assert f"{count} questions, about" in html
    assert quiz.title in html


def test_the_last_step_offers_the_quiz_and_other_steps_do_not(course, client):
    first, *_, last = Step.objects.filter(lesson__slug="patching")
    assert 'href="/quizzes/patching/"' in client.get(last.get_absolute_url()).text
    assert 'href="/quizzes/patching/"' not in client.get(first.get_absolute_url()).text


def test_lesson_pages_do_not_import_quiz():
    import ast
    from pathlib import Path

    from django.apps import apps

    for path in Path(apps.get_app_config("lessons").path).rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] == "quiz" for name in names), path


def test_next_up_follows_lesson_then_quiz_then_next_lesson_then_exam(
    course, learner, learner_client
):
    def next_up():
        html = learner_client.get("/").text
        start = html.index("summary__item--next")
        return html[start : start + 400]

    assert 'href="/lessons/two-owners-one-house/' in next_up()
    assert read_and_complete(learner_client, "two-owners-one-house").url == (
        "/quizzes/two-owners-one-house/"
    )
    assert 'href="/quizzes/two-owners-one-house/"' in next_up()
    assert "Check yourself" in next_up()
    finish_quiz(learner, "two-owners-one-house", right=1)
    assert 'href="/lessons/the-stack/' in next_up()
    # A lesson whose quiz is done sends the learner on to the next lesson.
    for lesson in Lesson.objects.exclude(slug="two-owners-one-house"):
        read_and_complete(learner_client, lesson.slug)
        finish_quiz(learner, lesson.slug, right=0)
    assert 'href="/quizzes/shared-responsibility-certificate/"' in next_up()
    assert "Take the exam" in next_up()


def test_a_started_lesson_comes_before_an_unchecked_quiz(course, learner, learner_client):
    read_and_complete(learner_client, "two-owners-one-house")
    step = Step.objects.filter(lesson__slug="patching").first()
    learner_client.get(step.get_absolute_url())
    html = learner_client.get("/").text
    assert "Continue where you left off" in html
    assert f'href="{step.get_absolute_url()}"' in html


def test_a_good_result_offers_the_next_lesson_first_and_no_retry(course, learner, learner_client):
    quiz = Quiz.objects.get(slug="patching")
    attempt = finish_quiz(learner, "patching", right=len(start(learner, "patching").layout))
    assert attempt.score >= PRACTICE_PASS_MARK
    html = learner_client.get(attempt.get_review_url()).text
    following = Lesson.objects.filter(order__gt=quiz.lesson.order).first()
    top = html[: html.index("Question by question")]
    assert f'href="{following.get_absolute_url()}"' in top
    assert "Try this quiz again" not in html


def test_a_result_under_the_pass_mark_offers_a_retry_after_the_next_lesson(
    course, learner, learner_client
):
    attempt = finish_quiz(learner, "patching", right=1)
    assert attempt.score < PRACTICE_PASS_MARK
    html = learner_client.get(attempt.get_review_url()).text
    assert "Try this quiz again" in html
    assert html.index("Next lesson:") < html.index("Try this quiz again")


def test_the_last_lessons_result_leads_to_the_exam(course, learner, learner_client):
    last = Lesson.objects.order_by("order").last()
    attempt = finish_quiz(learner, last.slug, right=0)
    html = learner_client.get(attempt.get_review_url()).text
    assert 'href="/quizzes/shared-responsibility-certificate/"' in html


def test_the_result_is_one_line_a_question_with_details_on_demand(
    course, learner, learner_client, django_assert_max_num_queries
):
    attempt = finish_quiz(learner, "the-stack", right=2)
    with django_assert_max_num_queries(12):
        html = learner_client.get(attempt.get_review_url()).text
    assert html.count('<li class="result-line"') == attempt.question_total
    assert html.count("<details>") == attempt.question_total
    assert html.count("result-mark--right") == 2
    assert "2 of" in html


def test_completion_count_in_the_report_counts_only_lessons_read(course, learner, learner_client):
    learner_client.post("/lessons/patching/complete")
    read_and_complete(learner_client, "the-stack")
    counts = LessonProgress.objects.counts_for([learner.pk])[learner.pk]
    assert counts.completed == 1
