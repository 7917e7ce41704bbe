"""Workshops for the tests, and helpers that act as the host and the room would."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from quiz.models import Incident, Question, classify_keys
from sharedresp.roles import grant_role_permissions
from workshops import names
from workshops.models import (
    DEFAULT_INCIDENT_TIME_LIMIT,
    DEFAULT_TIME_LIMIT,
    ItemKind,
    Participant,
    Workshop,
    WorkshopItem,
)


@pytest.fixture
def roles(transactional_db):
    """Transactional tests empty every table, the role groups (made by a migration) too."""
    grant_role_permissions(Group, Permission)


class Clock:
    def __init__(self):
        self.offset = timedelta()

    def advance(self, by: timedelta) -> None:
        self.offset += by


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The time the workshop rules read, moved on with clock.advance(timedelta)."""
    moved = Clock()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + moved.offset)
    return moved


def slide(title="A slide", body="Some text."):
    return WorkshopItem(kind=ItemKind.SLIDE, title=title, body=body)


def layer(service, layer_slug):
    from lessons.models import Layer, Service

    return WorkshopItem(
        kind=ItemKind.LAYER,
        service=Service.objects.get(slug=service),
        layer=Layer.objects.get(slug=layer_slug),
    )


def question(slug, time_limit=DEFAULT_TIME_LIMIT):
    return WorkshopItem(
        kind=ItemKind.QUESTION, question=Question.objects.get(slug=slug), time_limit=time_limit
    )


# A real incident card from the course.
CARD = "ec2-critical-os-flaw"


def incident_item(slug=CARD, time_limit=DEFAULT_INCIDENT_TIME_LIMIT):
    return WorkshopItem(
        kind=ItemKind.INCIDENT, incident=Incident.objects.get(slug=slug), time_limit=time_limit
    )


# Real questions of each kind from the bank.
SINGLE = "three-layers-always-aws"
MULTIPLE = "which-are-security-in-the-cloud"
TRUE_FALSE = "aws-master-login"
CLASSIFY = "sort-the-rds-stack"


def make_workshop(host, *items, title="Test workshop") -> Workshop:
    items = items or (slide(), question(SINGLE), layer("ec2", "operating-system"))
    return Workshop.objects.create_from(host=host, title=title, items=items)


@pytest.fixture
def workshop(course, facilitator):
    """Not started: a slide, a single-choice question and a layer of EC2."""
    return make_workshop(facilitator)


def act(workshop, *actions) -> Workshop:
    for action in actions:
        workshop.control(action)
    return workshop


def open_question(workshop) -> WorkshopItem:
    """Start, go to the first question and open answering on it."""
    workshop.control("start")
    while not workshop.current_item().is_question:
        workshop.control("next")
    workshop.control("open")
    return workshop.current_item()


def join(workshop, name="Pat", user=None) -> tuple[Client, Participant]:
    """A participant's browser: joined through the form, holding the signed cookie."""
    browser = Client()
    if user is not None:
        browser.force_login(user)
    response = browser.post("/join/", {"code": workshop.code, "name": name})
    assert response.status_code == 302, response.text
    return browser, workshop.participants.get(name=name)


def add_participants(workshop, count, prefix="P"):
    Participant.objects.bulk_create(
        Participant(workshop=workshop, name=name, name_key=names.key(name))
        for name in (f"{prefix}{number}" for number in range(count))
    )


def right_selection(item: WorkshopItem) -> dict:
    """The right answer to a question item, as Participant.answer takes it."""
    if item.question.is_classify:
        return {"placements": classify_keys([item.question])[item.question_id]}
    return {"choice_ids": [c.pk for c in item.question.choices.all() if c.is_correct]}


def right_post(item: WorkshopItem) -> dict:
    """The right answer as the participant's form posts it."""
    selection = right_selection(item)
    if "placements" in selection:
        return {f"layer-{slug}": owner for slug, owner in selection["placements"].items()}
    return {"choice": selection["choice_ids"]}


def answer_url(workshop, item):
    return f"/join/{workshop.code}/items/{item.pk}/answer"


def post_for(incident, *, who_right=True, action_right=True) -> dict:
    """An incident card's answer as the phone posts it: who acts and the first action."""
    wrong_who = next(who for who in Incident.Who.values if who != incident.who)
    action = next(a for a in incident.actions.all() if a.is_correct == action_right)
    return {"who": incident.who if who_right else wrong_who, "action": action.pk}
