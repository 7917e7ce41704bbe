"""A live workshop in real browsers: a presenter on the projector, the host's console,
and three phones at 360 px, through a timed question to the podium."""

import re

import pytest
from playwright.sync_api import expect

from quiz.models import Incident
from tests.browser.conftest import PageWatcher
from tests.browser.test_practice_quiz import log_in
from tests.workshops.conftest import SINGLE, layer, make_workshop, question, roles, slide  # noqa: F401
from workshops.models import ItemKind, WorkshopItem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles"),
]
# Pages poll every 2 s: each change must show within 3 s of the host's action.
FOLLOW = 3_000
# The question's time limit, set in the plan: short, so the test waits for the real
# deadline, yet long enough for two phones to answer on a busy machine.
SECONDS = 15
RIGHT = "Physical facilities, network and hypervisor."
WRONG = "Hypervisor, operating system and application."


def assert_fits(page):
    """The presenter never scrolls: nothing taller or wider than the screen."""
    size = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
        " innerWidth, innerHeight]"
    )
    assert size[0] <= size[2], f"presenter scrolls sideways: {size}"
    assert size[1] <= size[3], f"presenter scrolls down: {size}"


def forgive_cancelled_polls(watcher):
    """An answer sent while the page's poll is in flight cancels the poll (hx-sync
    "replace", so the answer is never dropped); htmx logs each cancellation as an error."""
    watcher.errors = [
        error
        for error in watcher.errors
        if not re.match(r"console: htmx:(sendAbort|afterRequest), ", error)
    ]


def join_by_phone(new_page, code, name):
    phone, watcher = new_page()
    phone.set_viewport_size({"width": 360, "height": 740})
    phone.goto("/join/")
    phone.get_by_label("Join code").fill(code.lower())  # typed off the projector
    phone.get_by_label("Your display name").fill(name)
    phone.get_by_role("button", name="Join").click()
    expect(phone.locator(".room-bar__me")).to_contain_text(name)
    expect(phone.get_by_role("heading", name="You are in")).to_be_visible()
    return phone, watcher


