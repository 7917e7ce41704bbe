import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import follow
from tests.conftest import PASSWORD
from tests.quiz.conftest import load, write_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The generated bank: question N is of kind KINDS[N % 4], its right choices start "Right".
KINDS = ["single", "multiple", "true_false", "classify"]
EC2_OWNERS = {
    "Physical facilities": "AWS",
    "Hypervisor": "AWS",
    "Operating system": "You, the customer",
    "Data": "You, the customer",
}


@pytest.fixture
def four_kinds(tmp_path, learner):
    """The lesson "the-stack" gets one question of each kind."""
    load("--questions-dir", str(write_bank(tmp_path / "bank", 4)))
    return learner


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def current_kind(page) -> str:
    prompt = page.locator(".prompt").first.inner_text()
    return KINDS[int(re.search(r"Generated question (\d+)", prompt).group(1)) % 4]


def answer(page, kind: str, *, right: bool):
    """Answer and check: right, or (for true/false) wrong."""
    choose(page, kind, right=right)
    page.get_by_role("button", name="Check answer").click()


def choose(page, kind: str, *, right: bool = True):
    """Choose an answer: right, or (for true/false) wrong."""
    if kind == "classify":
        for layer, owner in EC2_OWNERS.items():
            page.get_by_role("group", name=layer).get_by_label(owner).check()
    elif kind == "multiple":
        page.get_by_label("Right A").check()
        page.get_by_label("Right B").check()
    elif kind == "single":
        page.get_by_label("Right", exact=True).check()
    else:
        page.get_by_label("True" if right else "False", exact=True).check()


def test_take_a_practice_quiz_with_htmx_reload_and_resume_then_review(four_kinds, new_page):
    page, watcher = new_page()
    log_in(page, four_kinds)
    follow(page.get_by_role("link", name="Quizzes"))
    watcher.check()
    follow(page.get_by_role("link", name="The stack, and the duties you always keep"))
    watcher.check()
    page.get_by_role("button", name="Start quiz").click()
    expect(page.get_by_role("heading", name="Question 1 of 4")).to_be_visible()
    watcher.check()

    # A missing answer: the error summary takes focus; nothing is stored.
    page.wait_for_load_state()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator(".error-summary")).to_be_focused()
    watcher.check()

    seen = []
    for position in range(1, 5):
        if position == 3:
            # Reload in the middle: the attempt resumes where it stood.
            page.reload()
            expect(page.get_by_text("2 of 4 questions answered")).to_be_visible()
            attempt_url = re.sub(r"questions/\d+/$", "", page.url)
            page.goto(attempt_url)
            expect(page.get_by_role("heading", name="Question 3 of 4")).to_be_visible()
        page.wait_for_load_state()
        page.evaluate("() => { window.sameDocument = true; }")
        kind = current_kind(page)
        seen.append(kind)
        answer(page, kind, right=kind != "true_false")
        title = page.locator(".feedback__title")
        expect(title).to_contain_text("Not quite" if kind == "true_false" else "Correct")
        # Checked in place by htmx, and focus moved to the verdict.
        assert page.evaluate("() => window.sameDocument === true")
        expect(title).to_be_focused()
        expect(page.get_by_text(f"{position} of 4 questions answered")).to_be_visible()
        expect(page.get_by_text("Read the step that teaches this")).to_be_visible()
        watcher.check()
        if position < 4:
            page.get_by_role("link", name="Next question").click()
    assert sorted(seen) == sorted(KINDS)

    page.get_by_role("button", name="Finish and see your score").click()
    expect(page.get_by_text("You scored 75%")).to_be_visible()
    expect(page.locator(".result-line")).to_have_count(4)
    expect(page.locator(".result-mark--wrong")).to_have_count(1)
    expect(page.get_by_text("How this quiz is scored")).to_be_visible()
    # Under the pass mark: the retry is offered beside the way on.
    expect(page.get_by_role("button", name="Try this quiz again")).to_be_visible()
    watcher.check()
    first = page.locator(".result-line").first
    first.locator("summary").click()
    first.get_by_role("link", name=re.compile("Read the step")).click()
    expect(page).to_have_url(re.compile("/lessons/the-stack/six-layers/$"))

    page.goto("/")
    records = page.locator(".dashboard-quizzes")
    expect(records).to_contain_text("75%")
    expect(records.get_by_role("link", name=re.compile("^Review"))).to_have_count(1)
    watcher.check()


def test_take_a_practice_quiz_without_javascript(four_kinds, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, four_kinds)
        page.goto("/quizzes/the-stack/")
        page.get_by_role("button", name="Start quiz").click()
        for position in range(1, 5):
            answer(page, current_kind(page), right=True)
            expect(page).to_have_url(re.compile(rf"/questions/{position}/$"))
            expect(page.locator(".feedback__title")).to_contain_text("Correct")
            if position < 4:
                page.get_by_role("link", name="Next question").click()
        page.get_by_role("button", name="Finish and see your score").click()
        expect(page.get_by_text("You scored 100%")).to_be_visible()
    finally:
        context.close()
