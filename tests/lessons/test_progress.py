import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from lessons import progress
from lessons.models import Lesson, LessonProgress, SortResult, Step
from tests.conftest import PASSWORD
from tests.lessons.test_views import ALL_RIGHT_EC2
from tests.sharedresp.test_accounts import emailed_link

pytestmark = pytest.mark.django_db


def steps_of(slug):
    return list(Step.objects.filter(lesson__slug=slug))


def read_every_step(client, slug):
    for step in steps_of(slug):
        client.get(step.get_absolute_url())


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
    assert "Continue where you left off: Patching" in dashboard
    lesson_page = client.get("/lessons/patching/").text
    assert f'href="{third.get_absolute_url()}"' in lesson_page


def test_mark_complete_completes_the_lesson_and_moves_on_to_its_quiz(
    course, learner_client, learner
):
    read_every_step(learner_client, "patching")
    response = learner_client.post("/lessons/patching/complete")
    assert response.status_code == 302
    assert response.url == "/quizzes/patching/"
    assert LessonProgress.objects.get(user=learner, lesson__slug="patching").completed_at
    dashboard = learner_client.get("/")
    assert f"1 of {Lesson.objects.count()} lessons complete" in dashboard.text


def test_a_lesson_with_unseen_steps_cannot_be_completed(course, learner_client, learner):
    first, second, *rest = steps_of("patching")
    learner_client.get(first.get_absolute_url())
    for step in rest:
        learner_client.get(step.get_absolute_url())
    response = learner_client.post("/lessons/patching/complete")
    assert response.url == second.get_absolute_url()
    assert "still unread" in learner_client.get("/lessons/").text
    assert LessonProgress.objects.get(user=learner, lesson__slug="patching").completed_at is None
    # Seven POSTs with nothing read complete nothing.
    for lesson in Lesson.objects.all():
        learner_client.post(f"/lessons/{lesson.slug}/complete")
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()
    assert f"0 of {Lesson.objects.count()} lessons complete" in learner_client.get("/").text


def test_completing_twice_keeps_the_first_date(course, learner_client, learner):
    read_every_step(learner_client, "patching")
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
    client.post("/lessons/the-stack/complete")  # refused: steps unseen
    read_every_step(client, "patching")
    client.post("/lessons/patching/complete")
    assert LessonProgress.objects.count() == 0
    page = client.get("/lessons/").text
    assert "In progress: 1 of" in page
    assert f"1 of {Lesson.objects.count()} lessons complete" in page
    assert client.session["lesson_progress"][str(first.lesson_id)]["completed"] is False


def test_anonymous_progress_moves_to_the_account_on_log_in(course, client, learner):
    first, second, *_ = steps_of("the-stack")
    client.force_login(learner)
    client.get(first.get_absolute_url())
    client.post("/accounts/logout/")

    client.get(second.get_absolute_url())
    read_every_step(client, "patching")
    client.post("/lessons/patching/complete")
    client.post("/explorer/ec2/sort/", {"physical": "aws"})  # incomplete: not stored
    client.post("/accounts/login/", {"username": learner.email, "password": PASSWORD})

    stack = LessonProgress.objects.get(user=learner, lesson__slug="the-stack")
    assert sorted(stack.seen_step_ids) == sorted([first.pk, second.pk])
    assert stack.last_step == second
    assert LessonProgress.objects.get(user=learner, lesson__slug="patching").completed_at
    assert "lesson_progress" not in client.session


def test_anonymous_progress_moves_to_a_new_account_on_sign_up(course, client, mailoutbox):
    step = steps_of("proof-and-trust")[1]
    client.get(step.get_absolute_url())
    client.post("/explorer/ec2/sort/", ALL_RIGHT_EC2)
    client.post("/accounts/signup/", {"name": "Nia New", "email": "nia@example.com"})
    # The account exists once the emailed link is opened, in the same browser.
    client.post(
        emailed_link(mailoutbox[0]), {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    progress = LessonProgress.objects.get(user__email="nia@example.com")
    assert progress.seen_step_ids == [step.pk]
    result = SortResult.objects.get(user__email="nia@example.com")
    assert (result.correct, result.total) == (9, 9)


def test_merge_ignores_steps_removed_since_the_visit(course, client, learner):
    lessons = Lesson.objects.count()
    step = steps_of("patching")[0]
    client.get(step.get_absolute_url())
    session = client.session
    session["lesson_progress"][str(step.lesson_id)]["seen"].append(999999)
    session["lesson_progress"]["888888"] = {"seen": [1], "last": 1, "completed": True}
    session.save()
    client.post("/accounts/login/", {"username": learner.email, "password": PASSWORD})
    assert LessonProgress.objects.get(user=learner).seen_step_ids == [step.pk]
    assert not LessonProgress.objects.filter(lesson_id=888888).exists()
    assert Lesson.objects.count() == lessons


def test_completions_recorded_without_every_step_are_undone_by_the_migration(
    course, learner, other_learner
):
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone

    migration = import_module("lessons.migrations.0003_completion_needs_every_step")
    lesson = Lesson.objects.get(slug="patching")
    steps = [step.pk for step in steps_of("patching")]
    unread = LessonProgress.objects.create(
        user=learner, lesson=lesson, seen_step_ids=steps[:1], completed_at=timezone.now()
    )
    read = LessonProgress.objects.create(
        user=other_learner, lesson=lesson, seen_step_ids=steps, completed_at=timezone.now()
    )
    migration.uncomplete_lessons_with_unseen_steps(apps, None)
    unread.refresh_from_db()
    read.refresh_from_db()
    assert unread.completed_at is None
    assert read.completed_at is not None


def test_the_store_is_chosen_once_per_request(learner):
    request = RequestFactory().get("/")
    request.user, request.session = AnonymousUser(), SessionStore()
    store = progress.for_request(request)
    assert isinstance(store, progress.SessionProgress)
    request.user = learner  # logging in mid-request does not switch the store
    assert progress.for_request(request) is store
    signed_in = RequestFactory().get("/")
    signed_in.user = learner
    assert isinstance(progress.for_request(signed_in), progress.AccountProgress)
