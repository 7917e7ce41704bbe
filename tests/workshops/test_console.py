"""The host console: the projector page, its live panel, and the host's controls."""

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


def test_it_works_before_the_start_with_the_code_and_the_presenter_link(
    workshop, facilitator_client
):
    html = facilitator_client.get(console(workshop)).text
    assert f"{workshop.code[:3]} {workshop.code[3:]}" in html
    assert f'href="/workshops/{workshop.code}/present/"' in html
    assert "Start the workshop" in html
    assert "Waiting to start" in html
    # A compact page of its own: no site header or footer around the controls.
    assert "site-header" not in html
    assert "site-footer" not in html


def test_it_shows_the_item_on_screen_large(workshop, facilitator_client):
    act(workshop, "start")
    assert "A slide" in facilitator_client.get(console(workshop)).text
    act(workshop, "next")
    html = facilitator_client.get(console(workshop)).text
    assert "2 of 3 · Question" in html
    assert "Which three layers belong to AWS" in html
    assert "Open answering" in html
    assert "Reveal the answer" in html
    act(workshop, "next")
    html = facilitator_client.get(console(workshop)).text
    assert "Operating system on Amazon EC2" in html
    assert "The presenter shows the stack" in html
    assert "Open answering" not in html


def test_the_live_panel_counts_and_draws_the_answers(workshop, facilitator_client):
    add_participants(workshop, 4)
    item = open_question(workshop)
    for participant in workshop.participants.all()[:3]:
        participant.answer(item, **right_selection(item))
    html = facilitator_client.get(f"{console(workshop)}?fragment=host-live", headers=HTMX).text
    assert html.lstrip().startswith('<section id="host-live"')
    assert '<strong class="count__number">3</strong> of 4 answered' in html
    assert "3 answers · 100%" in html
    assert html.count('<li class="tile tile--') == item.question.choices.count()
    assert "Right answer" not in html  # not before the reveal
    act(workshop, "reveal")
    html = facilitator_client.get(f"{console(workshop)}?fragment=host-live", headers=HTMX).text
    assert html.count("Right answer") == 1


def test_the_reveal_shows_the_explanation(workshop, facilitator_client):
    participant = workshop.join("Pat")
    item = open_question(workshop)
    participant.answer(item, **right_selection(item))
    html = facilitator_client.get(console(workshop)).text
    assert "stage__explanation" not in html
    act(workshop, "reveal")
    html = facilitator_client.get(console(workshop)).text
    assert 'class="explanation stage__explanation"' in html


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
    assert "every 2s" not in html
    assert "data-live-events" not in html


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
    # Session, user, roles; workshop, deadline check, items, participants counted and
    # listed; answers per item, key, layer names, placements.
    with django_assert_max_num_queries(12):
        facilitator_client.get(console(workshop))
    with django_assert_max_num_queries(12):
        facilitator_client.get(f"{console(workshop)}?fragment=host-live", headers=HTMX)
    act(workshop, "previous")  # the multiple-select question
    with django_assert_max_num_queries(12):
        html = facilitator_client.get(console(workshop)).text
    assert f"{participants} answered" in html.replace("</strong> ", " ").replace(
        '<strong class="count__number">', ""
    )
    Workshop.objects.filter(pk=workshop.pk).update(current_position=4)  # the S3 layer
    with django_assert_max_num_queries(10):
        facilitator_client.get(console(workshop))


def test_each_region_is_named_by_the_address_not_the_target_header(workshop, facilitator_client):
    act(workshop, "start")
    page = facilitator_client.get(console(workshop), headers=HTMX | {"HX-Target": "host-live"})
    assert "<html" in page.text
    room = facilitator_client.get(f"{console(workshop)}?fragment=room", headers=HTMX).text
    assert room.lstrip().startswith('<section id="room"')
    unchanged = f"{console(workshop)}?fragment=console&v={workshop.version}"
    assert facilitator_client.get(unchanged, headers=HTMX).status_code == 204
    bad = facilitator_client.get(f"{console(workshop)}?fragment=admin", headers=HTMX)
    assert bad.status_code == 400
