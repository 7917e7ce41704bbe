"""Fixtures shared by every test: a small fixed cast of personas, and a real browser.

Personas: anonymous (no fixture), learner, other_learner, facilitator, manager, staff.
"""

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from such a thread unless told it is safe. It must be set before the test database is
# created, hence at import time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple 42"


def make_user(email, name, *, groups=(), **extra):
    user = get_user_model().objects.create_user(email, PASSWORD, name=name, **extra)
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
def manager(db):
    return make_user("mona@example.com", "Mona Manager", groups=["Manager"])


@pytest.fixture
def staff(db):
    return make_user("stan@example.com", "Stan Staff", is_staff=True, is_superuser=True)


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def course(db):
    """The real course, loaded from lessons/content/ as `load_content` does."""
    from django.core.management import call_command

    call_command("load_content", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rate-limit counts must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
