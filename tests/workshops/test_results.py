"""After the workshop: results per question and per participant, the CSV, the dashboard."""

import csv
import io

import pytest

from .conftest import (
    CLASSIFY,
    MULTIPLE,
    SINGLE,
    act,
    add_participants,
    join,
    make_workshop,
    open_question,
    question,
    right_selection,
    slide,
)

pytestmark = pytest.mark.django_db


def results(workshop):
    return f"/workshops/{workshop.code}/results/"


def export(workshop):
    return f"/workshops/{workshop.code}/results.csv"


@pytest.fixture
def finished(course, facilitator, learner):
    """Three questions, two asked; Alice (logged in) right twice, Bob wrong once."""
    workshop = make_workshop(
        facilitator, slide(), question(SINGLE), question(CLASSIFY), question(MULTIPLE)
    )
    alice = workshop.join("Alice", learner)
    bob = workshop.join("=HYPERLINK(1)")
    first = open_question(workshop)
    alice.answer(first, **right_selection(first))
    wrong = next(c.pk for c in first.question.choices.all() if not c.is_correct)
    bob.answer(first, choice_ids=[wrong])
    act(workshop, "next", "open")
    second = workshop.current_item()
    alice.answer(second, **right_selection(second))
    act(workshop, "end")
    return workshop


def test_results_show_each_question_and_each_participant(finished, facilitator_client):
    html = facilitator_client.get(results(finished)).text
    assert "2 answers, 50% of them fully right." in html
    assert "1 answer, 100% of them fully right." in html
    assert "Not asked: answering never opened." in html
    row = html.split("<td>Alice</td>")[1].split("</tr>")[0]
    assert "2 of 2" in row
    assert "100%" in row
    row = html.split("<td>=HYPERLINK(1)</td>")[1].split("</tr>")[0]
    assert "1 of 2" in row
    assert "0%" in row


def test_results_require_login_and_check_ownership(finished, client, other_facilitator):
    assert client.get(results(finished)).status_code == 302
    assert client.get(export(finished)).status_code == 302
    client.force_login(other_facilitator)
    assert client.get(results(finished)).status_code == 403
    assert client.get(export(finished)).status_code == 403
    assert client.get("/workshops/ZZZZZZ/results/").status_code == 404


def test_results_reject_post(finished, facilitator_client):
    assert facilitator_client.post(results(finished)).status_code == 405
    assert facilitator_client.post(export(finished)).status_code == 405


def test_the_csv_has_a_row_per_participant_and_question_asked(finished, facilitator_client):
    response = facilitator_client.get(export(finished))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="workshop-{finished.code}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["participant"], row["question"]) for row in rows] == [
        ("Alice", SINGLE),
        ("Alice", CLASSIFY),
        ("'=HYPERLINK(1)", SINGLE),  # a formula would run in a spreadsheet: made text
        ("'=HYPERLINK(1)", CLASSIFY),
    ]
    alice_single, alice_classify, bob_single, bob_classify = rows
    assert alice_single["signed_in"] == "yes"
    assert bob_single["signed_in"] == "no"
    assert alice_single["score"] == "1.000"
    assert bob_single["score"] == "0.000"
    assert "Operating system: AWS" in alice_classify["answer"]
    assert (bob_classify["answer"], bob_classify["score"]) == ("", "")


@pytest.mark.parametrize("participants", [3, 300])
def test_results_cost_does_not_grow_with_the_room(
    finished, facilitator_client, django_assert_max_num_queries, participants
):
    add_participants(finished, participants)
    # Session, user, roles; workshop, question items; answers per item, picks, choices,
    # key, layer names, placements; participants with their scores.
    with django_assert_max_num_queries(12):
        assert facilitator_client.get(results(finished)).status_code == 200
    # Session, user, roles; workshop, items asked, answers and their choices, layer
    # names; the participants, read as they stream.
    with django_assert_max_num_queries(9):
        response = facilitator_client.get(export(finished))
        rows = b"".join(response.streaming_content).decode().splitlines()
    assert len(rows) == 1 + 2 * (participants + 2)


def test_the_dashboard_lists_the_workshops_a_learner_took_part_in(
    finished, learner_client, django_assert_max_num_queries
):
    # The whole dashboard, as tests/lessons counts it; the workshops section is one query.
    with django_assert_max_num_queries(12):
        html = learner_client.get("/").text
    section = html.split("Workshops you took part in")[1]
    assert finished.title in section
    assert "2 of 2" in section
    assert "100%" in section


def test_the_dashboard_says_nothing_of_workshops_to_someone_who_took_part_in_none(
    finished, client, other_learner
):
    client.force_login(other_learner)
    assert "Workshops you took part in" not in client.get("/").text


def test_an_anonymous_participant_sees_their_score_when_the_workshop_ends(course, facilitator):
    workshop = make_workshop(facilitator, question(SINGLE))
    browser, participant = join(workshop)
    item = open_question(workshop)
    participant.answer(item, **right_selection(item))
    act(workshop, "end")
    html = browser.get(f"/join/{workshop.code}/").text
    assert "You answered 1 of 1 questions. Your score: 100%." in html
    assert "hx-trigger" not in html
