"""The figures cohorts read from lessons and quiz: one query each, for any number of users."""

import pytest

from lessons.models import LessonProgress
from quiz.models import Attempt, Certificate, Quiz
from tests.cohorts.conftest import certify, complete_lessons, open_lesson, submit_practice
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_lesson_counts_per_user_in_one_query(
    course, learner, other_learner, django_assert_num_queries
):
    complete_lessons(learner, 3)
    open_lesson(other_learner)
    nobody = make_user("new@example.com", "New Person")
    with django_assert_num_queries(1):
        counts = LessonProgress.objects.counts_for([learner.pk, other_learner.pk, nobody.pk])
    assert counts == {learner.pk: (3, 3), other_learner.pk: (1, 0)}


def test_practice_summaries_per_user_in_one_query(
    course, learner, other_learner, django_assert_num_queries
):
    first, second, retired = Quiz.objects.practice()[:3]
    submit_practice(learner, first, 40)
    submit_practice(learner, first, 90)
    submit_practice(learner, second, 60)
    Attempt.objects.create(user=learner, quiz=retired, layout=[])  # still open
    Attempt.objects.create(user=other_learner, quiz=first, layout=[])
    submit_practice(other_learner, retired, 100)
    retired.retired = True
    retired.save()
    with django_assert_num_queries(1):
        summaries = Attempt.objects.practice_summaries([learner.pk, other_learner.pk])
    assert summaries == {
        learner.pk: (3, 2, 90),  # the attempt at the retired quiz does not count
        other_learner.pk: (1, 0, None),
    }


def test_practice_quizzes_are_the_available_ones(course):
    total = Quiz.objects.practice().count()
    assert total > 1
    Quiz.objects.filter(pk=Quiz.objects.practice().first().pk).update(retired=True)
    assert Quiz.objects.practice().count() == total - 1


def test_each_users_newest_certificate_in_one_query(
    course, learner, other_learner, django_assert_num_queries
):
    certify(learner, issued_days_ago=400)
    newest = certify(learner)
    with django_assert_num_queries(1):
        certificates = Certificate.objects.latest_by_user([learner.pk, other_learner.pk])
    assert certificates == {learner.pk: newest}