def test_a_room_runs_a_timed_question_to_the_podium(course, facilitator, new_page):
    workshop = make_workshop(
        facilitator,
        slide("Welcome", "Two owners, one house."),
        question(SINGLE, time_limit=SECONDS),
        layer("ec2", "operating-system"),
        title="Browser workshop",
    )
    host, host_watcher = new_page()
    host.set_viewport_size({"width": 1280, "height": 800})
    log_in(host, facilitator)
    host.get_by_role("link", name="Workshops").click()
    host.get_by_role("link", name="Host console").click()
    expect(host.locator(".site-header")).to_have_count(0)
    # The presenter: the same browser, another window, on the projector.
    with host.context.expect_page() as opened:
        host.get_by_role("link", name="Open the presenter screen").click()
    screen = opened.value
    screen_watcher = PageWatcher(screen)
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.reload()
    qr = screen.get_by_role("img", name=re.compile(rf"QR code .*join.{workshop.code}"))
    expect(qr).to_be_visible()
    assert screen.evaluate("(img) => img.naturalWidth > 0", qr.element_handle())
    expect(screen.locator(".lobby__code")).to_contain_text(
        f"{workshop.code[:3]} {workshop.code[3:]}"
    )
    assert_fits(screen)
    screen_watcher.check()
    host_watcher.check()

    phones = [join_by_phone(new_page, workshop.code, name) for name in ["Ana", "Ben", "Cy"]]
    expect(screen.locator(".lobby__number")).to_have_text("3", timeout=FOLLOW)
    expect(screen.locator(".name-chip").first).to_have_text("Cy")  # newest first
    expect(host.locator(".room__number")).to_have_text("3", timeout=FOLLOW)
    phones[0][1].check()

    host.get_by_role("button", name="Start the workshop").click()
    expect(host.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(host.get_by_role("button", name=re.compile("Next"))).to_be_focused()
    expect(screen.get_by_role("heading", name="Welcome")).to_be_visible(timeout=FOLLOW)
    expect(screen.locator(".corner-join")).to_contain_text(workshop.code[:3])
    for phone, _watcher in phones:
        expect(phone.get_by_role("heading", name="Welcome")).to_be_visible(timeout=FOLLOW)
    assert_fits(screen)

    host.keyboard.press("ArrowRight")  # the arrow keys pace the room too
    expect(host.get_by_text("2 of 3 · Question")).to_be_visible()
    host.get_by_role("button", name=f"Open answering ({SECONDS} s)").click()
    expect(host.get_by_role("button", name="Close answering")).to_be_visible()
    expect(screen.locator(".countdown")).to_be_visible(timeout=FOLLOW)
    expect(screen.locator(".tile")).to_have_count(4)
    assert_fits(screen)
    screen_watcher.check()

    # Two phones answer; the third is too slow.
    for (phone, _watcher), choice in zip(phones[:2], [RIGHT, WRONG], strict=True):
        pick = phone.get_by_label(choice)
        expect(pick).to_be_visible(timeout=FOLLOW)
        expect(phone.locator(".countdown")).to_be_visible()
        pick.check()
        phone.get_by_role("button", name="Lock in my answer").click()
        expect(phone.get_by_role("heading", name="Locked in")).to_be_focused()
    forgive_cancelled_polls(phones[0][1])
    phones[0][1].check()
    expect(host.locator("#host-live .count__number")).to_have_text("2", timeout=FOLLOW)
    expect(screen.locator(".present__answered strong")).to_have_text("2", timeout=FOLLOW)

    # The deadline passes: answering closes by itself everywhere, without the host.
    late = phones[2][0]
    expect(late.get_by_text("Time is up")).to_be_visible(timeout=SECONDS * 1000 + FOLLOW)
    assert WorkshopItem.objects.get(workshop=workshop, position=2).phase == "closed"
    expect(late.get_by_role("button", name="Lock in my answer")).to_have_count(0)
    expect(screen.locator(".tile__count").first).to_contain_text("1 answer · 50%")
    expect(host.get_by_role("button", name="Open answering")).to_be_visible(timeout=FOLLOW)
    assert_fits(screen)

    host.get_by_role("button", name="Reveal the answer").click()
    expect(screen.locator(".tile--right")).to_contain_text("Right answer", timeout=FOLLOW)
    expect(screen.get_by_text("Why", exact=True)).to_be_visible()
    assert_fits(screen)
    expect(phones[0][0].get_by_role("heading", name="Right!")).to_be_visible(timeout=FOLLOW)
    expect(phones[0][0].locator(".standing")).to_contain_text("you are 1st of 3")
    expect(phones[1][0].locator(".standing")).to_contain_text("+0")
    expect(phones[2][0].get_by_role("heading", name="No answer this time")).to_be_visible()
    for _phone, watcher in phones:
        forgive_cancelled_polls(watcher)
        watcher.check()
    screen_watcher.check()
    host_watcher.check()

    host.once("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="End the workshop").click()
    expect(host.get_by_role("heading", name="The workshop has ended")).to_be_visible()
    expect(screen.locator(".podium__step")).to_have_count(3, timeout=FOLLOW)
    expect(screen.locator(".podium__step--1")).to_contain_text("Ana")
    assert_fits(screen)
    screen_watcher.check()
    expect(phones[0][0].get_by_text("you came 1st of 3")).to_be_visible(timeout=FOLLOW)
    forgive_cancelled_polls(phones[0][1])
    phones[0][1].check()
    host.get_by_role("link", name="See the results and download them").click()
    expect(host.get_by_role("cell", name="Ana")).to_be_visible()


def test_the_presenter_fits_a_720p_projector(course, facilitator, new_page):
    workshop = make_workshop(facilitator, question(SINGLE), title="Small projector")
    screen, watcher = new_page()
    screen.set_viewport_size({"width": 1280, "height": 720})
    log_in(screen, facilitator)
    screen.goto(workshop.present_url)
    assert_fits(screen)
    workshop.control("start")
    workshop.control("open")
    expect(screen.locator(".countdown")).to_be_visible(timeout=FOLLOW)
    assert_fits(screen)
    workshop.control("reveal")
    expect(screen.locator(".present__why")).to_be_visible(timeout=FOLLOW)
    assert_fits(screen)
    watcher.check()


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


def test_an_incident_card_runs_on_the_presenter_and_a_phone(course, facilitator, new_page):
    card = Incident.objects.get(slug="ec2-critical-os-flaw")
    workshop = make_workshop(
        facilitator,
        WorkshopItem(kind=ItemKind.INCIDENT, incident=card, time_limit=None),
        title="Incident room",
    )
    screen, screen_watcher = new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    log_in(screen, facilitator)
    screen.goto(workshop.present_url)
    phone, phone_watcher = join_by_phone(new_page, workshop.code, "Ana")
    workshop.control("start")
    workshop.control("open")
    expect(screen.get_by_role("heading", name=card.title)).to_be_visible(timeout=FOLLOW)
    expect(screen.get_by_text("Who acts?")).to_be_visible()
    assert_fits(screen)
    screen_watcher.check()

    expect(phone.get_by_role("group", name="Who acts?")).to_be_visible(timeout=FOLLOW)
    phone.get_by_label("You", exact=True).check()
    right = card.actions.get(is_correct=True)
    phone.get_by_label(right.text).check()
    phone_watcher.check()
    phone.get_by_role("button", name="Lock in my answer").click()
    expect(phone.get_by_role("heading", name="Locked in")).to_be_focused()

    workshop.control("reveal")
    expect(screen.locator(".tile--right")).to_have_count(2, timeout=FOLLOW)
    assert_fits(screen)
    screen_watcher.check()
    expect(phone.get_by_role("heading", name="Right!")).to_be_visible(timeout=FOLLOW)
    forgive_cancelled_polls(phone_watcher)
    phone_watcher.check()
