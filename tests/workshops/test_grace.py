"""The grace rule: an answer sent while answering was open counts, even if a busy server
reaches it a moment after answering closed; one that comes later is refused."""

from datetime import timedelta

import pytest

from workshops.models import ANSWER_GRACE, AnsweringClosedError, LiveAnswer

from .conftest import act, join, open_question, right_post, right_selection

pytestmark = pytest.mark.django_db
JUST_INSIDE = ANSWER_GRACE - timedelta(milliseconds=100)
JUST_OUTSIDE = ANSWER_GRACE + timedelta(milliseconds=100)


@pytest.mark.parametrize("stop", ["close", "reveal", "next", "end"])
@pytest.mark.parametrize(("late_by", "counts"), [(JUST_INSIDE, True), (JUST_OUTSIDE, False)])
def test_an_answer_counts_if_it_arrives_within_the_grace(workshop, clock, stop, late_by, counts):
    participant = workshop.join("Pat")
    item = open_question(workshop)
    act(workshop, stop)
    clock.advance(late_by)
    item.refresh_from_db()
    if counts:
        answer, created = participant.answer(item, **right_selection(item))
        assert (created, answer.score) == (True, 1)
    else:
        with pytest.raises(AnsweringClosedError):
            participant.answer(item, **right_selection(item))
        assert not LiveAnswer.objects.exists()


def test_the_grace_runs_from_the_last_close_and_never_before_answering_opened(workshop, clock):
    # Untimed: a 20 s deadline would itself close answering while the clock runs on.
    workshop.items.update(time_limit=None)
    participant = workshop.join("Pat")
    workshop.control("start")
    workshop.control("next")
    item = workshop.current_item()
    with pytest.raises(AnsweringClosedError):  # not opened yet: no grace to speak of
        participant.answer(item, **right_selection(item))
    act(workshop, "open", "close")
    clock.advance(JUST_OUTSIDE)
    act(workshop, "open")
    clock.advance(ANSWER_GRACE * 2)  # open again: no deadline from the first close
    act(workshop, "close")
    clock.advance(JUST_INSIDE)
    item.refresh_from_db()
    assert participant.answer(item, **right_selection(item))[1]


def test_a_late_post_is_stored_and_the_page_states_the_rule(workshop, clock):
    browser, _participant = join(workshop)
    item = open_question(workshop)
    page = browser.get(f"/join/{workshop.code}/").text
    seconds = int(ANSWER_GRACE.total_seconds())
    assert f"even if it reaches us up to {seconds} seconds later" in page
    act(workshop, "close")
    clock.advance(JUST_INSIDE)
    response = browser.post(f"/join/{workshop.code}/items/{item.pk}/answer", right_post(item))
    assert response.status_code == 302
    assert LiveAnswer.objects.get().item == item
