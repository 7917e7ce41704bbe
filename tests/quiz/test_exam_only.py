"""Exam-only questions (quiz/content/exam-questions): the exam draws only from them, and
no practice quiz, result page or workshop ever shows one, so passing the exam proves more
than memory of the practice quizzes."""

import html
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError

from quiz.loading import COURSE_REVIEW_SLUG
from quiz.models import Question, Quiz
from workshops.forms import QuestionItemForm

from .conftest import answer_right, exam_yaml, load, question_yaml, start, write_bank

pytestmark = pytest.mark.django_db
EXAM = "shared-responsibility-certificate"


def prompts_of_exam_only_questions() -> list[str]:
    """A distinctive stretch of each exam-only prompt, as a page would show it."""
    return [
        re.sub(r"\s+", " ", prompt)[:50]
        for prompt in Question.objects.filter(exam_only=True).values_list("prompt", flat=True)
    ]


def assert_no_exam_only_question(page: str, prompts: list[str]):
    text = re.sub(r"\s+", " ", html.unescape(page))
    for prompt in prompts:
        assert prompt not in text, f"exam-only question shown: {prompt!r}"


def test_exam_only_questions_load_apart_from_practice_and_fill_the_exam_pool(course):
    exam_only = set(Question.objects.filter(exam_only=True))
    assert len(exam_only) >= 20
    for quiz in Quiz.objects.filter(mode=Quiz.Mode.PRACTICE):
        assert not exam_only & set(quiz.questions.all()), quiz.slug
    assert set(Quiz.objects.get(slug=EXAM).questions.all()) == exam_only


def test_slugs_are_unique_across_both_folders(no_course, tmp_path):
    write_bank(tmp_path / "questions", 2)
    path = tmp_path / "exam-questions" / "the-stack.yaml"
    path.parent.mkdir()
    path.write_text("questions:" + question_yaml(1, "single"))
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(tmp_path / "questions"))
    assert f"{path}:2: question slug 'generated-1' is already used at" in str(error.value)
    assert not Question.objects.exists()


def test_exam_only_files_are_checked_with_file_and_line_like_practice_ones(tmp_path):
    write_bank(tmp_path / "questions", 2)
    path = tmp_path / "exam-questions" / "the-stack.yaml"
    path.parent.mkdir()
    path.write_text(
        "questions:" + question_yaml(1, "single", prefix="exam").replace("the-stack", "nowhere")
    )
    with pytest.raises(CommandError, match=rf"{path}:4: unknown lesson 'nowhere'"):
        load("--questions-dir", str(tmp_path / "questions"))


def test_an_exam_without_enough_exam_only_questions_does_not_load(tmp_path):
    write_bank(tmp_path / "questions", 8)  # practice questions never fill a pool
    write_bank(tmp_path / "exam-questions", 3, prefix="exam")
    (tmp_path / "exams").mkdir()
    (tmp_path / "exams" / "test-exam.yaml").write_text(exam_yaml(question_count=4))
    with pytest.raises(CommandError, match="draws 4 questions but its pool holds 3 exam-only"):
        load("--questions-dir", str(tmp_path / "questions"))


def test_no_practice_attempt_or_result_page_shows_an_exam_only_question(
    course, learner, learner_client
):
    prompts = prompts_of_exam_only_questions()
    exam_only_ids = set(Question.objects.filter(exam_only=True).values_list("pk", flat=True))
    for quiz in Quiz.objects.practice():
        attempt = start(learner, quiz.slug)
        assert not exam_only_ids & {entry["question"] for entry in attempt.layout}
        for position in range(1, attempt.question_total + 1):
            page = learner_client.get(attempt.question_url(position)).text
            assert_no_exam_only_question(page, prompts)
        attempt.submit()
        assert_no_exam_only_question(learner_client.get(attempt.get_review_url()).text, prompts)
    for page in ["/", "/quizzes/", f"/quizzes/{COURSE_REVIEW_SLUG}/"]:
        assert_no_exam_only_question(learner_client.get(page).text, prompts)


def test_the_exam_asks_only_exam_only_questions_and_its_result_shows_none(
    course, learner, learner_client
):
    prompts = prompts_of_exam_only_questions()
    attempt = start(learner, EXAM)
    asked = Question.objects.filter(pk__in=[entry["question"] for entry in attempt.layout])
    assert len(attempt.layout) == 20
    assert all(question.exam_only for question in asked)
    for position in range(1, 21):
        answer_right(attempt, position)
    attempt.submit()
    result = learner_client.get(attempt.get_review_url()).text
    assert "You passed" in result or "100%" in result
    assert_no_exam_only_question(result, prompts)


def test_a_practice_quiz_never_draws_an_exam_only_question_put_in_it_by_hand(course, learner):
    quiz = Quiz.objects.get(slug="the-stack")
    quiz.questions.add(*Question.objects.filter(exam_only=True))
    drawn = {entry["question"] for entry in start(learner, "the-stack").layout}
    assert not Question.objects.filter(pk__in=drawn, exam_only=True).exists()
    counted = Quiz.objects.with_question_counts().get(pk=quiz.pk).question_total
    assert counted == Question.objects.for_practice().filter(lesson__slug="the-stack").count()


def test_workshops_never_offer_an_exam_only_question(course):
    offered = QuestionItemForm().fields["question"].queryset
    assert offered.exists()
    assert not offered.filter(exam_only=True).exists()


def test_a_workshop_plan_may_not_name_an_exam_only_question(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    source = Path(apps.get_app_config("workshops").path) / "content" / "plans"
    original = sorted(source.glob("*.yaml"))[0]
    text = original.read_text()
    slug = re.search(r"question: (\S+)", text).group(1)
    path = plans / original.name
    path.write_text(text.replace(f"question: {slug}", "question: exam-stack-bottom-up", 1))
    rows = path.read_text().splitlines()
    line = next(n for n, row in enumerate(rows, 1) if "exam-stack-bottom-up" in row)
    with pytest.raises(CommandError) as error:
        load("--plans-dir", str(plans))
    assert f"{path}:{line}: no question 'exam-stack-bottom-up'" in str(error.value)
