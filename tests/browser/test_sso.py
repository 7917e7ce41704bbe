"""Signing in through the company's real OpenID Connect and SAML providers, in Chromium."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.sso.conftest import (  # noqa: F401 (fixtures)
    PEOPLE,
    oidc,
    oidc_provider,
    saml,
    saml_provider,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# A sign-in crosses three processes (browser, provider, site) and the site calls the
# provider back; on a busy machine that takes longer than one page load.
ROUND_TRIP_MS = 60_000


def sign_in_through_the_provider(page, link, heading, username, password):
    """From our log-in page, through the provider's own form, back to our home page."""
    page.set_default_timeout(ROUND_TRIP_MS)
    page.goto("/accounts/login/")
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"), timeout=ROUND_TRIP_MS)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_sign_in_through_the_provider_with_the_mapped_role_then_sign_out(
    new_page,
    oidc,  # noqa: F811 (the fixture imported above)
    live_server,
):
    oidc.allow_redirect(f"{live_server.url}/accounts/oidc/callback/")
    username, password, *_rest = PEOPLE[0]  # fran, in the provider's "facilitators"
    page, watcher = new_page()
    sign_in_through_the_provider(
        page, "Sign in with Example Corp", "Example Corp sign-in", username, password
    )
    expect(page.get_by_role("link", name="Workshops")).to_be_visible()  # the Facilitator role
    expect(page.get_by_role("link", name="Cohorts")).to_have_count(0)
    watcher.check()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    expect(page.get_by_role("link", name="Workshops")).to_have_count(0)


def test_sign_in_through_the_saml_provider_with_the_mapped_role_then_sign_out(
    new_page,
    saml,  # noqa: F811 (the fixture imported above)
    live_server,
):
    username, password, *_rest = PEOPLE[1]  # mona, in the provider's "managers"
    page, watcher = new_page()
    sign_in_through_the_provider(
        page,
        "Sign in with Example Corp (SAML)",
        "Example Corp SAML sign-in",
        username,
        password,
    )
    expect(page.get_by_role("link", name="Cohorts")).to_be_visible()  # the Manager role
    expect(page.get_by_role("link", name="Workshops")).to_have_count(0)
    user = get_user_model().objects.get(email="mona@example.com")
    assert user.name == "Mona Manager"
    assert not user.has_usable_password()
    watcher.check()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    expect(page.get_by_role("link", name="Cohorts")).to_have_count(0)
