"""Fixtures shared by every test: the course, a small fixed cast of personas, the task
runner, and an empty cache.

The course (lessons/content, quiz/content, workshops/content, as `load_content` loads
them) is loaded once per test database, that is once per session and xdist worker. Every
test then runs inside a transaction that rolls back, so it finds the course as loaded,
whatever the test before it changed. Transactional tests (live_server, the browser
tests, transactional_db) commit for real and empty every table after themselves: the
`course` fixture loads the course again for the next one that asks.

Personas, each made here and nowhere else: anonymous (no fixture), learner,
other_learner, facilitator, other_facilitator, manager, other_manager, training_lead,
staff; and learner_client, facilitator_client, manager_client, staff_client, logged in.
"""

import io
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import override_settings

from sharedresp.roles import grant_role_permissions

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from such a thread unless told it is safe. It must be set before the test database is
# created, hence at import time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple 42"


def load_course():
    call_command("load_content", stdout=io.StringIO())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database with the real course in it, loaded once for every test."""
    with django_db_blocker.unblock():
        load_course()
    yield
    # The live rooms' thread keeps its connection (workshops.streams): the test database
    # can be dropped only once it lets go.
    from workshops import streams

    streams.release_connection()


@pytest.fixture
def course(db):
    """The real course, question bank, exams, incidents and workshop plans."""
    from lessons.models import Lesson

    # Only after a transactional test, which emptied the database.
    if not Lesson.objects.exists():
        load_course()


@pytest.fixture
def no_course(db):
    """An empty database for the tests of loading itself: the loaded course is deleted
    inside the test's transaction, which puts it back when the test ends."""
    from lessons.models import Course, Layer, Service
    from quiz.models import Incident, Misconception, Question, Quiz
    from workshops.models import Plan

    # Ordered so that nothing still points (PROTECT) at what is deleted.
    for model in [Plan, Incident, Quiz, Question, Misconception, Course, Service, Layer]:
        model.objects.all().delete()


def make_user(email, name, *, groups=(), **extra):
    user = get_user_model().objects.create_user(email, PASSWORD, name=name, **extra)
    if groups:
        # A transactional test's flush empties the groups the migrations made.
        grant_role_permissions(Group, Permission)
    for group_name in groups:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def learner(db):
    return make_user("alice@example.com", "Alice Learner")


@pytest.fixture
def other_learner(db):
    return make_user("bob@example.com", "Bob Otherlearner")


@pytest.fixture
def facilitator(db):
    return make_user("fran@example.com", "Fran Facilitator", groups=["Facilitator"])


@pytest.fixture
def other_facilitator(db):
    """Hosts nothing of facilitator's."""
    return make_user("gail@example.com", "Gail Otherfacilitator", groups=["Facilitator"])


@pytest.fixture
def manager(db):
    return make_user("mona@example.com", "Mona Manager", groups=["Manager"])


@pytest.fixture
def other_manager(db):
    """Owns none of manager's cohorts."""
    return make_user("omar@example.com", "Omar Othermanager", groups=["Manager"])


@pytest.fixture
def training_lead(db):
    """Sees and manages every cohort."""
    return make_user("lee@example.com", "Lee Lead", groups=["Training lead"])


@pytest.fixture
def staff(db):
    return make_user("stan@example.com", "Stan Staff", is_staff=True, is_superuser=True)


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(scope="session", autouse=True)
def redis_database_of_this_worker():
    """With REDIS_URL, each xdist worker caches in a Redis database of its own: every test
    empties the cache (FLUSHDB), and must not empty the one another worker is using. The
    live room's channels are apart already (their names carry the test database's)."""
    url = urlsplit(os.environ.get("REDIS_URL", ""))
    # Read from xdist's variable, not its fixture: `-p no:xdist` runs without either.
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")
    if not url.scheme or worker_id == "master":
        yield
        return
    number = (int(url.path.strip("/") or 0) + 1 + int(worker_id.removeprefix("gw"))) % 16
    location = urlunsplit(url._replace(path=f"/{number}"))
    caches = {alias: {**cache, "LOCATION": location} for alias, cache in settings.CACHES.items()}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rate-limit counts, cached pages and the
    content version read must not leak between tests."""
    from django.core.cache import cache

    from lessons import caching
    from lessons.models import ContentVersion

    cache.clear()
    # The version this process read last, and what it holds for it: another test may
    # have rolled the version back, and made it again with other content.
    ContentVersion._read = None
    caching._memos.clear()


def run_queued_tasks():
    """Run every queued task that is due, as the worker (`manage.py db_worker`) does."""
    from unittest import mock

    # The worker closes its connection between tasks; the test's holds its transaction.
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", return_value=None
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def run_tasks(db):
    return run_queued_tasks
