"""One rule for email identity: look-alike letters, case and width are one address.

Run these on PostgreSQL too (DATABASE_URL): its UPPER() equates the dotless i (U+0131)
with `i`, which SQLite's ASCII-only UPPER() hides.
"""

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from cohorts.models import Cohort
from sharedresp.identity import normalise_email
from sharedresp.signup import make_token
from tests.cohorts.conftest import DUE
from tests.conftest import PASSWORD, make_user

User = get_user_model()

# Each spelling is the same person as ivo.sanz@example.com.
LOOK_ALIKES = [
    "\u0131vo.sanz@example.com",  # dotless i
    "IVO.SANZ@EXAMPLE.COM",
    "\uff49\uff56\uff4f.sanz@example.com",  # full-width ivo
    "ivo.\u017fanz@example.com",  # long s
    "  Ivo.Sanz@Example.Com ",
]


@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_look_alikes_normalise_to_one_address(typed):
    assert normalise_email(typed) == "ivo.sanz@example.com"


def test_the_rule_folds_case_mappings_that_lower_alone_misses():
    assert normalise_email("stra\u00dfe@example.com") == "strasse@example.com"
    assert normalise_email("\u212aim@example.com") == "kim@example.com"  # Kelvin sign
    assert normalise_email("ana@\uff45xample.com") == "ana@example.com"


@pytest.fixture
def ivo(db):
    return make_user("ivo.sanz@example.com", "Ivo Sanz")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_a_look_alike_logs_in_to_the_one_account(client, ivo, typed):
    response = client.post("/accounts/login/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == ivo


@pytest.mark.django_db
@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_a_look_alike_cannot_make_a_second_account(client, ivo, typed, mailoutbox):
    response = client.post("/accounts/signup/", {"name": "Squatter", "email": typed})
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert mailoutbox[0].to == [ivo.email]
    assert "already has one" in mailoutbox[0].body
    # A link made before the real account existed cannot make a second one either.
    link = f"/accounts/signup/{make_token(typed, 'Squatter')}/"
    client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_the_look_alike_sign_up_link_makes_the_normal_account(client, mailoutbox):
    client.post("/accounts/signup/", {"name": "Ivo Sanz", "email": LOOK_ALIKES[0]})
    link = re.search(r"https?://[^/]+(/accounts/\S+)", mailoutbox[0].body).group(1)
    client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert User.objects.get().email == "ivo.sanz@example.com"
    for typed in LOOK_ALIKES:
        assert User.objects.get_by_natural_key(typed).email == "ivo.sanz@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_a_look_alike_resets_the_one_accounts_password(client, ivo, typed, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": typed})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [[ivo.email]]


@pytest.mark.django_db
def test_every_write_stores_the_normal_form(ivo):
    User.objects.bulk_create([User(email="NEW.ONE@EXAMPLE.COM", name="New")])
    assert User.objects.filter(email="new.one@example.com").exists()
    User.objects.filter(pk=ivo.pk).update(email="\uff29VO@example.com")
    ivo.refresh_from_db()
    assert ivo.email == "ivo@example.com"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_the_admin_refuses_a_look_alike_of_another_account(staff_client, ivo, learner, typed):
    response = staff_client.post(
        f"/admin/sharedresp/user/{learner.pk}/change/",
        {
            "email": typed,
            "name": learner.name,
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "User with this Email address already exists." in response.text
    learner.refresh_from_db()
    assert learner.email == "alice@example.com"
    added = staff_client.post(
        "/admin/sharedresp/user/add/", {"email": typed, "name": "Dup", "usable_password": "false"}
    )
    assert added.status_code == 200
    assert User.objects.filter(email=ivo.email).count() == 1


@pytest.mark.django_db
def test_the_admin_stores_a_changed_address_normalised(staff_client, learner):
    response = staff_client.post(
        f"/admin/sharedresp/user/{learner.pk}/change/",
        {
            "email": "Alice.New@EXAMPLE.com",
            "name": learner.name,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.email == "alice.new@example.com"


@pytest.mark.django_db
def test_a_csv_import_of_a_look_alike_adds_the_one_account(client, manager, ivo, mailoutbox):
    cohort = Cohort.objects.create(name="Joiners", owner=manager, due_date=DUE)
    client.force_login(manager)
    rows = "".join(f"{typed.strip()},Ivo Sanz\n" for typed in LOOK_ALIKES[:1])
    data = f"email,name\n{rows}".encode()
    response = client.post(
        f"/cohorts/{cohort.slug}/import/",
        {"cohort": cohort.pk, "file": SimpleUploadedFile("people.csv", data, "text/csv")},
    )
    assert response.status_code == 302
    assert User.objects.filter(name="Ivo Sanz").count() == 1
    assert list(cohort.members.all()) == [ivo]


@pytest.mark.django_db
def test_a_csv_with_two_spellings_of_one_address_names_the_line():
    from cohorts import importing

    cohort = Cohort.objects.create(
        name="Joiners", owner=make_user("m@example.com", "M"), due_date=DUE
    )
    data = f"email,name\nivo.sanz@example.com,Ivo\n{LOOK_ALIKES[3]},Ivo\n".encode()
    _rows, problems = importing.parse(data, Cohort.objects.all(), cohort)
    assert problems == ["line 3: ivo.sanz@example.com is also on line 2"]


@pytest.mark.django_db(transaction=True)
def test_six_identical_sign_ups_at_once_make_one_account_and_no_error():
    link = f"/accounts/signup/{make_token('racer@example.com', 'Racer')}/"
    barrier = threading.Barrier(6)
    statuses = []

    def finish():
        try:
            barrier.wait(timeout=10)
            response = Client().post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302] * 6
    assert User.objects.filter(email="racer@example.com").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_normalises_and_parks_look_alikes():
    """Rows saved before the rule: the real address keeps its account, a squatter is
    deactivated and moved aside, and nothing is lost."""
    executor = MigrationExecutor(connection)
    executor.migrate([("sharedresp", "0002_role_groups")])
    OldUser = executor.loader.project_state([("sharedresp", "0002_role_groups")]).apps.get_model(
        "sharedresp", "User"
    )
    squatter = OldUser.objects.create(email="\u0131vo@example.com", name="Squatter")
    real = OldUser.objects.create(email="ivo@example.com", name="Ivo")
    wide = OldUser.objects.create(email="\uff57ide@example.com", name="Wide")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert User.objects.get(pk=real.pk).email == "ivo@example.com"
    assert User.objects.get(pk=wide.pk).email == "wide@example.com"
    parked = User.objects.get(pk=squatter.pk)
    assert parked.email == f"look-alike-{squatter.pk}@duplicate.invalid"
    assert not parked.is_active
