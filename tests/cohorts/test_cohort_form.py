"""Creating and changing a cohort, and the list of cohorts."""

import pytest

from cohorts.models import Cohort
from cohorts.status import Requirements

pytestmark = pytest.mark.django_db

NEW = {"name": "Autumn joiners", "due_date": "2030-10-01", "requires_course": "on"}


def test_a_manager_creates_a_cohort_then_imports_its_members(manager, manager_client):
    response = manager_client.post("/cohorts/new/", NEW)
    cohort = Cohort.objects.get()
    assert (cohort.name, cohort.slug, cohort.owner) == (
        "Autumn joiners",
        "autumn-joiners",
        manager,
    )
    assert cohort.requirements == Requirements(course=True, practice_quizzes=False)
    assert response.url == "/cohorts/autumn-joiners/import/"
    assert "Autumn joiners" in manager_client.get("/cohorts/").text


def test_a_cohort_must_require_something_and_have_a_name_and_date(manager_client):
    response = manager_client.post("/cohorts/new/", {"name": " ", "due_date": "31/02/2030"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Name: This field is required." in response.text
    assert "Due date: Enter a valid date." in response.text
    response = manager_client.post("/cohorts/new/", {**NEW, "requires_course": ""})
    assert "Choose at least one thing members must finish." in response.text
    assert Cohort.objects.count() == 0


def test_names_are_unique_per_manager_and_addresses_unique_everywhere(
    manager_client, other_manager, client
):
    manager_client.post("/cohorts/new/", NEW)
    again = manager_client.post("/cohorts/new/", {**NEW, "name": "autumn  JOINERS"})
    assert "You already have a cohort with this name." in again.text
    client.force_login(other_manager)
    client.post("/cohorts/new/", NEW)
    assert sorted(Cohort.objects.values_list("slug", flat=True)) == [
        "autumn-joiners",
        "autumn-joiners-2",
    ]


@pytest.mark.parametrize(
    ("name", "slug"), [("New", "new-2"), ("Import", "import-2"), ("!!!", "cohort")]
)
def test_an_address_never_takes_a_reserved_word(manager_client, name, slug):
    manager_client.post("/cohorts/new/", {**NEW, "name": name})
    assert Cohort.objects.get().slug == slug


def test_changing_a_cohort_keeps_its_address(manager_client, cohort):
    url = f"/cohorts/{cohort.slug}/edit/"
    page = manager_client.get(url).text
    assert 'value="2030-06-15"' in page
    changed = {"name": "Spring starters", "due_date": "2030-07-01", "requires_exam": "on"}
    response = manager_client.post(url, changed)
    assert response.url == "/cohorts/spring-joiners/"
    cohort.refresh_from_db()
    assert (cohort.name, str(cohort.due_date)) == ("Spring starters", "2030-07-01")
    assert cohort.requirements == Requirements(course=False, practice_quizzes=False, exam=True)


def test_the_list_shows_owners_to_staff_only(manager_client, cohort, staff, client):
    assert "Mona Manager" not in manager_client.get("/cohorts/").text.split("<main")[1]
    client.force_login(staff)
    assert "<td>Mona Manager</td>" in client.get("/cohorts/").text
