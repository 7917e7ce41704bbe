"""Page cost: content pages cached per content version, no session rows for visitors,
validators for repeat visits, and the queries a page costs whatever the learner count."""

import gzip
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lessons.models import ContentVersion, LessonProgress, Responsibility, Step
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

STEP = "/lessons/the-stack/six-layers/"
LAST_STEP = "/lessons/patching/keeping-up/"
EXPLORER = "/explorer/ec2/operating-system/"
PANEL = EXPLORER + "?fragment=panel"
FRAGMENT = {"HTTP_HX_REQUEST": "true"}
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def test_an_anonymous_visit_writes_no_session_row_and_progress_is_kept(course, client):
    assert client.get(STEP).status_code == 200
    assert client.get(EXPLORER).status_code == 200
    assert Session.objects.count() == 0
    # The progress is in the signed cookie, and the course page reads it back.
    assert ":" in client.cookies["sessionid"].value
    assert "In progress: 1 of" in client.get("/lessons/").text
    assert Session.objects.count() == 0


def test_a_tampered_anonymous_cookie_is_an_empty_session(course, client):
    client.get(STEP)
    client.cookies["sessionid"] = client.cookies["sessionid"].value[:-2] + "xx"
    assert "In progress" not in client.get("/lessons/").text


def test_logging_in_moves_the_session_to_the_database(course, client, learner):
    client.get(STEP)
    client.force_login(learner)
    assert Session.objects.count() == 1
    assert LessonProgress.objects.get(user=learner, lesson__slug="the-stack").seen_step_ids
    client.post("/accounts/logout/")
    assert Session.objects.count() == 0


@pytest.mark.parametrize("path", [STEP, EXPLORER])
def test_a_cached_page_costs_one_query_whatever_the_number_of_learners(
    course, client, path, django_assert_max_num_queries
):
    client.get(path)
    ContentVersion._read = None  # the version is read again, as it is every second
    with django_assert_max_num_queries(1):
        first = client.get(path)
    step = Step.objects.first()  # ids are not 1 on PostgreSQL, whose sequences go on
    for n in range(30):
        learner = make_user(f"learner{n}@example.com", f"Learner {n}")
        Client().force_login(learner)
        LessonProgress.objects.create(
            user=learner, lesson_id=step.lesson_id, seen_step_ids=[step.pk]
        )
    ContentVersion._read = None
    with django_assert_max_num_queries(1):
        again = client.get(path)
    assert again.status_code == first.status_code == 200


def test_a_logged_in_reload_of_a_seen_step_reads_and_writes_nothing_more(
    course, learner_client, django_assert_max_num_queries
):
    learner_client.get(STEP)
    ContentVersion._read = None
    with CaptureQueriesContext(connection) as queries:
        assert learner_client.get(STEP).status_code == 200
    # The session, the user, the content version and the learner's progress.
    assert len(queries) <= 4
    assert not [q for q in queries if q["sql"].startswith(("INSERT", "UPDATE"))]


def test_each_visitor_gets_a_working_csrf_token_on_a_cached_page(course):
    pages = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(LAST_STEP)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        header = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)
        assert token == header
        pages.append(token)
        done = visitor.post("/lessons/patching/complete", {"csrfmiddlewaretoken": token})
        assert done.status_code == 302
    assert pages[0] != pages[1]
    assert "csrf-token-placeholder" not in page.text


def test_logged_in_and_anonymous_visitors_each_see_their_own_menu(course, client, learner):
    assert "Log in" in client.get(EXPLORER).text
    other = Client()
    other.force_login(learner)
    page = other.get(EXPLORER).text
    assert "Log out" in page
    assert "Log in" not in page
    assert "Log in" in client.get(EXPLORER).text


def test_a_fragment_is_one_copy_for_everyone(course, client, learner):
    anonymous = client.get(PANEL, **FRAGMENT)
    other = Client()
    other.force_login(learner)
    logged_in = other.get(PANEL, **FRAGMENT)
    assert anonymous.content == logged_in.content
    assert anonymous.content.lstrip().startswith(b'<section id="layer-panel"')


def test_an_edit_shows_at_once_because_it_bumps_the_content_version(course, client):
    before = ContentVersion.current()
    assert "Patched by the owls" not in client.get(EXPLORER).text
    row = Responsibility.objects.get(service__slug="ec2", layer__slug="operating-system")
    row.why = "Patched by the owls."
    row.save()
    assert ContentVersion.current() > before
    assert "Patched by the owls" in client.get(EXPLORER).text
    assert "Patched by the owls" in client.get(PANEL, **FRAGMENT).text


