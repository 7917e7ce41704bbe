"""The review deck, an incident card and the compact result in real Chromium: keyboard,
no console or CSP errors, axe-core clean, nothing wider than a 360 px phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Attempt, Quiz, ReviewCard
from tests.browser.conftest import follow
from tests.browser.test_practice_quiz import log_in
from tests.quiz.conftest import answer_right, load, start, write_bank, wrong_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


def fits_the_phone(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def miss_first_question(attempt: Attempt):
    question = attempt.question_at(1)[0]
    data = wrong_answer(question)
    if question.is_classify:
        attempt.record_answer(
            question, placements={k.removeprefix("layer-"): v for k, v in data.items()}
        )
    else:
        attempt.record_answer(question, choice_ids=data["choice"])


@pytest.fixture
def bank(tmp_path, learner):
    load("--questions-dir", str(write_bank(tmp_path / "bank", 4)))
    return learner


def test_the_review_deck_by_keyboard(new_page, bank, learner):
    attempt = start(learner)
    miss_first_question(attempt)
    # A day later, as far as the deck is concerned.
    ReviewCard.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    page, watcher = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, learner)
    expect(page.get_by_role("heading", name="1 to review")).to_be_visible()
    page.get_by_role("link", name="Review now").click()
    expect(page).to_have_url(re.compile("/review/$"))
    expect(page.get_by_text("1 question to review today.")).to_be_visible()
    fits_the_phone(page)
    watcher.check()
    page.get_by_role("button", name="Check answer").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    watcher.check()
    # The missed question may be a single, a multiple or a classify question: answer
    # every group (radios) and tick one box (checkboxes).
    inputs = page.locator("main form input[type=radio], main form input[type=checkbox]")
    names = dict.fromkeys(inputs.evaluate_all("inputs => inputs.map(input => input.name)"))
    for name in names:
        page.locator(f'main form input[name="{name}"]').first.focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Check answer").press("Enter")
    expect(page.get_by_text(re.compile("comes back on|left your deck"))).to_be_visible()
    fits_the_phone(page)
    watcher.check()


def test_an_incident_card_by_keyboard(new_page, live_server, learner):
    load()
    page, watcher = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, learner)
    page.goto("/incidents/")
    fits_the_phone(page)
    watcher.check()
    follow(page.get_by_role("link", name=re.compile("critical flaw in the operating system")))
    fits_the_phone(page)
    watcher.check()
    page.get_by_label("You, the customer").check()
    page.locator('input[name="action"]').first.check()
    page.get_by_role("button", name="Check answer").press("Enter")
    expect(page.get_by_text(re.compile("Who acts: You, the customer"))).to_be_visible()
    link = page.get_by_role("link", name="See Operating system on Amazon EC2 in the explorer")
    expect(link).to_have_attribute("href", "/explorer/ec2/operating-system/")
    fits_the_phone(page)
    watcher.check()


def test_the_compact_result_fits_a_phone(new_page, bank, learner):
    attempt = start(learner)
    for position in range(1, 3):
        answer_right(attempt, position)
    attempt.submit()
    page, watcher = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, learner)
    page.goto(attempt.get_review_url())
    expect(page.get_by_text("You scored 50%")).to_be_visible()
    expect(page.get_by_role("button", name="Try this quiz again")).to_be_visible()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2200, height  # one line a question, not every answer spelled out
    fits_the_phone(page)
    watcher.check()
    summary = page.locator(".result-line summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".result-line details").first).to_have_attribute("open", "")
    fits_the_phone(page)
    watcher.check()
    assert Quiz.objects.get(slug="the-stack").next_lesson() is not None
