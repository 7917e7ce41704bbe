""" "Who fixes this?" incident cards as workshop items: added to a plan, shown on the
presenter and the phones, answered, counted and revealed like the other items."""

import csv
import io
from datetime import timedelta

import pytest

from lessons.models import CompanyOwner, Layer, Service
from quiz.models import Incident
from workshops.models import (
    ANSWER_GRACE,
    ActionNotAllowedError,
    AnsweringClosedError,
    ItemKind,
    LiveAnswer,
    tally,
)

from .conftest import CARD, act, answer_url, incident_item, join, make_workshop, post_for, slide

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def room(course, facilitator):
    """Started, showing an incident card with answering open."""
    workshop = make_workshop(facilitator, slide(), incident_item(), title="Incident room")
    act(workshop, "start", "next", "open")
    return workshop


def present(workshop):
    return f"/workshops/{workshop.code}/present/"


def test_a_facilitator_adds_an_incident_card_to_the_plan(course, facilitator, client):
    workshop = make_workshop(facilitator, slide())
    client.force_login(facilitator)
    detail = client.get(workshop.get_absolute_url()).text
    assert "Add an incident card" in detail
    incident = Incident.objects.get(slug=CARD)
    response = client.post(
        f"/workshops/{workshop.code}/items/add/incident",
        {"incident-incident": incident.pk, "incident-time_limit": 30},
    )
    assert response.status_code == 302
    item = workshop.items.get(kind=ItemKind.INCIDENT)
    assert (item.incident, item.time_limit) == (incident, 30)
    detail = client.get(workshop.get_absolute_url()).text
    assert incident.title in detail
    assert "(30 s)" in detail
    # Changing it: another card, no time limit.
    other = Incident.objects.get(slug="public-s3-bucket")
    edit = f"/workshops/{workshop.code}/items/{item.pk}/"
    assert client.get(edit).status_code == 200
    client.post(edit, {"incident": other.pk, "time_limit": ""})
    item.refresh_from_db()
    assert (item.incident, item.time_limit) == (other, None)


def test_adding_a_card_handles_bad_input(course, facilitator, client):
    workshop = make_workshop(facilitator, slide())
    client.force_login(facilitator)
    retired = Incident.objects.get(slug="hypervisor-flaw")
    retired.retired = True
    retired.save()
    for bad in [
        {"incident-incident": 999999},
        {"incident-incident": retired.pk},
        {"incident-incident": Incident.objects.get(slug=CARD).pk, "incident-time_limit": 2},
    ]:
        response = client.post(f"/workshops/{workshop.code}/items/add/incident", bad)
        assert response.status_code == 200, bad
        assert 'class="field__error"' in response.text
    assert not workshop.items.filter(kind=ItemKind.INCIDENT).exists()


def test_the_phone_answers_who_and_the_first_action_then_locks_in(room):
    item = room.current_item()
    incident = item.incident
    browser, participant = join(room, "Pat")
    page = browser.get(room.join_url).text
    assert "Who fixes this?" in page
    assert incident.title in page
    assert 'name="who"' in page
    assert 'name="action"' in page
    assert incident.who_feedback[:30] not in page  # nothing of the answer before it
    right = incident.actions.get(is_correct=True)
    for action in incident.actions.all():
        assert action.feedback[:30] not in page
    response = browser.post(answer_url(room, item), post_for(incident), headers=HTMX)
    assert response.status_code == 200
    assert "Locked in" in response.text
    assert right.text in response.text
    answer = LiveAnswer.objects.get(participant=participant)
    assert (answer.who, answer.action, answer.score) == (incident.who, right, 1.0)
    assert answer.points > 500  # right, and fast


def test_a_forged_or_empty_answer_is_refused_without_storing(room):
    item = room.current_item()
    browser, _participant = join(room, "Pat")
    other_card = Incident.objects.exclude(pk=item.incident_id).first()
    for bad in [
        {},
        {"who": "martians", "action": item.incident.actions.first().pk},
        {"who": "aws", "action": other_card.actions.first().pk},
    ]:
        response = browser.post(answer_url(room, item), bad, headers=HTMX)
        assert response.status_code == 200, bad
        assert 'class="field__error"' in response.text, bad
    assert not LiveAnswer.objects.exists()


def test_answers_after_answering_closed_are_refused(room, clock):
    item = room.current_item()
    _browser, participant = join(room, "Pat")
    act(room, "close")
    clock.advance(ANSWER_GRACE + timedelta(seconds=1))
    right = item.incident.actions.get(is_correct=True)
    with pytest.raises(AnsweringClosedError):
        participant.answer(item, who=item.incident.who, action=right)


