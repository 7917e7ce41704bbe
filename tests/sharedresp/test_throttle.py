"""Brute-force limits on log-in and password reset, per account and per client address."""

import logging
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from quiz import ratelimit
from sharedresp import throttle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOO_MANY = "Too many log-in attempts"


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """Every request of a test in one counting window, however slow the machine."""
    now = time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))


def log_in(client, email, password, address="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_the_right_password_is_refused_after_too_many_wrong_ones(client, learner, caplog):
    for _ in range(throttle.LOGIN.per_account):
        assert TOO_MANY not in log_in(client, learner.email, "wrong guess").text
    with caplog.at_level(logging.WARNING, logger="sharedresp.throttle"):
        response = log_in(client, learner.email, PASSWORD)
    assert response.status_code == 200
    assert TOO_MANY in response.text
    assert not client.get("/").context["user"].is_authenticated
    assert f"Refused a login attempt for {learner.email} from 203.0.113.7" in caplog.text


def test_the_account_limit_holds_whatever_the_address_and_spelling(client, learner):
    for n in range(throttle.LOGIN.per_account):
        log_in(client, learner.email.upper(), "wrong guess", address=f"198.51.100.{n}")
    assert TOO_MANY in log_in(client, learner.email, PASSWORD, address="192.0.2.1").text


def test_the_address_limit_stops_one_machine_trying_many_accounts(client, learner):
    for n in range(throttle.LOGIN.per_address):
        log_in(client, f"someone{n}@example.com", "wrong guess")
    assert TOO_MANY in log_in(client, learner.email, PASSWORD).text
    # Another machine is not held up, and nor is the account.
    assert log_in(client, learner.email, PASSWORD, address="192.0.2.1").status_code == 302


def test_the_limit_ends_with_its_window(client, learner):
    for _ in range(throttle.LOGIN.per_account + 1):
        log_in(client, learner.email, "wrong guess")
    cache.clear()  # what the end of the window does to the counts
    assert log_in(client, learner.email, PASSWORD).status_code == 302


def reset(client, email, address="203.0.113.7"):
    return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=address)


def test_reset_emails_stop_after_the_limit_and_the_answer_never_changes(
    client, learner, mailoutbox, caplog
):
    answers = set()
    for n in range(throttle.PASSWORD_RESET.per_account + 2):
        response = reset(client, learner.email, address=f"198.51.100.{n}")
        answers.add((response.status_code, response["Location"]))
    answers.add(
        (reset(client, "nobody@example.com").status_code, reset(client, "x@example.com").url)
    )
    assert answers == {(302, "/accounts/password_reset/done/")}
    assert len(mailoutbox) == throttle.PASSWORD_RESET.per_account
    assert "Refused a password-reset attempt" in caplog.text


def test_reset_requests_from_one_address_are_limited(client, learner, mailoutbox):
    for n in range(throttle.PASSWORD_RESET.per_address):
        reset(client, f"someone{n}@example.com")
    assert reset(client, learner.email).status_code == 302
    assert mailoutbox == []
