"""The drawn house and the stack in Chromium: tapping, switching, keyboard, motion, axe."""

import re

import pytest
from playwright.sync_api import expect

from lessons.models import Responsibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def owners(service):
    return dict(
        Responsibility.objects.filter(service__slug=service).values_list("layer__slug", "owner")
    )


def part_owner(page, part_id):
    classes = page.locator(f"#{part_id}").get_attribute("class").split()
    return next(
        c.removeprefix("owner-") for c in classes if c.startswith("owner-") and c != "owner-fill"
    )


def test_on_a_phone_the_front_door_opens_the_hypervisor_and_lambda_recolours_the_house(
    course, browser, live_server
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, has_touch=True
    )
    page = context.new_page()
    page.goto("/")
    house = page.locator("#home-house")
    expect(house).to_be_in_viewport()
    for slug, owner in owners("ec2").items():
        assert part_owner(page, f"home-house-{slug}") == owner
    walls = page.get_by_role("link", name=re.compile(r"^Walls & door \(Hypervisor\)"))
    box = walls.bounding_box()
    # The front door, at (128, 300) in the drawing; the walls span x 46-434, y 68-340.
    walls.tap(position={"x": box["width"] * 82 / 388, "y": box["height"] * 232 / 272})
    expect(page).to_have_url(re.compile(r"/explorer/ec2/hypervisor/\?view=house$"))
    expect(page.locator("#layer-panel-title")).to_contain_text("Hypervisor")
    expect(page.locator("#house-hypervisor")).to_have_attribute("aria-current", "true")

    page.get_by_role("navigation", name="Services").get_by_role("link", name="AWS Lambda").tap()
    expect(page).to_have_url(re.compile(r"/explorer/lambda/hypervisor/\?view=house$"))
    expect(page.locator("#service-heading")).to_contain_text("AWS Lambda")
    ec2, lambda_ = owners("ec2"), owners("lambda")
    changed = [slug for slug in ec2 if ec2[slug] != lambda_[slug]]
    assert changed, "EC2 and Lambda should differ somewhere"
    for slug, owner in lambda_.items():
        expect(page.locator(f"#house-{slug}")).to_have_class(re.compile(rf"\bowner-{owner}\b"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    context.close()


def test_home_explorer_and_a_lesson_step_pass_axe(course, new_page):
    page, watcher = new_page()
    for path in [
        "/",
        "/explorer/ec2/operating-system/",
        "/explorer/s3/data/?view=house",
        "/lessons/the-stack/the-house-map/",
    ]:
        page.goto(path)
        watcher.check()


def test_keyboard_opens_a_part_and_the_ring_shows_for_keys_not_clicks(course, new_page):
    page, watcher = new_page()
    page.goto("/explorer/ec2/?view=house")
    page.locator("#house-hypervisor").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "house-operating-system"
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/explorer/ec2/operating-system/\?view=house$"))
    expect(page.locator("#layer-panel-title")).to_be_focused()
    expect(page.locator("#house-operating-system")).to_have_attribute("aria-current", "true")

    page.locator("#house-data").click()
    expect(page.locator("#layer-panel-title")).to_contain_text("Data")
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')") is False
    watcher.check()


def line_top(page):
    return page.locator(".stack-diagram__line").bounding_box()["y"]


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_the_line_moves_between_services_and_glides_only_without_reduced_motion(
    course, browser, live_server, motion
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, reduced_motion=motion
    )
    page = context.new_page()
    page.goto("/explorer/ec2/")
    duration = page.evaluate(
        "() => getComputedStyle(document.querySelector('.stack-diagram__line')).transitionDuration"
    )
    assert (duration == "0s") == (motion == "reduce"), duration
    before = line_top(page)
    page.get_by_role("navigation", name="Services").get_by_role("link", name="Amazon S3").click()
    expect(page.locator("#service-heading")).to_contain_text("Amazon S3")
    page.wait_for_timeout(600)  # let a transition finish before measuring
    # S3 leaves only the data above the line; EC2 three layers.
    assert line_top(page) < before
    # At 1280 the diagram and its panel stand side by side within one screen.
    page.get_by_role("link", name=re.compile("^Network")).first.click()
    expect(page.locator("#layer-panel-title")).to_contain_text("Network")
    diagram = page.locator(".explorer__diagram").bounding_box()
    panel = page.locator("#layer-panel").bounding_box()
    assert panel["x"] >= diagram["x"] + diagram["width"]
    assert diagram["height"] <= 800
    context.close()


def test_sort_cards_by_pointer_and_by_keyboard(course, new_page):
    page, watcher = new_page()
    page.goto("/explorer/ec2/sort/")
    expect(page.locator("[data-sort-board]")).to_be_visible()
    card = page.locator("[data-sort-card]", has=page.locator("input[name='hypervisor']"))
    card.locator("legend").drag_to(page.locator(".sort-zone[data-zone='aws']"))
    expect(page.locator(".sort-zone[data-zone='aws'] [data-sort-card]")).to_have_count(1)
    expect(card.locator("input[value='aws']")).to_be_checked()

    data = page.locator("[data-sort-card]", has=page.locator("input[name='data']"))
    data.locator("input[value='aws']").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # AWS -> Shared
    page.keyboard.press("ArrowRight")  # Shared -> You
    expect(page.locator(".sort-zone[data-zone='customer'] [data-sort-card]")).to_have_count(1)
    expect(data.locator("input[value='customer']")).to_be_focused()
    expect(page.locator("[data-sort-status]")).to_have_text("Data: You")
    watcher.check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
