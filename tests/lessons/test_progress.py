import pytest

from lessons.models import Lesson, LessonProgress, SortResult, Step
from tests.conftest import PASSWORD
from tests.lessons.test_views import ALL_RIGHT_EC2

pytestmark = pytest.mark.django_db


def steps_of(slug):
    return list(Step.objects.filter(lesson__slug=slug))


def test_viewing_steps_records_what_was_seen_and_where(course, learner_client, learner):
    first, second, *_ = steps_of("patching")
    learner_client.get(first.get_absolute_url())
    learner_client.get(second.get_absolute_url())
    learner_client.get(second.get_absolute_url())
    progress = LessonProgress.objects.get(user=learner, lesson__slug="patching")
    assert progress.seen_step_ids == [first.pk, second.pk]
    assert progress.last_step == second
    assert progress.completed_at is None


def test_a_returning_learner_resumes_where_they_were(course, client, learner):
    client.force_login(learner)
    third = steps_of("patching")[2]
    client.get(third.get_absolute_url())
    client.post("/accounts/logout/")
    client.force_login(learner)
    dashboard = client.get("/").text
    assert f'href="{third.get_absolute_url()}"' in dashboard
    assert "Continue where you left off" in dashboard
    lesson_page = client.get("/lessons/patching/").text
    assert f'href="{third.get_absolute_url()}"' in lesson_page


def test_mark_complete_completes_the_lesson_and_moves_on(course, learner_client, learner):
    response = learner_client.post("/lessons/patching/complete")
    assert response.status_code == 302
    assert response.url == "/lessons/your-applications-and-data/"
    assert LessonProgress.objects.get(user=learner, lesson__slug="patching").completed_at
    dashboard = learner_client.get("/")
    assert "1 of 7 lessons complete" in dashboard.text


def test_completing_twice_keeps_the_first_date(course, learner_client, learner):
    learner_client.post("/lessons/patching/complete")
    first = LessonProgress.objects.get(user=learner).completed_at
    learner_client.post("/lessons/patching/complete")
    assert LessonProgress.objects.get(user=learner).completed_at == first


def test_complete_rejects_get_and_unknown_lessons(course, learner_client):
    assert learner_client.get("/lessons/patching/complete").status_code == 405
    assert learner_client.post("/lessons/no-such-lesson/complete").status_code == 404


def test_anonymous_progress_lives_in_the_session(course, client):
    first = steps_of("the-stack")[0]
    client.get(first.get_absolute_url())
    client.post("/lessons/patching/complete")
    assert LessonProgress.objects.count() == 0
    page = client.get("/lessons/").text
    assert "In progress: 1 of" in page
    assert "1 of 7 lessons complete" in page


def test_anonymous_progress_moves_to_the_account_on_log_in(course, client, learner):
    first, second, *_ = steps_of("the-stack")
    client.force_login(learner)
    client.get(first.get_absolute_url())
    client.post("/accounts/logout/")

    client.get(second.get_absolute_url())
    client.post("/lessons/patching/complete")
    client.post("/explorer/ec2/sort/", {"physical": "aws"})  # incomplete: not stored
    client.post("/accounts/login/", {"username": learner.email, "password": PASSWORD})

    stack = LessonProgress.objects.get(user=learner, lesson__slug="the-stack")
    assert sorted(stack.seen_step_ids) == sorted([first.pk, second.pk])
    assert stack.last_step == second
    assert LessonProgress.objects.get(user=learner, lesson__slug="patching").completed_at
    assert "lesson_progress" not in client.session


def test_anonymous_progress_moves_to_a_new_account_on_sign_up(course, client):
    step = steps_of("proof-and-trust")[1]
    client.get(step.get_absolute_url())
    client.post("/explorer/ec2/sort/", ALL_RIGHT_EC2)
    client.post(
        "/accounts/signup/",
        {
            "name": "Nia New",
            "email": "nia@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    progress = LessonProgress.objects.get(user__email="nia@example.com")
    assert progress.seen_step_ids == [step.pk]
    result = SortResult.objects.get(user__email="nia@example.com")
    assert (result.correct, result.total) == (9, 9)


def test_merge_ignores_steps_removed_since_the_visit(course, client, learner):
    step = steps_of("patching")[0]
    client.get(step.get_absolute_url())
    session = client.session
    session["lesson_progress"][str(step.lesson_id)]["seen"].append(999999)
    session["lesson_progress"]["888888"] = {"seen": [1], "last": 1, "completed": True}
    session.save()
    client.post("/accounts/login/", {"username": learner.email, "password": PASSWORD})
    assert LessonProgress.objects.get(user=learner).seen_step_ids == [step.pk]
    assert not LessonProgress.objects.filter(lesson_id=888888).exists()
    assert Lesson.objects.count() == 7
