"""Joining by code or QR: a display name, no account, an identity kept in a signed cookie."""

import re

import pytest
import qrcode
from django.test import Client
from qrcode.image.svg import SvgPathImage

from workshops.models import Participant

from .conftest import act, join, make_workshop

pytestmark = pytest.mark.django_db


def test_the_join_page_works_without_an_account(client):
    html = client.get("/join/").text
    assert "Join code" in html
    assert "Your display name" in html
    assert 'action="/join/"' in html


def test_joining_sets_a_signed_cookie_for_this_workshop_only(workshop, client):
    response = client.post("/join/", {"code": workshop.code, "name": "  Pat   Smith "})
    assert response.url == f"/join/{workshop.code}/"
    participant = Participant.objects.get()
    assert (participant.name, participant.workshop, participant.user) == (
        "Pat Smith",
        workshop,
        None,
    )
    cookie = response.cookies["participant"]
    assert cookie["path"] == f"/join/{workshop.code}/"
    assert cookie["httponly"] is True
    assert cookie.value.startswith(f"{participant.pk}:")  # signed, not a bare id
    page = client.get(f"/join/{workshop.code}/")
    assert "You joined as </span>Pat Smith" in page.text


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {first} {last} ", "{first}-{last}"])
def test_a_code_is_read_whatever_its_case_spacing_or_dash(workshop, client, typed):
    code = workshop.code
    value = typed.format(code=code, lower=code.lower(), first=code[:3], last=code[3:])
    response = client.post("/join/", {"code": value, "name": "Pat"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("", "Pat", "This field is required"),
        ("ABC", "Pat", "six letters and digits"),
        ("ABCDE0", "Pat", "six letters and digits"),  # 0 is not in the alphabet
        ("ZZZZZZ", "Pat", "No workshop has this code"),
        ("{code}", "", "This field is required"),
        ("{code}", " ?! ", "at least one letter or digit"),
        ("{code}", "x" * 41, "at most 40 characters"),
    ],
)
def test_it_handles_bad_input(workshop, client, code, name, message):
    response = client.post("/join/", {"code": code.format(code=workshop.code), "name": name})
    assert response.status_code == 200
    assert message in response.text
    assert "There is a problem" in response.text
    assert not Participant.objects.exists()
    assert "participant" not in response.cookies


def test_a_name_in_use_is_refused_whatever_its_case(workshop, client):
    join(workshop, "Pat Smith")
    response = client.post("/join/", {"code": workshop.code, "name": "PAT SMITH"})
    assert "already uses this name" in response.text
    assert Participant.objects.count() == 1


def test_an_ended_workshop_takes_no_one_new(workshop, client):
    act(workshop, "end")
    response = client.post("/join/", {"code": workshop.code, "name": "Pat"})
    assert "This workshop has ended" in response.text
    assert "takes no one new" in client.get(f"/join/{workshop.code}/").text
    assert not Participant.objects.exists()


def test_it_rejects_other_methods(client):
    assert client.put("/join/").status_code == 405


def test_the_qr_code_address_shows_the_join_form_with_the_code_filled_in(workshop, client):
    html = client.get(f"/join/{workshop.code}/").text
    assert re.search(rf'name="code" value="{workshop.code}"', html)
    assert "You are joining “Test workshop”" in html


def test_a_lower_case_address_leads_to_the_real_one(workshop, client):
    response = client.get(f"/join/{workshop.code.lower()}/")
    assert response.url == f"/join/{workshop.code}/"
    assert client.get("/join/ZZZZZZ/").status_code == 404


def test_a_logged_in_person_is_linked_and_keeps_one_identity_across_devices(workshop, learner):
    _phone, me = join(workshop, "Alice", user=learner)
    assert me.user == learner
    laptop = Client()
    laptop.force_login(learner)
    assert 'value="Alice"' in laptop.get("/join/").text  # the short name, offered
    laptop.post("/join/", {"code": workshop.code, "name": "Alice again"})
    assert Participant.objects.get() == me
    assert "You joined as </span>Alice" in laptop.get(f"/join/{workshop.code}/").text


def test_a_reload_keeps_the_identity_and_answers(workshop):
    browser, _participant = join(workshop)
    act(workshop, "start", "next", "open")
    item = workshop.current_item()
    right = [c.pk for c in item.question.choices.all() if c.is_correct]
    browser.post(f"/join/{workshop.code}/items/{item.pk}/answer", {"choice": right})
    html = browser.get(f"/join/{workshop.code}/").text
    assert "You joined as </span>Pat" in html
    assert "Locked in" in html


def test_a_cookie_from_one_workshop_is_worthless_in_another(workshop, facilitator):
    browser, _participant = join(workshop)
    other = make_workshop(facilitator)
    # The browser would not even send it (its path is the first workshop's); replayed
    # by hand, its signature does not hold for the other code.
    browser.cookies["participant"]["path"] = "/"
    assert "Join a workshop" in browser.get(f"/join/{other.code}/").text
    assert browser.get(f"/join/{other.code}/state").status_code == 403
    act(other, "start", "next", "open")
    item = other.current_item()
    response = browser.post(f"/join/{other.code}/items/{item.pk}/answer", {"choice": 1})
    assert response.status_code == 403
    assert not item.answers.exists()


def test_a_forged_cookie_is_refused(workshop, client):
    _browser, participant = join(workshop)
    client.cookies["participant"] = str(participant.pk)
    assert client.get(f"/join/{workshop.code}/state").status_code == 403
    assert "Join a workshop" in client.get(f"/join/{workshop.code}/").text


def test_the_qr_code_is_drawn_here_as_svg(workshop, client):
    response = client.get(f"/join/{workshop.code}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.text.startswith("<svg")
    assert "<path" in response.text
    assert client.get("/join/ZZZZZZ/qr.svg").status_code == 404
    assert client.post(f"/join/{workshop.code}/qr.svg").status_code == 405


def test_the_qr_code_encodes_the_join_address(workshop, client):
    response = client.get(f"/join/{workshop.code}/qr.svg")
    join_url = f"http://testserver/join/{workshop.code}/"
    expected = qrcode.make(join_url, image_factory=SvgPathImage, border=2).to_string()
    assert response.content == expected
