"""The host console: the projector page, its live panel, and the host's controls."""

import re

import pytest

from workshops.models import Workshop

from .conftest import (
    CLASSIFY,
    MULTIPLE,
    act,
    add_participants,
    layer,
    make_workshop,
    open_question,
    question,
    right_selection,
    slide,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def console(workshop):
    return f"/workshops/{workshop.code}/host/"


def control(workshop):
    return f"/workshops/{workshop.code}/host/control"


def test_it_works_before_the_start_with_code_qr_and_join_address(workshop, facilitator_client):
    html = facilitator_client.get(console(workshop)).text
    assert workshop.code in html
    assert f'src="/join/{workshop.code}/qr.svg"' in html
    assert re.search(
        rf'alt="QR code that opens http://testserver/join/{workshop.code}/, [^"]*{workshop.code}',
        html,
    )
    assert "Start the workshop" in html
    assert "Waiting to start" in html


def test_it_shows_the_item_on_screen_large(workshop, facilitator_client):
    act(workshop, "start")
    assert "A slide" in facilitator_client.get(console(workshop)).text
    act(workshop, "next")
    html = facilitator_client.get(console(workshop)).text
    assert "Item 2 of 3" in html
    assert "Which three layers belong to AWS" in html
    assert "Open answering" in html
    assert "Reveal the answer" in html
    act(workshop, "next")
    html = facilitator_client.get(console(workshop)).text
    assert "Operating system on Amazon EC2" in html
    assert 'id="layer-panel"' in html
    assert "Open answering" not in html


def test_the_live_panel_counts_and_draws_the_answers(workshop, facilitator_client):
    add_participants(workshop, 4)
    item = open_question(workshop)
    for participant in workshop.participants.all()[:3]:
        participant.answer(item, **right_selection(item))
    html = facilitator_client.get(
        console(workshop), headers=HTMX | {"HX-Target": "host-live"}
    ).text
    assert html.lstrip().startswith('<section id="host-live"')
    assert '<strong class="count__number">4</strong> joined' in html
    assert '<strong class="count__number">3</strong> answered' in html
    assert "3 answers (100%)" in html
    assert html.count("<meter") == item.question.choices.count()
    assert "Right answer" not in html  # not before the reveal
    act(workshop, "reveal")
    html = facilitator_client.get(
        console(workshop), headers=HTMX | {"HX-Target": "host-live"}
    ).text
    assert html.count("Right answer") == 1


def test_the_reveal_shows_the_explanation_and_the_leaderboard_is_off_by_default(
    workshop, facilitator_client
):
    participant = workshop.join("Pat")
    item = open_question(workshop)
    participant.answer(item, **right_selection(item))
    html = facilitator_client.get(console(workshop)).text
    assert "Leaderboard" not in html
    assert "stage__explanation" not in html
    act(workshop, "reveal", "show_leaderboard")
    html = facilitator_client.get(console(workshop)).text
    assert 'class="explanation stage__explanation"' in html
    assert "<caption>Leaderboard</caption>" in html
    assert "<td>1</td><td>Pat</td><td>1</td>" in html


def test_it_requires_login(workshop, client):
    assert client.get(console(workshop)).status_code == 302
    assert client.post(control(workshop), {"action": "start"}).status_code == 302


def test_it_checks_ownership(workshop, client, other_facilitator, learner):
    for person in [other_facilitator, learner]:
        client.force_login(person)
        assert client.get(console(workshop)).status_code == 403
        assert client.post(control(workshop), {"action": "start"}).status_code == 403
    workshop.refresh_from_db()
    assert workshop.is_lobby
    assert workshop.version == 1


def test_controls_reject_get(workshop, facilitator_client):
    assert facilitator_client.get(control(workshop)).status_code == 405


@pytest.mark.parametrize("action", ["", "_end", "restart", "control"])
def test_controls_handle_bad_input(workshop, facilitator_client, action):
    response = facilitator_client.post(control(workshop), {"action": action})
    assert response.status_code == 400
    workshop.refresh_from_db()
    assert workshop.version == 1


def test_each_control_works_without_javascript(workshop, facilitator_client):
    for action in ["start", "next", "open", "close", "reveal", "show_leaderboard", "end"]:
        response = facilitator_client.post(control(workshop), {"action": action})
        assert response.url == console(workshop)
    workshop.refresh_from_db()
    assert workshop.is_ended
    assert workshop.show_leaderboard
    assert workshop.version == 8
    html = facilitator_client.get(console(workshop)).text
    assert "The workshop has ended" in html
    assert 'hx-trigger="every 2s"' not in html


def test_a_control_that_does_not_fit_says_why(workshop, facilitator_client):
    response = facilitator_client.post(control(workshop), {"action": "next"}, follow=True)
    assert "Start the workshop first." in response.text
    response = facilitator_client.post(control(workshop), {"action": "next"}, headers=HTMX)
    assert response.text.lstrip().startswith('<div id="console"')
    assert 'role="alert">Start the workshop first.' in response.text


def test_with_htmx_a_control_answers_with_the_console(workshop, facilitator_client):
    response = facilitator_client.post(control(workshop), {"action": "start"}, headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="console"')
    assert "A slide" in response.text


def answer_all(workshop):
    item = workshop.current_item()
    for participant in workshop.participants.all():
        participant.answer(item, **right_selection(item))


def build_room(facilitator, participants):
    """A question on screen, every participant answered, leaderboard on."""
    workshop = make_workshop(
        facilitator, slide(), question(MULTIPLE), question(CLASSIFY), layer("s3", "data")
    )
    add_participants(workshop, participants)
    open_question(workshop)
    answer_all(workshop)
    act(workshop, "next", "open")
    answer_all(workshop)
    act(workshop, "show_leaderboard")
    return workshop


@pytest.mark.parametrize("participants", [3, 300])
def test_console_cost_does_not_grow_with_the_room(
    course, facilitator, facilitator_client, django_assert_max_num_queries, participants
):
    workshop = build_room(facilitator, participants)
    assert workshop.current_item().question.is_classify
    # Session, user, roles; workshop, items, participants; answers per item, key, layer
    # names, placements; leaderboard.
    with django_assert_max_num_queries(11):
        facilitator_client.get(console(workshop))
    with django_assert_max_num_queries(11):
        facilitator_client.get(console(workshop), headers=HTMX | {"HX-Target": "host-live"})
    act(workshop, "previous")  # the multiple-select question
    with django_assert_max_num_queries(10):
        html = facilitator_client.get(console(workshop)).text
    assert f"{participants} answered" in html.replace("</strong> ", " ").replace(
        '<strong class="count__number">', ""
    )
    Workshop.objects.filter(pk=workshop.pk).update(current_position=4)  # the S3 layer
    with django_assert_max_num_queries(8):
        facilitator_client.get(console(workshop))
