import re

import pytest
from playwright.sync_api import expect

from lessons.models import Lesson
from tests.browser.conftest import follow
from tests.lessons.test_views import ALL_RIGHT_EC2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_walk_a_lesson_with_mouse_and_keyboard(course, new_page, live_server):
    page, watcher = new_page()
    page.goto("/lessons/")
    watcher.check()
    follow(page.get_by_role("link", name=re.compile("The dividing line on EC2", re.I)))
    watcher.check()
    page.get_by_role("link", name="Start lesson").click()
    expect(page.get_by_text("Step 1 of")).to_be_visible()
    watcher.check()

    # The step embeds the explorer: a layer opens in place and the lesson stays put.
    step_url = page.url
    page.get_by_role("link", name=re.compile("^Physical facilities")).click()
    expect(page.locator("#layer-panel-title")).to_contain_text("Physical facilities")
    expect(page.locator("#layer-panel-title")).to_be_focused()
    assert page.url == step_url
    watcher.check()

    page.get_by_role("link", name=re.compile("^Next")).click()
    expect(page.get_by_text("Step 2 of")).to_be_visible()
    page.wait_for_load_state()  # the key handler arrives with the deferred script
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Step 3 of")).to_be_visible()
    page.wait_for_load_state()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_text("Step 2 of")).to_be_visible()
    while page.get_by_role("link", name=re.compile("^Next")).count():
        follow(page.get_by_role("link", name=re.compile("^Next")))
    watcher.check()
    page.get_by_role("button", name="Mark lesson complete").click()
    expect(page.get_by_role("status")).to_contain_text("Lesson complete")
    page.goto("/lessons/")
    expect(page.get_by_text(f"1 of {Lesson.objects.count()} lessons complete")).to_be_visible()


def open_layer(page, name, expected_path, owner_text):
    page.get_by_role("link", name=re.compile(rf"^{name}")).first.click()
    expect(page).to_have_url(re.compile(re.escape(expected_path) + "$"))
    heading = page.locator("#layer-panel-title")
    expect(heading).to_contain_text(name)
    expect(page.locator("#layer-panel")).to_contain_text(owner_text)
    # Focus follows the swap, so keyboard and screen-reader users land on the answer.
    expect(heading).to_be_focused()


def test_explorer_swaps_panels_updates_the_url_and_the_back_button_works(
    course, new_page, live_server
):
    page, watcher = new_page()
    page.goto("/explorer/ec2/")
    watcher.check()
    page.evaluate("() => { window.sameDocument = true; }")

    open_layer(
        page, "Operating system", "/explorer/ec2/operating-system/", "You secure this layer."
    )
    open_layer(page, "Hypervisor", "/explorer/ec2/hypervisor/", "AWS secures this layer.")
    open_layer(page, "Data", "/explorer/ec2/data/", "You secure this layer.")
    watcher.check()

    page.get_by_role("navigation", name="Services").get_by_role("link", name="Amazon RDS").click()
    expect(page).to_have_url(re.compile(r"/explorer/rds/$"))
    expect(page.locator("#service-heading")).to_contain_text("Amazon RDS")
    expect(page.locator("#service-heading")).to_be_focused()
    open_layer(
        page, "Operating system", "/explorer/rds/operating-system/", "AWS secures this layer."
    )
    open_layer(page, "Application", "/explorer/rds/application/", "each secure part")
    open_layer(page, "Encryption", "/explorer/rds/encryption/", "You secure this layer.")
    watcher.check()
    assert page.evaluate("() => window.sameDocument === true"), "htmx should swap in place"

    page.go_back()
    expect(page).to_have_url(re.compile(r"/explorer/rds/application/$"))
    expect(page.locator("#layer-panel-title")).to_contain_text("Application")

    page.keyboard.press("Tab")
    page.get_by_role("link", name="As a house").click()
    expect(page.locator(".house")).to_be_visible()
    watcher.check()


def test_explorer_works_without_javascript(course, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/explorer/lambda/")
    page.get_by_role("link", name=re.compile("^Application")).first.click()
    expect(page).to_have_url(re.compile(r"/explorer/lambda/application/$"))
    expect(page.locator("#layer-panel")).to_contain_text("You secure this layer.")
    context.close()


def test_on_a_phone_the_chosen_service_and_its_group_are_in_view(course, new_page):
    page, _watcher = new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/explorer/lambda/")
    services = page.get_by_role("navigation", name="Services")
    assert services.evaluate("nav => nav.scrollWidth > nav.clientWidth"), "expected a scroller"
    chosen = services.get_by_role("link", name="AWS Lambda").bounding_box()
    assert 0 <= chosen["x"] <= 360 - chosen["width"], "the choice is off screen"
    caption = services.get_by_text("Abstracted", exact=True).bounding_box()
    assert caption["x"] >= 0, "its group's caption is cut off"


def test_sort_the_stack_by_keyboard(course, new_page, live_server):
    page, watcher = new_page()
    page.goto("/explorer/ec2/sort/")
    watcher.check()
    for layer, owner in ALL_RIGHT_EC2.items():
        label = {"aws": "AWS", "customer": "You"}[owner]
        group = page.locator("fieldset", has=page.locator(f"input[name='{layer}']"))
        group.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Check my answers").press("Enter")
    expect(page.get_by_role("heading", name="You placed 9 of 9 correctly")).to_be_visible()
    watcher.check()
