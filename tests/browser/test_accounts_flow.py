import re

import pytest

from tests.browser.conftest import follow
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_log_out_log_in_and_reset_password(new_page, mailoutbox):
    page, watcher = new_page()

    page.goto("/")
    watcher.check()
    follow(page.get_by_role("link", name="Sign up"))
    watcher.check()

    # A mistake first: the error summary takes focus and names the field.
    page.get_by_label("Full name").fill("Dana Newstarter")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    watcher.check()

    page.get_by_label("Email address").fill("dana@example.com")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    watcher.check()

    link = re.search(r"https?://\S+/accounts/signup/\S+", mailoutbox[-1].body).group(0)
    page.goto(link)
    assert page.get_by_role("heading", name="Choose your password").is_visible()
    watcher.check()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert "Welcome, Dana Newstarter" in page.get_by_role("status").inner_text()
    watcher.check()

    page.get_by_role("button", name="Log out").click()
    follow(page.get_by_role("link", name="Log in").first)
    watcher.check()
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("button", name="Log out").is_visible()
    page.get_by_role("button", name="Log out").click()

    page.goto("/accounts/login/")
    follow(page.get_by_role("link", name="Forgotten your password?"))
    watcher.check()
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_role("button", name="Send reset link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    watcher.check()

    link = re.search(r"https?://\S+/accounts/reset/\S+", mailoutbox[-1].body).group(0)
    page.goto(link)
    assert page.get_by_role("heading", name="Choose a new password").is_visible()
    watcher.check()
    page.get_by_label("New password", exact=True).fill("a brand new passphrase 31")
    page.get_by_label("New password confirmation").fill("a brand new passphrase 31")
    page.get_by_role("button", name="Set new password").click()
    assert page.get_by_role("heading", name="Password set").is_visible()
    watcher.check()

    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill("a brand new passphrase 31")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("button", name="Log out").is_visible()
    watcher.check()
