"""The presenter screen: the projector's page, following the room like the phones."""

import pytest

from .conftest import act, add_participants, open_question, right_selection

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def present(workshop):
    return f"/workshops/{workshop.code}/present/"


def test_the_lobby_shows_qr_code_split_count_and_newest_names(workshop, facilitator_client):
    add_participants(workshop, 30)
    workshop.join("Latest")
    html = facilitator_client.get(present(workshop)).text
    assert "site-header" not in html
    assert "site-footer" not in html
    assert f'src="/join/{workshop.code}/qr.svg"' in html
    assert f"{workshop.code[:3]} {workshop.code[3:]}" in html  # for reading aloud
    assert '<span class="lobby__number">31</span>' in html
    assert html.index("Latest") < html.index("P29")  # newest first
    assert "P0<" not in html  # the oldest are past the cap
    assert "+ 7 more" in html
    assert html.count("<h1") == 1


def test_once_started_the_code_sits_in_the_corner(workshop, facilitator_client):
    act(workshop, "start")
    html = facilitator_client.get(present(workshop)).text
    assert 'class="corner-join"' in html
    assert "A slide" in html
    assert 'hx-trigger="live:state, every 2s"' in html
    assert "data-live-events=" in html


def test_a_question_shows_shapes_then_bars_then_the_right_answer(workshop, facilitator_client):
    add_participants(workshop, 3)
    item = open_question(workshop)
    for participant in workshop.participants.all()[:2]:
        participant.answer(item, **right_selection(item))
    html = facilitator_client.get(present(workshop)).text
    choices = item.question.choices.count()
    assert html.count('class="shape shape--') == choices
    assert "answers ·" not in html  # no counts while answering is open
    assert "<strong>2</strong> of 3 answered" in html
    answers = facilitator_client.get(
        f"{present(workshop)}?fragment=present-answers", headers=HTMX
    ).text
    assert answers.lstrip().startswith('<div id="present-answers"')
    assert 'hx-trigger="live:answers, every 2s"' in answers
    act(workshop, "close")
    html = facilitator_client.get(present(workshop)).text
    assert "2 answers · 100%" in html
    assert "Right answer" not in html
    act(workshop, "reveal")
    html = facilitator_client.get(present(workshop)).text
    assert html.count("Right answer") == 1
    assert "present__why" in html


def test_the_stage_answers_204_until_the_room_changes(workshop, facilitator_client):
    act(workshop, "start")
    headers = HTMX
    url = f"{present(workshop)}?fragment=present-stage&v={workshop.version}"
    assert facilitator_client.get(url, headers=headers).status_code == 204
    act(workshop, "next")
    response = facilitator_client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="present-stage"')


def test_the_end_shows_the_podium_and_the_leaderboard(workshop, facilitator_client):
    add_participants(workshop, 5)
    item = open_question(workshop)
    for participant in workshop.participants.order_by("name")[:4]:
        participant.answer(item, **right_selection(item))
    act(workshop, "reveal", "end")
    html = facilitator_client.get(present(workshop)).text
    assert html.count('class="podium__step') == 3
    assert 'class="board"' in html
    assert "hx-get" not in html  # the room has nothing more to say


def test_a_workshop_without_points_ends_without_a_podium(workshop, facilitator_client):
    workshop.ranked = False
    workshop.save()
    add_participants(workshop, 2)
    act(workshop, "start", "end")
    html = facilitator_client.get(present(workshop)).text
    assert "podium" not in html
    assert "2 people took part" in html


def test_the_thanks_quote_a_title_that_has_a_colon_of_its_own(workshop, facilitator_client):
    workshop.title = "Shared responsibility: the line moves"
    workshop.save()
    act(workshop, "start", "end")
    html = facilitator_client.get(present(workshop)).text
    assert "Thank you for joining “Shared responsibility: the line moves”" in html
    assert "Thank you:" not in html


def test_it_requires_the_host(workshop, client, other_facilitator):
    assert client.get(present(workshop)).status_code == 302
    client.force_login(other_facilitator)
    assert client.get(present(workshop)).status_code == 403


@pytest.mark.parametrize("participants", [3, 300])
def test_presenter_cost_does_not_grow_with_the_room(
    workshop, facilitator_client, django_assert_max_num_queries, participants
):
    add_participants(workshop, participants)
    with django_assert_max_num_queries(9):
        facilitator_client.get(present(workshop))
    item = open_question(workshop)
    for participant in workshop.participants.all():
        participant.answer(item, **right_selection(item))
    act(workshop, "reveal", "end")
    # Session, user, roles; workshop, deadline check, items, count; the last item's
    # tally (three); the leaderboard.
    with django_assert_max_num_queries(12):
        facilitator_client.get(present(workshop))
