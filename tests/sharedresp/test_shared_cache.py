"""With a shared cache (Redis in a deployment), an account's row and permissions are read
from it; every way a role can change shows at the next request."""

from functools import partial

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

WORKSHOPS_LINK = 'href="/workshops/"'


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


@pytest.fixture
def facilitators(facilitator):
    return Group.objects.get(name="Facilitator")


def sees_workshops(client) -> bool:
    return WORKSHOPS_LINK in client.get("/quizzes/").text


def test_a_signed_in_page_reads_neither_the_account_nor_its_permissions_again(client, facilitator):
    client.force_login(facilitator)
    client.get("/quizzes/")
    with CaptureQueriesContext(connection) as queries:
        assert sees_workshops(client)
    tables = " ".join(q["sql"] for q in queries)
    assert "auth_permission" not in tables
    assert "sharedresp_user" not in tables.replace("sharedresp_user_", "")


def seen_after(client, *changes) -> list[bool]:
    """Whether the next page shows the workshops link, after each change in turn."""
    seen = []
    for change in changes:
        change()
        seen.append(sees_workshops(client))
    return seen


def test_joining_or_leaving_a_role_shows_at_once_from_either_side(client, learner, facilitators):
    client.force_login(learner)
    assert not sees_workshops(client)
    assert seen_after(
        client,
        partial(learner.groups.add, facilitators),
        partial(facilitators.user_set.remove, learner),
        partial(facilitators.user_set.add, learner),
        facilitators.user_set.clear,
    ) == [True, False, True, False]


def test_a_permission_given_or_taken_directly_shows_at_once(client, learner):
    run_workshops = Permission.objects.get(codename="run_workshops")
    client.force_login(learner)
    assert not sees_workshops(client)
    assert seen_after(
        client,
        partial(learner.user_permissions.add, run_workshops),
        run_workshops.user_set.clear,
    ) == [True, False]


def test_editing_or_deleting_a_role_shows_at_once_for_its_members(
    client, facilitator, facilitators
):
    run_workshops = Permission.objects.get(codename="run_workshops")
    client.force_login(facilitator)
    assert sees_workshops(client)
    assert seen_after(
        client,
        partial(facilitators.permissions.remove, run_workshops),
        partial(run_workshops.group_set.add, facilitators),
        run_workshops.group_set.clear,
        partial(facilitators.permissions.add, run_workshops),
        facilitators.delete,
    ) == [False, True, False, True, False]


def test_a_superuser_flag_shows_at_once(client, learner):
    client.force_login(learner)
    assert not sees_workshops(client)
    learner.is_superuser = True
    learner.save()
    assert sees_workshops(client)
