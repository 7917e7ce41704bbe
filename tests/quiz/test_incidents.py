""" "Who fixes this?" incident cards: content checked with file and line, answers scored
and kept like quiz answers, feedback that names the layer and links the explorer."""

import pytest
from django.core.management import CommandError
from django.test import Client

from quiz.models import Incident, IncidentAnswer

from .conftest import line_of, load

pytestmark = pytest.mark.django_db
CARD = "/incidents/ec2-critical-os-flaw/"


def answer(incident: Incident, *, who_right=True, action_right=True) -> dict:
    wrong_who = next(w for w in Incident.Who.values if w != incident.who)
    action = next(a for a in incident.actions.all() if a.is_correct == action_right)
    return {"who": incident.who if who_right else wrong_who, "action": action.pk}


def test_the_shipped_cards_cover_many_services_and_cite_aws(course):
    incidents = Incident.objects.all()
    assert incidents.count() >= 15
    assert len({incident.service_id for incident in incidents}) >= 4
    assert {incident.who for incident in incidents} == {"aws", "customer", "both"}
    for incident in incidents:
        assert incident.sources, incident.slug
        for url in incident.sources:
            assert url.startswith(("https://docs.aws.amazon.com/", "https://aws.amazon.com/"))
        assert incident.actions.filter(is_correct=True).count() == 1


def test_who_must_agree_with_the_explorer(content):
    path = content / "incidents" / "ec2-critical-os-flaw.yaml"
    path.write_text(path.read_text().replace("who: customer", "who: aws"))
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(content / "questions"))
    line = line_of(path, "who: aws")
    assert f"{path}:{line}: the explorer says 'customer' owns 'operating-system'" in str(
        error.value
    )
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "message", "at"),
    [
        ("service: ec2", "service: mainframe", "unknown service 'mainframe'", "service:"),
        (
            "correct: false",
            "correct: true",
            "a card needs exactly one right first action",
            "actions:",
        ),
        ("slug: ec2-critical-os-flaw", "slug: other", "slug must match the file name", "slug:"),
        (
            "correct: true",
            "correct: yes please",
            "'correct' must be true or false",
            "correct: yes",
        ),
    ],
)
def test_a_broken_card_names_file_line_and_reason(content, old, new, message, at):
    path = content / "incidents" / "ec2-critical-os-flaw.yaml"
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(content / "questions"))
    assert f"{path}:{line_of(path, at)}: {message}" in str(error.value)


def test_a_card_without_sources_is_refused(content):
    path = content / "incidents" / "hypervisor-flaw.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("sources:")])
    with pytest.raises(CommandError, match=rf"{path}:1: missing 'sources'"):
        load("--questions-dir", str(content / "questions"))


def test_the_card_shows_no_answer_before_it_is_answered(course, client):
    incident = Incident.objects.get(slug="ec2-critical-os-flaw")
    html = client.get(CARD).text
    assert incident.title in html
    assert 'name="who"' in html
    assert 'name="action"' in html
    for action in incident.actions.all():
        assert action.feedback[:30] not in html
    assert incident.who_feedback[:30] not in html


def test_a_right_answer_is_kept_and_the_feedback_names_the_layer_and_links_the_explorer(
    course, learner, learner_client
):
    incident = Incident.objects.get(slug="ec2-critical-os-flaw")
    html = learner_client.post(CARD, answer(incident)).text
    assert "Who acts: You, the customer. Right." in html
    assert "First action: right." in html
    assert "Operating system" in html
    assert 'href="/explorer/ec2/operating-system/"' in html
    saved = IncidentAnswer.objects.get(user=learner)
    assert (saved.who, saved.score, saved.who_right) == ("customer", 1.0, True)
    listing = learner_client.get("/incidents/").text
    assert "solved" in listing


def test_half_right_scores_half_and_shows_the_better_first_action(course, learner, learner_client):
    incident = Incident.objects.get(slug="hypervisor-flaw")
    html = learner_client.post(
        incident.get_absolute_url(), answer(incident, action_right=False)
    ).text
    assert "First action: not quite." in html
    assert "Better first:" in html
    assert IncidentAnswer.objects.get(user=learner).score == 0.5


def test_anyone_may_try_a_card_but_only_learners_answers_are_kept(course, client):
    incident = Incident.objects.get(slug="public-s3-bucket")
    response = client.post(incident.get_absolute_url(), answer(incident, who_right=False))
    assert response.status_code == 200
    assert "not your choice" in response.text
    assert not IncidentAnswer.objects.exists()


def test_it_handles_bad_input(course, learner_client):
    incident = Incident.objects.get(slug="ec2-critical-os-flaw")
    empty = learner_client.post(CARD, {})
    assert empty.status_code == 200
    assert "Choose who acts." in empty.text
    forged = learner_client.post(CARD, {"who": "martians", "action": 999999})
    assert forged.status_code == 400
    other = Incident.objects.exclude(pk=incident.pk).first().actions.first()
    assert learner_client.post(CARD, {"who": "aws", "action": other.pk}).status_code == 400
    assert not IncidentAnswer.objects.exists()
    assert learner_client.get("/incidents/no-such-card/").status_code == 404
    assert learner_client.put(CARD).status_code == 405


def test_incident_pages_cost_a_fixed_number_of_queries(
    course, learner, learner_client, django_assert_max_num_queries
):
    for incident in Incident.objects.all()[:5]:
        learner_client.post(incident.get_absolute_url(), answer(incident))
    with django_assert_max_num_queries(6):
        assert learner_client.get("/incidents/").status_code == 200
    with django_assert_max_num_queries(6):
        assert learner_client.get(CARD).status_code == 200
    incident = Incident.objects.get(slug="ec2-critical-os-flaw")
    with django_assert_max_num_queries(10):
        assert learner_client.post(CARD, answer(incident)).status_code == 200


def test_the_header_links_the_cards_for_signed_in_people(course, learner_client):
    # A visitor's header keeps to one row at 360 px; a signed-in one wraps anyway.
    assert 'href="/incidents/"' in learner_client.get("/lessons/").text
    visitor = Client().get("/lessons/").text
    assert 'href="/incidents/"' not in visitor.split("</header>")[0]
