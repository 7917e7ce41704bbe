import random

import pytest
from django.db import IntegrityError, transaction

from lessons.models import Lesson
from quiz.models import Answer, Attempt, AttemptClosedError, Question, Quiz

from .conftest import (
    answer_right,
    kind_at,
    right_answer,
    start,
    wrong_answer,
)

pytestmark = pytest.mark.django_db


def test_an_attempt_fixes_its_question_and_choice_order_when_it_starts(small_bank, learner):
    quiz = small_bank(8)
    attempt = start(learner)
    assert sorted(entry["question"] for entry in attempt.layout) == sorted(
        quiz.questions.values_list("pk", flat=True)
    )
    seen = [
        [choice.pk for choice in attempt.question_at(p)[1]]
        for p in range(1, attempt.question_total + 1)
    ]
    assert seen == [entry["choices"] for entry in attempt.layout]
    # Reloaded from the database (a new request, another device): the same order.
    again = Attempt.objects.get(pk=attempt.pk)
    assert [[c.pk for c in again.question_at(p)[1]] for p in range(1, 9)] == seen


def test_an_edit_to_the_questions_shows_in_the_next_draw(
    small_bank, django_assert_max_num_queries
):
    quiz = small_bank(8)

    def drawn():
        return {entry["question"] for entry in quiz.draw_layout(random.Random(1))}

    pool = drawn()
    # Held for the content version: drawing again reads at most the version.
    with django_assert_max_num_queries(1):
        assert drawn() == pool
    retired, removed, *_rest = sorted(pool)
    question = Question.objects.get(pk=retired)
    question.retired = True
    question.save()
    quiz.questions.remove(removed)
    assert drawn() == pool - {retired, removed}


def test_draws_shuffle_questions_and_choices_but_keep_true_before_false(small_bank):
    quiz = small_bank(12)
    layouts = [quiz.draw_layout(random.Random(seed)) for seed in range(6)]
    assert len({tuple(entry["question"] for entry in layout) for layout in layouts}) > 1
    choice_orders = {
        tuple(entry["choices"])
        for layout in layouts
        for entry in layout
        if len(entry["choices"]) == 4
    }
    assert len(choice_orders) > 2
    for layout in layouts:
        for entry in layout:
            if len(entry["choices"]) == 2:
                texts = [
                    quiz.questions.get(pk=entry["question"]).choices.get(pk=pk).text
                    for pk in entry["choices"]
                ]
                assert texts == ["True", "False"]


def test_the_course_review_draws_twelve_questions_from_every_lesson(course, learner):
    attempt = start(learner, "course-review")
    assert attempt.question_total == 12
    lessons = Lesson.objects.filter(
        questions__pk__in=[entry["question"] for entry in attempt.layout]
    ).distinct()
    assert lessons.count() == Lesson.objects.count()


def test_start_resumes_the_open_attempt_and_starts_afresh_after_submit(small_bank, learner):
    small_bank(4)
    first = start(learner)
    assert start(learner) == first
    first.submit()
    second = start(learner)
    assert second != first
    assert Attempt.objects.filter(user=learner).count() == 2


def test_an_answer_is_scored_and_stored_when_given(small_bank, learner):
    small_bank(8)
    attempt = start(learner)
    _position, question = kind_at(attempt, "multiple")
    right = [c.pk for c in question.choices.all() if c.is_correct]
    answer, created = attempt.record_answer(question, choice_ids=right[:1])
    assert created
    assert answer.score == 0.5
    assert set(answer.choices.values_list("pk", flat=True)) == {right[0]}


def test_a_second_answer_to_the_same_question_changes_nothing(attempt):
    _position, question = kind_at(attempt, "single")
    first, _ = attempt.record_answer(question, choice_ids=wrong_answer(question)["choice"])
    second, created = attempt.record_answer(question, choice_ids=right_answer(question)["choice"])
    assert not created
    assert second == first
    assert Answer.objects.get().score == 0


def test_submit_fixes_the_score_once_and_a_second_submit_changes_nothing(attempt):
    answer_right(attempt, 1)
    answer_right(attempt, 2)
    assert attempt.submit() is True
    assert attempt.score == 50
    submitted_at = Attempt.objects.get().submitted_at
    assert Attempt.objects.get(pk=attempt.pk).submit() is False
    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at) == (50, submitted_at)


def test_a_submitted_attempt_takes_no_more_answers(attempt):
    attempt.submit()
    stale = Attempt.objects.get(pk=attempt.pk)
    stale.status = Attempt.Status.IN_PROGRESS  # as a request that loaded it before submit
    with pytest.raises(AttemptClosedError):
        answer_right(stale, 1)
    assert not Answer.objects.exists()


def test_the_database_refuses_a_second_answer_or_a_second_open_attempt(attempt, learner):
    answer, _ = answer_right(attempt, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(attempt=attempt, question=answer.question, score=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(user=learner, quiz=attempt.quiz, layout=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)


def test_records_and_best_scores_for_the_dashboard_cost_one_query_each(
    small_bank, learner, other_learner, django_assert_num_queries
):
    small_bank(4)
    for score_positions in [(1,), (1, 2, 3)]:
        attempt = start(learner)
        for position in score_positions:
            answer_right(attempt, position)
        attempt.submit()
    start(learner)  # open: counts as an attempt, has no score
    other = start(other_learner)
    for position in range(1, 5):
        answer_right(other, position)
    other.submit()

    with django_assert_num_queries(1):
        quizzes = {q.slug: q for q in Quiz.objects.available().with_best_scores_for(learner)}
    assert (quizzes["the-stack"].best_score, quizzes["the-stack"].attempt_count) == (75, 3)
    assert (quizzes["course-review"].best_score, quizzes["course-review"].attempt_count) == (
        None,
        0,
    )
    with django_assert_num_queries(1):
        records = [(a.quiz.slug, a.score) for a in Attempt.objects.records_for(learner)]
    assert records == [("the-stack", None), ("the-stack", 75), ("the-stack", 25)]
