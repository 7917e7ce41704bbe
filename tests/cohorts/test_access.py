"""Every manager page, as its owner, another manager, staff, a learner and nobody."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cohorts.models import Cohort, Membership
from tests.cohorts.conftest import add_members

pytestmark = pytest.mark.django_db

PAGES = ["/cohorts/", "/cohorts/new/", "/cohorts/import/"]
COHORT_PAGES = ["/cohorts/{slug}/", "/cohorts/{slug}/edit/", "/cohorts/{slug}/import/"]


@pytest.fixture
def urls(cohort):
    member = add_members(cohort, 1)[0]
    membership = Membership.objects.get(user=member)
    return {
        "get": [path.format(slug=cohort.slug) for path in COHORT_PAGES]
        + [f"/cohorts/{cohort.slug}/report.csv"],
        "post": [
            (
                f"/cohorts/{cohort.slug}/edit/",
                {"name": "Renamed", "due_date": "2031-01-01", "requires_course": "on"},
            ),
            (
                f"/cohorts/{cohort.slug}/import/",
                {
                    "cohort": cohort.pk,
                    "file": SimpleUploadedFile("a.csv", b"email,name\nnew@example.com,New One\n"),
                },
            ),
            (f"/cohorts/{cohort.slug}/members/{membership.pk}/send-link", {}),
            (f"/cohorts/{cohort.slug}/members/{membership.pk}/remove", {}),
        ],
    }


def test_anonymous_people_are_sent_to_log_in(client, urls):
    for path in PAGES + urls["get"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/accounts/login/?next=/cohorts/")


@pytest.mark.parametrize("persona", ["learner", "facilitator"])
def test_people_who_do_not_manage_cannot_open_any_manager_page(client, urls, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for path in PAGES + urls["get"]:
        assert client.get(path).status_code == 403, path
    for path, data in [*urls["post"], ("/cohorts/new/", {}), ("/cohorts/import/", {})]:
        assert client.post(path, data).status_code == 403, path
    assert "Your account does not have access" in client.get("/cohorts/").text


def test_another_manager_cannot_see_or_change_the_cohort(client, cohort, other_manager, urls):
    client.force_login(other_manager)
    for path in urls["get"]:
        assert client.get(path).status_code == 404, path
    for path, data in urls["post"]:
        assert client.post(path, data).status_code == 404, path
    assert "Spring joiners" not in client.get("/cohorts/").text
    cohort.refresh_from_db()
    assert cohort.name == "Spring joiners"
    assert cohort.memberships.count() == 1


def test_another_manager_cannot_import_into_the_cohort_by_name(client, cohort, other_manager):
    Cohort.objects.create(name="Omar's group", owner=other_manager, due_date=cohort.due_date)
    client.force_login(other_manager)
    csv = b"email,name,cohort\nnew@example.com,New One,Spring joiners\n"
    response = client.post("/cohorts/import/", {"file": SimpleUploadedFile("a.csv", csv)})
    assert "line 2: there is no cohort of yours called “Spring joiners”" in response.text
    assert cohort.memberships.count() == 0


def test_the_owner_can_open_and_use_every_page(manager_client, urls, mailoutbox):
    for path in PAGES + urls["get"]:
        assert manager_client.get(path).status_code == 200, path
    for path, data in urls["post"]:
        assert manager_client.post(path, data).status_code == 302, path


def test_staff_see_and_manage_every_cohort(client, staff, urls, mailoutbox):
    client.force_login(staff)
    assert "Spring joiners" in client.get("/cohorts/").text
    for path in PAGES + urls["get"]:
        assert client.get(path).status_code == 200, path
    for path, data in urls["post"]:
        assert client.post(path, data).status_code == 302, path


def test_post_only_and_get_only_pages_refuse_other_methods(manager_client, cohort):
    assert manager_client.get(f"/cohorts/{cohort.slug}/members/1/remove").status_code == 405
    assert manager_client.post(f"/cohorts/{cohort.slug}/").status_code == 405
    assert manager_client.post(f"/cohorts/{cohort.slug}/report.csv").status_code == 405


def test_the_header_offers_cohorts_to_managers_and_staff_only(client, learner, manager, staff):
    link = 'href="/cohorts/"'
    client.force_login(learner)
    assert link not in client.get("/").text
    for person in (manager, staff):
        client.force_login(person)
        assert link in client.get("/").text


def test_staff_have_cohorts_and_a_read_only_reminder_log_in_the_admin(client, staff, cohort):
    client.force_login(staff)
    assert "Spring joiners" in client.get("/admin/cohorts/cohort/").text
    assert client.get(f"/admin/cohorts/cohort/{cohort.pk}/change/").status_code == 200
    assert client.get("/admin/cohorts/reminderlog/").status_code == 200
    assert client.get("/admin/cohorts/reminderlog/add/").status_code == 403