def test_load_content_bumps_the_content_version(course):
    from django.core.management import call_command

    before = ContentVersion.current()
    call_command("load_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ContentVersion.current() == before + 1


def test_markdown_is_stored_as_html_when_content_is_saved(course):
    row = Responsibility.objects.get(service__slug="ec2", layer__slug="operating-system")
    assert row.why_rendered.startswith("<p>")
    assert str(row.why_html) == row.why_rendered


def test_a_repeat_visit_is_a_304_without_a_body(course, client):
    first = client.get(EXPLORER, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert len(first.content) < 5_000
    assert gzip.decompress(first.content).count(b"<h1") == 1
    assert first["Cache-Control"] == "private, no-cache"
    etag = first["ETag"]
    repeat = client.get(EXPLORER, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert repeat.status_code == 304
    assert repeat.content == b""
    row = Responsibility.objects.get(service__slug="ec2", layer__slug="operating-system")
    row.why = "Changed since."
    row.save()
    changed = client.get(EXPLORER, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200


def test_with_a_shared_cache_a_logged_in_page_reads_the_session_from_it(
    course, client, learner, settings
):
    # A real cache in front of the rows, as Redis is in a deployment.
    settings.CACHES = {**settings.CACHES, "shared": {"BACKEND": LOCMEM}}
    client.force_login(learner)
    client.get(STEP)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STEP).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"]]
    # Logging out ends the session in the cache as well as in the database.
    old_cookie = client.cookies["sessionid"].value
    assert "Log out" in client.get("/lessons/").text
    client.post("/accounts/logout/")
    client.cookies["sessionid"] = old_cookie
    assert "Log out" not in client.get("/lessons/").text


@pytest.fixture
def shared_cache(settings):
    """A real cache in front of the rows, as Redis is in a deployment."""
    settings.CACHES = {**settings.CACHES, "shared": {"BACKEND": LOCMEM}}


def test_with_a_shared_cache_a_logged_in_reload_reads_only_the_content_version(
    course, client, learner, shared_cache
):
    client.force_login(learner)
    client.get(STEP)  # records the step, which forgets the cached state
    client.get(STEP)  # reads it again and keeps it
    ContentVersion._read = None
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STEP).status_code == 200
    assert len(queries) == 1
    assert "lessons_contentversion" in queries[0]["sql"]


def test_a_cached_account_changed_or_deactivated_is_read_again(
    course, client, learner, shared_cache
):
    client.force_login(learner)
    client.get(STEP)
    learner.name = "Renamed Learner"
    learner.save()
    assert client.get("/").context["user"].name == "Renamed Learner"
    learner.is_active = False
    learner.save()
    assert not client.get("/").context["user"].is_authenticated


def test_a_cached_step_state_follows_every_change_to_the_progress(
    course, client, learner, shared_cache
):
    client.force_login(learner)
    for path in ("/lessons/patching/", LAST_STEP):
        client.get(path)
    lesson_steps = Step.objects.filter(lesson__slug="patching")
    progress = LessonProgress.objects.get(user=learner, lesson__slug="patching")
    progress.seen_step_ids = list(lesson_steps.values_list("pk", flat=True))
    progress.save()
    assert client.post("/lessons/patching/complete").status_code == 302
    assert client.get(LAST_STEP).context["state"].completed
    # A row deleted is forgotten too: the next view starts the lesson again.
    LessonProgress.objects.filter(user=learner).delete()
    state = client.get(LAST_STEP).context["state"]
    assert not state.completed
    assert state.seen_step_ids == {lesson_steps.last().pk}


def test_a_cached_page_answers_a_repeat_with_its_stored_validator(course, client, learner):
    client.force_login(learner)
    first = client.get(LAST_STEP)
    assert first["ETag"]
    repeat = client.get(LAST_STEP, HTTP_IF_NONE_MATCH=first["ETag"])
    assert repeat.status_code == 304
    # Another visitor's page holds another token: its validator is not this one.
    other = Client()
    other.force_login(make_user("other@example.com", "Other Learner"))
    assert other.get(LAST_STEP)["ETag"] != first["ETag"]
    # New content, new validator.
    step = Step.objects.get(lesson__slug="patching", slug="keeping-up")
    step.body = step.body + "\n\nOne more line."
    step.save()
    assert client.get(LAST_STEP, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
