"""The room's rules on the server: deadlines, points and places, removal, renaming,
jumping, locking, joining names, rate limits, and live answers in the statistics."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from quiz.models import Question
from workshops import views
from workshops.models import (
    ANSWER_GRACE,
    ActionNotAllowedError,
    AnsweringClosedError,
    NameTakenError,
    RoomLockedError,
    WorkshopItem,
    tally,
)

from .conftest import (
    MULTIPLE,
    SINGLE,
    act,
    join,
    make_workshop,
    open_question,
    question,
    right_post,
    right_selection,
    slide,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def wrong_selection(item):
    return {"choice_ids": [c.pk for c in item.question.choices.all() if not c.is_correct][:1]}


def past_deadline(item):
    """The deadline passed longer ago than the grace for answers in flight."""
    late = timezone.now() - ANSWER_GRACE - timedelta(seconds=1)
    WorkshopItem.objects.filter(pk=item.pk).update(deadline=late)


# Timed questions ---------------------------------------------------------------------


def test_opening_a_timed_question_stores_its_deadline(workshop):
    item = open_question(workshop)
    assert item.time_limit == 20  # the default, copied from the form or plan
    assert item.deadline - item.opened_at == timedelta(seconds=20)
    assert 19 <= item.seconds_left() <= 20


def test_an_untimed_question_has_no_deadline(course, facilitator):
    workshop = make_workshop(facilitator, question(SINGLE, time_limit=None))
    item = open_question(workshop)
    assert item.deadline is None
    assert item.seconds_left() is None


def test_an_answer_just_after_the_deadline_counts_within_the_grace(workshop):
    participant = workshop.join("Pat")
    item = open_question(workshop)
    WorkshopItem.objects.filter(pk=item.pk).update(deadline=timezone.now() - ANSWER_GRACE / 2)
    answer, _created = participant.answer(item, **right_selection(item))
    assert answer.points == 500  # no time left: the base points only


def test_an_answer_after_the_deadline_is_refused_as_after_close(workshop):
    participant = workshop.join("Pat")
    item = open_question(workshop)
    past_deadline(item)
    with pytest.raises(AnsweringClosedError):
        participant.answer(item, **right_selection(item))
    assert not participant.answers.exists()


def test_answering_closes_by_itself_at_the_deadline_once(workshop):
    item = open_question(workshop)
    version = workshop.version
    assert not workshop.close_answering_if_due()  # not yet
    past_deadline(item)
    assert workshop.close_answering_if_due()
    assert not workshop.close_answering_if_due()  # a second caller changes nothing
    item.refresh_from_db()
    assert item.phase == WorkshopItem.Phase.CLOSED
    assert workshop.version == version + 1


def test_the_phones_poll_sees_the_deadline_pass(workshop):
    browser, _participant = join(workshop)
    item = open_question(workshop)
    version = workshop.version
    url = f"/join/{workshop.code}/state?v={version}"
    assert browser.get(url, headers=HTMX).status_code == 204
    past_deadline(item)
    response = browser.get(url, headers=HTMX)
    assert response.status_code == 200
    assert "Time is up" in response.text
    assert f"?v={version + 1}" in response.text


def test_a_late_answer_from_the_phone_says_so_and_stores_nothing(workshop):
    browser, participant = join(workshop)
    item = open_question(workshop)
    past_deadline(item)
    response = browser.post(f"/join/{workshop.code}/items/{item.pk}/answer", right_post(item))
    assert response.status_code == 302
    assert not participant.answers.exists()


def test_reopening_gives_the_whole_time_again(workshop):
    item = open_question(workshop)
    past_deadline(item)
    act(workshop, "close", "open")
    item.refresh_from_db()
    assert item.deadline > timezone.now() + timedelta(seconds=18)


def test_the_countdown_comes_from_the_server_deadline(workshop, facilitator_client):
    browser, _participant = join(workshop)
    item = open_question(workshop)
    html = browser.get(workshop.join_url).text
    assert f'data-deadline="{item.deadline.isoformat()}"' in html
    assert 'class="countdown"' in html
    assert 'data-deadline="' in facilitator_client.get(workshop.present_url).text


# Points and places -------------------------------------------------------------------


def test_answers_earn_points_by_the_rule_and_the_phone_shows_them_after_the_reveal(workshop):
    browser, pat = join(workshop, "Pat")
    sam = workshop.join("Sam")
    item = open_question(workshop)
    pat.answer(item, **right_selection(item))
    sam.answer(item, **wrong_selection(item))
    earned = pat.answers.get().points
    assert 950 <= earned <= 1000  # answered at once: close to the most
    assert sam.answers.get().points == 0
    assert "+" + str(earned) not in browser.get(workshop.join_url).text  # not before
    act(workshop, "reveal")
    html = browser.get(workshop.join_url).text
    assert f"+{earned}</strong> you are 1st of 2" in html
    assert workshop.standing_of(sam) == (0, 2, 2)


def test_partly_right_answers_earn_part_of_the_points(course, facilitator):
    workshop = make_workshop(facilitator, question(MULTIPLE))
    participant = workshop.join("Pat")
    item = open_question(workshop)
    right = right_selection(item)["choice_ids"]
    assert len(right) >= 2
    participant.answer(item, choice_ids=right[:1])
    answer = participant.answers.get()
    assert 0 < answer.score < 1
    assert answer.points == pytest.approx(1000 * answer.score, abs=30)


def test_a_workshop_without_points_shows_no_points(workshop):
    workshop.ranked = False
    workshop.save()
    browser, participant = join(workshop)
    item = open_question(workshop)
    participant.answer(item, **right_selection(item))
    act(workshop, "reveal")
    assert "you are 1st" not in browser.get(workshop.join_url).text


# Removing and renaming ---------------------------------------------------------------


def test_a_removed_participant_drops_out_of_the_counts_and_cannot_come_back(
    workshop, facilitator_client
):
    browser, pat = join(workshop, "Pat")
    sam = workshop.join("Sam")
    item = open_question(workshop)
    pat.answer(item, **right_selection(item))
    sam.answer(item, **right_selection(item))
    assert tally([item])[item.pk].answered == 2
    response = facilitator_client.post(
        f"/workshops/{workshop.code}/host/people/{pat.pk}/remove", headers=HTMX
    )
    assert "Pat was removed" in response.text
    assert tally([item])[item.pk].answered == 1
    assert workshop.participant_count() == 1
    assert [p.name for p in workshop.leaderboard()] == ["Sam"]
    # Their page says so, and stops asking.
    html = browser.get(workshop.join_url).text
    assert "You were removed from this workshop" in html
    poll = browser.get(f"/join/{workshop.code}/state?v=1", headers=HTMX)
    assert poll.status_code == 286
    assert "You were removed" in poll.text
    # No more answers, and no way back under that name (or a look-alike).
    act(workshop, "next")
    with pytest.raises(NameTakenError):
        workshop.join("PAT")
    response = Client().post("/join/", {"code": workshop.code, "name": "pat"})
    assert "already uses this name" in response.text


def test_the_host_renames_on_request(workshop, facilitator_client):
    pat = workshop.join("Pat")
    workshop.join("Sam")
    url = f"/workshops/{workshop.code}/host/people/{pat.pk}/"
    assert "Rename" in facilitator_client.get(url).text
    response = facilitator_client.post(url, {"name": "\uff33\uff41\uff4d"})
    assert "already uses this name" in response.text
    response = facilitator_client.post(url, {"name": "Patricia"})
    assert response.status_code == 302
    pat.refresh_from_db()
    assert pat.name == "Patricia"
    assert facilitator_client.post(url, {"name": "\u202eevil"}).status_code == 200
    pat.refresh_from_db()
    assert pat.name == "Patricia"


def test_people_pages_check_ownership(workshop, client, other_facilitator):
    pat = workshop.join("Pat")
    client.force_login(other_facilitator)
    assert client.get(f"/workshops/{workshop.code}/host/people/{pat.pk}/").status_code == 403
    remove = f"/workshops/{workshop.code}/host/people/{pat.pk}/remove"
    assert client.post(remove).status_code == 403
    pat.refresh_from_db()
    assert not pat.is_removed


# Jumping and locking -----------------------------------------------------------------


def test_the_host_jumps_to_any_item(workshop, facilitator_client):
    act(workshop, "start")
    control = f"/workshops/{workshop.code}/host/control"
    response = facilitator_client.post(control, {"action": "goto", "position": 3})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.current_position == 3
    with pytest.raises(ActionNotAllowedError, match="no such item"):
        workshop.control("goto", 99)
    assert facilitator_client.post(control, {"action": "goto", "position": "x"}).status_code == 400


def test_a_jump_away_closes_answering(workshop):
    item = open_question(workshop)
    workshop.control("goto", 1)
    item.refresh_from_db()
    assert item.phase == WorkshopItem.Phase.CLOSED


def test_a_locked_room_takes_no_one_new_but_keeps_who_is_in(workshop, learner):
    pat_browser, _pat = join(workshop, "Pat")
    member = workshop.join("Lee", learner)
    act(workshop, "lock")
    with pytest.raises(RoomLockedError):
        workshop.join("Newcomer")
    assert workshop.join("Lee again", learner) == member  # an account already in
    response = Client().post("/join/", {"code": workshop.code, "name": "Newcomer"})
    assert response.status_code == 200
    assert "closed this workshop to new people" in response.text
    assert pat_browser.get(workshop.join_url).status_code == 200
    act(workshop, "unlock")
    workshop.join("Newcomer")


# Names at the door -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u0410lice", "already uses this name"),  # Cyrillic A
        ("\uff21\uff4c\uff49\uff43\uff45", "already uses this name"),  # full-width
        ("Ali\u200bce", "hidden or text-reversing characters"),  # zero-width space
    ],
)
def test_a_look_alike_cannot_sit_beside_alice(workshop, name, message):
    workshop.join("Alice")
    response = Client().post("/join/", {"code": workshop.code, "name": name})
    assert response.status_code == 200
    assert message in response.text
    assert workshop.participants.count() == 1


# Rate limits -------------------------------------------------------------------------


def test_join_attempts_are_limited_per_address_with_a_clear_page(workshop):
    browser = Client()
    for _attempt in range(views.JOIN_LIMIT):
        assert browser.post("/join/", {"code": "ZZZZZZ", "name": "x"}).status_code == 200
    response = browser.post("/join/", {"code": workshop.code, "name": "Pat"})
    assert response.status_code == 429
    assert "Too many tries" in response.text
    assert not workshop.participants.exists()


def test_code_guesses_are_limited_per_address(workshop, monkeypatch):
    monkeypatch.setattr(views, "CODE_GUESS_LIMIT", 3)
    browser = Client()
    for _guess in range(3):
        assert browser.get("/join/ZZZZZZ/").status_code == 404
    response = browser.get(f"/join/{workshop.code}/")
    assert response.status_code == 429
    assert "Too many tries" in response.text


LIMIT_FROM_ANOTHER_PROCESS = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "sharedresp.settings"
django.setup()
from django.conf import settings
settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                               "LOCATION": sys.argv[1]}}
from django.test import RequestFactory
from quiz.ratelimit import over_limit
from workshops import views
views.JOIN_WINDOW = int(sys.argv[2])
request = RequestFactory().post("/join/", REMOTE_ADDR="127.0.0.1")
for _ in range(views.JOIN_LIMIT):
    over_limit(request, "workshop-join", views.JOIN_LIMIT, views.JOIN_WINDOW)
"""


