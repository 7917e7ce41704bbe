"""A phone follows the host over the stream, and makes no timed polls while it is open."""

import re

import pytest
from playwright.sync_api import expect

from tests.workshops.conftest import make_workshop, roles  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles"),
]
# Longer than two poll intervals (2 s): a page that polled would have asked twice.
IDLE_MS = 4_500


def join_on_a_phone(new_page, workshop):
    phone, watcher = new_page()
    phone.set_viewport_size({"width": 360, "height": 740})
    polls = []
    phone.on("request", lambda request: "/state" in request.url and polls.append(request.url))
    phone.goto(f"/join/{workshop.code}/")
    phone.get_by_label("Your display name").fill("Pat")
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You are in")).to_be_visible()
    return phone, watcher, polls


def test_a_phone_follows_the_stream_without_polling(course, facilitator, new_page, settings):
    settings.REDIS_URL = ""
    settings.LIVE_STREAM_WSGI_SECONDS = 30  # the live server is a WSGI server
    workshop = make_workshop(facilitator)
    phone, watcher, polls = join_on_a_phone(new_page, workshop)
    expect(phone.locator("html")).to_have_attribute("data-live", "streaming")
    phone.wait_for_load_state("networkidle")  # the catch-up fetch made when it opened
    polls.clear()
    phone.wait_for_timeout(IDLE_MS)
    assert polls == [], "an idle room with the stream open costs no requests"

    workshop.control("start")
    heading = phone.get_by_role("heading", name="A slide")
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    expect(phone.locator("#live-announcer")).to_have_text("Now showing: A slide")
    workshop.control("next")
    expect(phone.get_by_role("button", name="Lock in my answer")).to_have_count(0)
    workshop.control("open")
    phone.get_by_label("Physical facilities, network and hypervisor.").check()
    phone.get_by_role("button", name="Lock in my answer").click()
    expect(phone.get_by_role("heading", name="Locked in")).to_be_focused()
    # Each new page came in the stream: not one fetch, let alone a poll.
    assert polls == []
    phone.wait_for_timeout(IDLE_MS)
    assert polls == []
    watcher.check()

    # The end too: the phone's own points and place arrive in the stream.
    for action in ("close", "reveal", "end"):
        workshop.control(action)
    expect(phone.get_by_role("heading", name="The workshop has ended")).to_be_focused()
    expect(phone.get_by_text(re.compile(r"points: you came 1st of 1\."))).to_be_visible()
    assert polls == []
    watcher.check()


def test_without_a_stream_the_phone_polls_every_2_seconds(course, facilitator, new_page, settings):
    settings.LIVE_STREAM_WSGI_SECONDS = 0  # the server answers 204: no stream
    workshop = make_workshop(facilitator)
    phone, watcher, polls = join_on_a_phone(new_page, workshop)
    expect(phone.locator("html")).to_have_attribute("data-live", "polling")
    polls.clear()
    phone.wait_for_timeout(IDLE_MS)
    assert len(polls) >= 2
    workshop.control("start")
    expect(phone.get_by_role("heading", name="A slide")).to_be_visible()
    assert re.search(r"\?v=\d+$", polls[-1])
    watcher.check()
