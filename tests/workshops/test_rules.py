"""The workshop's rules, at the model level: codes, host actions, joining, answering."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from lessons.models import Service
from plumbing.codes import UNAMBIGUOUS_ALPHABET
from workshops import models
from workshops.models import (
    ANSWER_GRACE,
    ActionNotAllowedError,
    AnsweringClosedError,
    ItemKind,
    LiveAnswer,
    NameTakenError,
    Participant,
    Workshop,
    WorkshopItem,
    tally,
)

from .conftest import (
    CLASSIFY,
    MULTIPLE,
    SINGLE,
    act,
    add_participants,
    make_workshop,
    open_question,
    question,
    right_selection,
    slide,
)

pytestmark = pytest.mark.django_db


def test_a_join_code_is_six_characters_without_look_alikes(workshop):
    assert len(workshop.code) == 6
    assert set(workshop.code) <= set(UNAMBIGUOUS_ALPHABET)
    assert not set("01ILO") & set(UNAMBIGUOUS_ALPHABET)


def test_a_code_in_use_is_drawn_again(course, facilitator, monkeypatch):
    first = make_workshop(facilitator)
    draws = iter([first.code, first.code, "ZZZ222"])
    monkeypatch.setattr(models, "new_join_code", lambda: next(draws))
    second = make_workshop(facilitator)
    assert second.code == "ZZZ222"
    assert second.items.count() == first.items.count()


def test_the_database_refuses_a_second_workshop_with_the_same_code(workshop, facilitator):
    with pytest.raises(IntegrityError), transaction.atomic():
        Workshop.objects.create(code=workshop.code, title="Copy", host=facilitator)


def test_a_workshop_copies_its_items_so_changing_the_source_changes_nothing(workshop):
    copy = make_workshop(workshop.host, *workshop.items.all())
    workshop.items.filter(kind=ItemKind.SLIDE).update(title="Changed")
    assert copy.items.get(kind=ItemKind.SLIDE).title == "A slide"
    assert [i.content() for i in copy.items.all()] != [i.content() for i in workshop.items.all()]


def test_every_host_action_bumps_the_version_once(workshop):
    versions = [workshop.version]
    for action in ["start", "next", "open", "close", "open", "reveal", "show_leaderboard"]:
        workshop.control(action)
        versions.append(workshop.version)
    act(workshop, "hide_leaderboard", "next", "end")
    versions.append(workshop.version)
    assert versions == [*range(1, 9), 11]


def test_an_action_that_does_not_fit_changes_nothing(workshop):
    with pytest.raises(ActionNotAllowedError, match="Start the workshop first"):
        workshop.control("next")
    workshop.control("start")
    version = workshop.version
    for action, reason in [
        ("start", "already started"),
        ("previous", "first item"),
        ("open", "not a question"),
        ("reveal", "not a question"),
    ]:
        with pytest.raises(ActionNotAllowedError, match=reason):
            workshop.control(action)
    act(workshop, "next", "open")
    with pytest.raises(ActionNotAllowedError, match="open already"):
        workshop.control("open")
    act(workshop, "reveal")
    with pytest.raises(ActionNotAllowedError, match="already revealed"):
        workshop.control("reveal")
    act(workshop, "next")
    with pytest.raises(ActionNotAllowedError, match="last item"):
        workshop.control("next")
    workshop.refresh_from_db()
    assert workshop.version == version + 4


def test_an_unknown_action_is_a_programming_error(workshop):
    with pytest.raises(ValueError, match="unknown host action"):
        workshop.control("_end")


def test_a_workshop_without_items_cannot_start(course, facilitator):
    empty = Workshop.objects.create_from(host=facilitator, title="Empty", items=[])
    with pytest.raises(ActionNotAllowedError, match="at least one item"):
        empty.control("start")


def test_moving_on_or_ending_closes_answering(workshop):
    item = open_question(workshop)
    workshop.control("next")
    item.refresh_from_db()
    assert item.phase == WorkshopItem.Phase.CLOSED
    act(workshop, "previous", "open", "end")
    item.refresh_from_db()
    assert item.phase == WorkshopItem.Phase.CLOSED
    assert workshop.is_ended
    assert workshop.ended_at
    with pytest.raises(ActionNotAllowedError, match="has ended"):
        workshop.control("end")


def test_answers_are_taken_only_while_answering_is_open(workshop, clock):
    participant = workshop.join("Pat")
    workshop.control("start")
    workshop.control("next")
    item = workshop.current_item()
    for actions in [(), ("open", "close"), ("reveal",)]:
        act(workshop, *actions)
        clock.advance(ANSWER_GRACE + timedelta(seconds=1))
        item.refresh_from_db()
        with pytest.raises(AnsweringClosedError):
            participant.answer(item, **right_selection(item))
    assert not LiveAnswer.objects.exists()


def test_the_first_answer_stands(workshop):
    participant = workshop.join("Pat")
    item = open_question(workshop)
    wrong = [c.pk for c in item.question.choices.all() if not c.is_correct][:1]
    first, created = participant.answer(item, choice_ids=wrong)
    again, created_again = participant.answer(item, **right_selection(item))
    assert (created, created_again) == (True, False)
    assert again == first
    assert again.score == 0
    assert list(again.choices.values_list("pk", flat=True)) == wrong


def test_the_database_allows_one_answer_per_participant_and_item(workshop):
    participant = workshop.join("Pat")
    item = open_question(workshop)
    participant.answer(item, **right_selection(item))
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveAnswer.objects.create(participant=participant, item=item, score=1)


@pytest.mark.parametrize(
    ("slug", "expected"),
    [(SINGLE, 1.0), (MULTIPLE, 1 / 3), (CLASSIFY, 0.0)],
)
def test_answers_are_scored_by_the_quiz_rules(course, facilitator, slug, expected):
    workshop = make_workshop(facilitator, question(slug))
    participant = workshop.join("Pat")
    item = open_question(workshop)
    selection = right_selection(item)
    if slug == MULTIPLE:  # one of the three right choices only
        selection["choice_ids"] = selection["choice_ids"][:1]
    if slug == CLASSIFY:  # every layer on the wrong side
        flip = {"aws": "customer", "customer": "aws"}
        selection["placements"] = {k: flip[v] for k, v in selection["placements"].items()}
    answer, _created = participant.answer(item, **selection)
    assert answer.score == pytest.approx(expected)


def test_display_names_are_unique_in_a_workshop_whatever_their_case(workshop, course):
    workshop.join("Pat Smith")
    with pytest.raises(NameTakenError):
        workshop.join("pat smith")
    # The database holds the rule on the name's key (workshops/names.py).
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(workshop=workshop, name="PAT SMITH", name_key="pat smith")
    other = make_workshop(workshop.host)
    assert other.join("Pat Smith").name == "Pat Smith"


def test_an_account_is_one_participant_per_workshop(workshop, learner):
    first = workshop.join("Alice", learner)
    assert workshop.join("Another name", learner) == first
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(workshop=workshop, name="Third", user=learner)


def test_an_item_shows_exactly_what_its_kind_says(workshop):
    ec2 = Service.objects.get(slug="ec2")
    bad_items = [
        WorkshopItem(kind=ItemKind.SLIDE, title=""),
        WorkshopItem(kind=ItemKind.SLIDE, title="Slide", service=ec2),
        WorkshopItem(kind=ItemKind.LAYER, service=ec2),
        WorkshopItem(kind=ItemKind.QUESTION, title="Extra"),
        WorkshopItem(kind="video", title="Clip"),
    ]
    for position, item in enumerate(bad_items, start=10):
        item.workshop, item.position = workshop, position
        with pytest.raises(IntegrityError), transaction.atomic():
            item.save()


def test_items_can_change_only_before_the_start(workshop):
    items = list(workshop.items.all())
    workshop.move_item(items[2], up=True)
    workshop.move_item(items[0], up=True)  # already first: nothing moves
    assert [i.pk for i in workshop.items.all()] == [items[0].pk, items[2].pk, items[1].pk]
    workshop.remove_item(items[2])
    workshop.add_item(slide("The end"))
    assert [i.heading for i in workshop.items.all()][-1] == "The end"
    workshop.control("start")
    for change in [
        lambda: workshop.add_item(slide()),
        lambda: workshop.remove_item(items[0]),
        lambda: workshop.move_item(items[1], up=True),
        lambda: workshop.update_item(items[0]),
    ]:
        with pytest.raises(ActionNotAllowedError, match="can no longer change"):
            change()
    assert workshop.items.count() == 3


def test_the_tally_counts_answers_per_choice_and_per_layer(course, facilitator):
    workshop = make_workshop(facilitator, question(MULTIPLE), question(CLASSIFY))
    add_participants(workshop, 3)
    people = list(workshop.participants.all())
    first = open_question(workshop)
    right = right_selection(first)["choice_ids"]
    people[0].answer(first, choice_ids=right)
    people[1].answer(first, choice_ids=right[:1])
    act(workshop, "next", "open")
    second = workshop.current_item()
    people[0].answer(second, **right_selection(second))
    tallies = tally([first, second])
    assert (tallies[first.pk].answered, tallies[first.pk].full_marks) == (2, 1)
    ((_label, bars),) = tallies[first.pk].groups
    assert [bar.count for bar in bars if bar.is_right] == [2, 1, 1]
    assert sum(bar.count for bar in bars if not bar.is_right) == 0
    assert tallies[first.pk].percent_right == 50
    groups = tallies[second.pk].groups
    assert len(groups) == len(second.question.classify_layers)
    for _layer_name, (aws, customer) in groups:
        right_bar, wrong_bar = (aws, customer) if aws.is_right else (customer, aws)
        assert (right_bar.count, wrong_bar.count, right_bar.total) == (1, 0, 1)


def test_scores_count_only_the_questions_asked(course, facilitator, learner):
    workshop = make_workshop(facilitator, question(SINGLE), question(MULTIPLE), slide())
    me = workshop.join("Alice", learner)
    item = open_question(workshop)
    me.answer(item, **right_selection(item))
    act(workshop, "next", "next", "end")  # the second question was never opened
    (record,) = Participant.objects.records_for(learner)
    assert (record.answered, record.asked, record.percent) == (1, 1, 100)
    assert record.workshop == workshop