def test_the_join_limit_holds_across_processes_through_the_shared_cache(
    workshop, tmp_path, settings, monkeypatch
):
    # One window for the whole test: counts are kept per minute, and the two processes
    # must not count in two minutes either side of one.
    monkeypatch.setattr(views, "JOIN_WINDOW", 10**9)
    shared = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        },
    }
    subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", LIMIT_FROM_ANOTHER_PROCESS, str(tmp_path), str(views.JOIN_WINDOW)],
        check=True,
        env={"DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    with override_settings(CACHES=shared):
        response = Client().post("/join/", {"code": workshop.code, "name": "Pat"})
    assert response.status_code == 429


# Live answers in the question statistics ---------------------------------------------


def test_live_answers_of_logged_in_people_count_in_the_statistics(workshop, learner):
    member = workshop.join("Lee", learner)
    guest = workshop.join("Guest")
    item = open_question(workshop)
    member.answer(item, **wrong_selection(item))
    guest.answer(item, **right_selection(item))

    def row():
        return next(r for r in Question.objects.statistics() if r.question.slug == SINGLE)

    stats = row()
    assert stats.answered == 1  # the guest's answer is not the site's to count
    assert stats.percent_correct == 0
    assert sum(count for _text, count in stats.wrong) == 1
    workshop.remove(member)
    assert row().answered == 0


def test_slides_keep_only_safe_links_and_local_images(course, facilitator):
    body = (
        "[ok](https://docs.aws.amazon.com/) [bad](javascript:alert(1)) "
        "[data](data:text/html,hi) ![out](https://tracker.example/p.png) "
        "![in](/static/img/favicon.svg) [here](/lessons/)"
    )
    workshop = make_workshop(facilitator, slide(body=body))
    html = str(workshop.items.get().body_html)
    assert 'href="https://docs.aws.amazon.com/"' in html
    assert 'href="/lessons/"' in html
    assert 'src="/static/img/favicon.svg"' in html
    assert "javascript:" not in html
    assert "data:" not in html
    assert "tracker.example" not in html
    assert "<span>bad</span>" in html
    assert "<span>out</span>" in html