def test_the_room_counts_and_reveals_the_card(room, facilitator, client):
    item = room.current_item()
    incident = item.incident
    phones = [join(room, name) for name in ["Ana", "Ben", "Cy"]]
    answers = [
        post_for(incident),
        post_for(incident, action_right=False),
        post_for(incident, who_right=False, action_right=False),
    ]
    for (browser, _participant), data in zip(phones, answers, strict=True):
        browser.post(answer_url(room, item), data)
    client.force_login(facilitator)

    while_open = client.get(present(room)).text
    assert "Who acts?" in while_open
    assert "The first action" in while_open
    assert "Right answer" not in while_open  # the room is not steered while it answers
    assert "answers ·" not in while_open

    act(room, "close")
    counted = tally([item])[item.pk]
    assert (counted.answered, counted.full_marks) == (3, 1)
    who_bars = dict(counted.groups)["Who acts?"]
    assert [bar.count for bar in who_bars if bar.is_right] == [2]

    act(room, "reveal")
    revealed = client.get(present(room)).text
    assert "Right answer" in revealed
    assert incident.who_feedback_html[:40] in revealed
    console = client.get(room.console_url).text
    assert "Reveal the answer" not in console
    assert "2 answers · 67%" in console  # who acts: two of three said "You"

    ana, ben, cy = (browser.get(room.join_url).text for browser, _p in phones)
    assert "Right!" in ana
    assert "Partly right: 50%" in ben
    assert "Not this time" in cy
    assert "you are 1st of 3" in ana
    assert "you said" in cy
    scores = {p.name: p for p in room.participants.with_scores()}
    assert scores["Ana"].points > scores["Ben"].points > scores["Cy"].points == 0
    assert (scores["Ben"].answered, scores["Ben"].asked) == (1, 1)


def test_phones_with_different_answers_never_share_a_page(room):
    item = room.current_item()
    incident = item.incident
    (ana, _a), (ben, _b) = join(room, "Ana"), join(room, "Ben")
    ana.post(answer_url(room, item), post_for(incident))
    ben.post(answer_url(room, item), post_for(incident, who_right=False))
    version = room.version
    act(room, "reveal")
    # The room's polls: each renders once per distinct answer, and never the other's.
    ana_page = ana.get(f"/join/{room.code}/state?v={version}", headers=HTMX).text
    ben_page = ben.get(f"/join/{room.code}/state?v={version}", headers=HTMX).text
    assert "Right!" in ana_page
    assert "Partly right: 50%" in ben_page


def test_the_reveal_names_the_companys_own_team(room, facilitator, client):
    item = room.current_item()
    CompanyOwner.objects.create(
        layer=Layer.objects.get(slug="operating-system"),
        service=Service.objects.get(slug="ec2"),
        team="Platform team",
    )
    browser, _participant = join(room, "Pat")
    client.force_login(facilitator)
    assert "Platform team" not in client.get(present(room)).text  # it would tell who acts
    act(room, "reveal")
    assert "Platform team" in client.get(present(room)).text
    assert "Platform team" in browser.get(room.join_url).text
    assert item.incident.layer.slug == "operating-system"


def test_results_and_export_include_the_card(room, facilitator, client):
    item = room.current_item()
    browser, _participant = join(room, "Pat")
    browser.post(answer_url(room, item), post_for(item.incident))
    act(room, "reveal", "end")
    client.force_login(facilitator)
    results = client.get(room.results_url).text
    assert item.incident.title in results
    assert "1 answer, 100% of them fully right." in results
    export = b"".join(client.get(f"/workshops/{room.code}/results.csv").streaming_content)
    header, row = csv.reader(io.StringIO(export.decode("utf-8-sig")))
    right = item.incident.actions.get(is_correct=True)
    assert dict(zip(header, row, strict=True)) | {"workshop": ""} == {
        "workshop": "",
        "participant": "Pat",
        "signed_in": "no",
        "item": str(item.position),
        "question": CARD,
        "answer": f"You; {right.text}",
        "score": "1.000",
    }


def test_only_answered_items_open(course, facilitator):
    workshop = make_workshop(facilitator, slide(), incident_item())
    act(workshop, "start")
    with pytest.raises(ActionNotAllowedError, match="not a question or an incident card"):
        workshop.control("open")


def test_incident_pages_cost_the_same_in_any_room(
    room, facilitator, client, django_assert_max_num_queries
):
    item = room.current_item()
    phones = [join(room, f"P{number}") for number in range(6)]
    for browser, _participant in phones:
        browser.post(answer_url(room, item), post_for(item.incident))
    client.force_login(facilitator)
    with django_assert_max_num_queries(16):
        assert client.get(present(room)).status_code == 200
    act(room, "reveal")
    with django_assert_max_num_queries(20):
        assert client.get(present(room)).status_code == 200
    with django_assert_max_num_queries(15):
        assert phones[0][0].get(room.join_url).status_code == 200
