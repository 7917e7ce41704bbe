"""The company's own owners on the diagrams: "You → Platform team" beside what AWS
secures, set on a staff page, off until set, one query a page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons.models import CompanyOwner, Layer, Service
from quiz.models import Incident
from tests.conftest import make_user
from tests.quiz.conftest import load

pytestmark = pytest.mark.django_db
PAGE = "/company-owners/"
EC2_OS = "/explorer/ec2/operating-system/"


@pytest.fixture
def owner_setter(db):
    """A staff member given the one permission the page asks for (no superuser)."""
    from django.contrib.auth.models import Permission

    user = make_user("olga@example.com", "Olga Owners", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="set_company_owners"))
    return user


@pytest.fixture
def setter_client(client, owner_setter):
    client.force_login(owner_setter)
    return client


def name_owner(layer: str, team: str, service: str | None = None, link: str = "") -> CompanyOwner:
    return CompanyOwner.objects.create(
        layer=Layer.objects.get(slug=layer),
        service=Service.objects.get(slug=service) if service else None,
        team=team,
        link=link,
    )


def company_owner_queries(captured) -> int:
    return sum("lessons_companyowner" in query["sql"] for query in captured.captured_queries)


def test_nothing_changes_until_an_owner_is_named(course, client):
    html = client.get(EC2_OS).text
    assert "company-owner" not in html
    assert "In your company" not in client.get("/explorer/ec2/?view=house").text


def test_the_explorer_panel_shows_you_and_the_team(course, client):
    name_owner("operating-system", "Platform team", "ec2", link="https://wiki.example.com/os")
    html = client.get(EC2_OS).text
    assert 'class="company-owner"' in html
    assert "Platform team" in html
    assert 'href="https://wiki.example.com/os"' in html
    assert "How to reach Platform team" in html


def test_a_team_for_one_service_wins_over_the_team_for_every_service(course, client):
    name_owner("identity-and-access", "Identity team")
    name_owner("identity-and-access", "Data platform", "rds")
    assert "Identity team" in client.get("/explorer/ec2/identity-and-access/").text
    rds = client.get("/explorer/rds/identity-and-access/").text
    assert "Data platform" in rds
    assert "Identity team" not in rds


def test_layers_aws_secures_never_show_a_team(course, client):
    # Named for every service, the OS is the customer's on EC2 but AWS's on RDS.
    name_owner("operating-system", "Platform team")
    assert "Platform team" in client.get(EC2_OS).text
    assert "Platform team" not in client.get("/explorer/rds/operating-system/").text


def test_the_house_lists_the_teams_of_its_parts_and_duties(course, client):
    name_owner("operating-system", "Platform team", "ec2")
    name_owner("identity-and-access", "Security")
    html = client.get("/explorer/ec2/?view=house").text
    assert "In your company" in html
    assert "in your company, Platform team" in html  # the part's own title
    assert 'class="house-duty__team"' in html
    assert "Security" in html


def test_the_incident_card_names_the_team_once_answered(course, client):
    load()  # the question bank and its incident cards
    name_owner("operating-system", "Platform team", "ec2")
    incident = Incident.objects.get(slug="ec2-critical-os-flaw")
    card = incident.get_absolute_url()
    assert "Platform team" not in client.get(card).text  # it would tell who acts
    right = incident.actions.get(is_correct=True)
    html = client.post(card, {"who": incident.who, "action": right.pk}).text
    assert "Platform team" in html


def test_a_change_shows_at_once_on_cached_pages(course, client):
    assert "Platform team" not in client.get(EC2_OS).text
    owner = name_owner("operating-system", "Platform team", "ec2")
    assert "Platform team" in client.get(EC2_OS).text
    owner.delete()
    assert "Platform team" not in client.get(EC2_OS).text


@pytest.mark.parametrize(
    "path",
    [EC2_OS, "/explorer/ec2/?view=house", "/lessons/the-stack/six-layers/"],
)
def test_one_query_a_page_for_the_owners(course, client, path):
    name_owner("operating-system", "Platform team", "ec2")
    name_owner("identity-and-access", "Security")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    assert company_owner_queries(captured) == 1


def test_the_sort_exercise_does_not_ask_for_them(course, client):
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/explorer/ec2/sort/").status_code == 200
    assert company_owner_queries(captured) == 0


# The staff page -----------------------------------------------------------------------


def test_it_works(course, setter_client, django_assert_max_num_queries):
    os_layer = Layer.objects.get(slug="operating-system")
    ec2 = Service.objects.get(slug="ec2")
    form = {"layer": os_layer.pk, "service": ec2.pk, "team": "Platform team", "link": ""}
    response = setter_client.post(PAGE, form)
    assert response.status_code == 302
    # Naming the same part again changes its team: still one row.
    setter_client.post(PAGE, {**form, "team": "Cloud platform", "link": "wiki.example.com"})
    owner = CompanyOwner.objects.get()
    assert (owner.team, owner.link) == ("Cloud platform", "https://wiki.example.com")
    name_owner("identity-and-access", "Security")
    with django_assert_max_num_queries(8):
        page = setter_client.get(PAGE)
    assert "Cloud platform" in page.text
    assert "Every service" in page.text
    # AWS secures the hypervisor on every service: no team of yours to name for it.
    assert "Hypervisor" not in page.text.split('id="id_layer"')[1].split("</select>")[0]


def test_it_requires_login(course, client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_checks_the_permission(course, client, learner):
    client.force_login(make_user("sid@example.com", "Sid Staff", is_staff=True))
    assert client.get(PAGE).status_code == 403
    owner = name_owner("operating-system", "Platform team", "ec2")
    assert client.post(f"{PAGE}{owner.pk}/remove").status_code == 403
    client.force_login(learner)
    assert client.get(PAGE).status_code == 403
    assert CompanyOwner.objects.filter(pk=owner.pk).exists()


def test_it_handles_bad_input(course, setter_client):
    os_layer = Layer.objects.get(slug="operating-system")
    rds = Service.objects.get(slug="rds")
    aws_part = setter_client.post(
        PAGE, {"layer": os_layer.pk, "service": rds.pk, "team": "Platform team"}
    )
    assert aws_part.status_code == 200
    assert "AWS secures Operating system on Amazon RDS" in aws_part.text
    hypervisor = Layer.objects.get(slug="hypervisor")
    for bad in [
        {"layer": hypervisor.pk, "team": "Facilities"},  # AWS's everywhere: not offered
        {"layer": 999999, "team": "Nobody"},
        {"layer": os_layer.pk, "team": ""},
        {"layer": os_layer.pk, "team": "Platform", "link": "javascript:alert(1)"},
        {"layer": os_layer.pk, "team": "x" * 101},
        {"layer": "os", "service": "ec2", "team": "Platform"},
    ]:
        response = setter_client.post(PAGE, bad)
        assert response.status_code == 200, bad
        assert 'class="field__error"' in response.text, bad
    assert not CompanyOwner.objects.exists()
    assert setter_client.put(PAGE).status_code == 405


def test_remove_takes_the_team_off_the_diagram(course, setter_client):
    owner = name_owner("operating-system", "Platform team", "ec2")
    assert setter_client.get(f"{PAGE}{owner.pk}/remove").status_code == 405
    assert setter_client.post(f"{PAGE}{owner.pk}/remove").status_code == 302
    assert not CompanyOwner.objects.exists()
    assert 'class="company-owner"' not in setter_client.get(EC2_OS).text
    assert setter_client.post(f"{PAGE}{owner.pk}/remove").status_code == 404


def test_the_header_links_the_page_for_those_who_may_use_it(course, setter_client, learner):
    assert 'href="/company-owners/"' in setter_client.get("/lessons/").text
    setter_client.force_login(learner)
    assert 'href="/company-owners/"' not in setter_client.get("/lessons/").text
