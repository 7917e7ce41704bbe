"""A live workshop in two browsers: the host's projector and a participant's phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_practice_quiz import log_in
from tests.workshops.conftest import SINGLE, layer, make_workshop, question, roles, slide  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles"),
]
# Participants poll every 2 s: each change must show within 3 s of the host's action.
FOLLOW = 3_000


def test_host_and_participant_run_a_workshop(course, facilitator, new_page):
    workshop = make_workshop(
        facilitator,
        slide("Welcome", "Two owners, one house."),
        question(SINGLE),
        layer("ec2", "operating-system"),
        title="Browser workshop",
    )
    host, host_watcher = new_page()
    log_in(host, facilitator)
    host.get_by_role("link", name="Workshops").click()
    host.get_by_role("link", name="Host console").click()
    qr = host.get_by_role("img", name=re.compile(rf"QR code .*join.{workshop.code}"))
    expect(qr).to_be_visible()
    assert host.evaluate("(img) => img.naturalWidth > 0", qr.element_handle())
    host_watcher.check()

    # The participant types the code shown on the projector, in lower case.
    phone, phone_watcher = new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/join/")
    phone.get_by_label("Join code").fill(workshop.code.lower())
    phone.get_by_label("Your display name").fill("Pat")
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_text("You joined as Pat")).to_be_visible()
    expect(phone.get_by_role("heading", name="You are in")).to_be_visible()
    phone_watcher.check()
    expect(host.locator("#host-live")).to_contain_text("1 joined", timeout=FOLLOW)

    host.get_by_role("button", name="Start the workshop").click()
    expect(host.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(host.get_by_role("button", name=re.compile("Next"))).to_be_focused()
    expect(phone.get_by_role("heading", name="Welcome")).to_be_visible(timeout=FOLLOW)
    expect(phone.locator("#live-announcer")).to_have_text("Now showing: Welcome")

    host.keyboard.press("ArrowRight")  # the arrow keys pace the room too
    expect(host.get_by_text("Item 2 of 3")).to_be_visible()
    host.get_by_role("button", name="Open answering").click()
    expect(host.get_by_role("button", name="Close answering")).to_be_visible()
    answer = phone.get_by_label("Physical facilities, network and hypervisor.")
    expect(answer).to_be_visible(timeout=FOLLOW)
    expect(phone.locator("#live-announcer")).to_have_text("Answering is open.")
    host_watcher.check()
    phone_watcher.check()

    answer.check()
    phone.get_by_role("button", name="Send answer").click()
    receipt = phone.get_by_role("heading", name="Answer received")
    expect(receipt).to_be_focused()
    expect(phone.get_by_text("Right answer", exact=True)).to_have_count(0)
    expect(host.locator("#host-live")).to_contain_text("1 answered", timeout=FOLLOW)
    expect(host.locator("#host-live meter").first).to_have_attribute("value", "1")

    host.get_by_role("button", name="Reveal the answer").click()
    expect(host.locator(".bar--right")).to_contain_text("Right answer")
    expect(host.get_by_text("Why", exact=True)).to_be_visible()
    expect(phone.get_by_role("heading", name="Correct")).to_be_visible(timeout=FOLLOW)
    host_watcher.check()
    phone_watcher.check()

    host.get_by_role("button", name=re.compile("Next")).click()
    heading = phone.get_by_role("heading", level=2, name="Operating system on Amazon EC2")
    expect(heading).to_be_visible(timeout=FOLLOW)
    expect(heading).to_be_focused()  # a new item takes focus, and says so
    phone_watcher.check()

    host.once("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="End the workshop").click()
    expect(host.get_by_role("heading", name="The workshop has ended")).to_be_visible()
    expect(phone.get_by_text("Your score: 100%")).to_be_visible(timeout=FOLLOW)
    host.get_by_role("link", name="See the results and download them").click()
    expect(host.get_by_role("cell", name="Pat")).to_be_visible()
    host_watcher.check()
    phone_watcher.check()


def test_a_participant_page_survives_a_dropped_connection(course, facilitator, new_page):
    workshop = make_workshop(facilitator, slide("First", "One."), slide("Second", "Two."))
    phone, watcher = new_page()
    phone.goto(f"/join/{workshop.code}/")
    phone.get_by_label("Your display name").fill("Pat")
    phone.get_by_role("button", name="Join").click()
    workshop.control("start")
    expect(phone.get_by_role("heading", name="First")).to_be_visible(timeout=FOLLOW)

    phone.context.set_offline(True)
    expect(phone.get_by_role("status").filter(has_text="Connection lost")).to_be_visible(
        timeout=FOLLOW
    )
    workshop.control("next")
    phone.context.set_offline(False)
    expect(phone.get_by_role("heading", name="Second")).to_be_visible(timeout=FOLLOW)
    expect(phone.get_by_text("Connection lost")).to_be_hidden()
    # Offline requests log console errors; only the policy and axe are checked here.
    watcher.errors.clear()
    watcher.check()
