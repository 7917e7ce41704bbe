"""quiz.ratelimit: one count per client across every process, client found behind proxies."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import RequestFactory

from quiz.ratelimit import client_address, over_limit

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/5"


def request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request("198.51.100.4", "203.0.113.9")) == "198.51.100.4"


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # The client wrote "1.2.3.4" itself; nginx appended the address it saw.
    assert client_address(request("127.0.0.1", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    # Two of our proxies in a row: skip both.
    assert client_address(request("127.0.0.1", "203.0.113.9, 10.1.2.3")) == "203.0.113.9"
    assert client_address(request("127.0.0.1")) == "127.0.0.1"


def test_a_forwarded_header_from_an_untrusted_sender_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(request("203.0.113.9", "127.0.0.1")) == "203.0.113.9"


def test_clients_behind_one_proxy_are_limited_one_by_one(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    first = request("127.0.0.1", "203.0.113.1")
    assert [over_limit(first, "t", 2, 60) for _ in range(3)] == [False, False, True]
    assert over_limit(request("127.0.0.1", "203.0.113.2"), "t", 2, 60) is False


COUNTER = """
import sys
import django
django.setup()
from django.test import RequestFactory
from quiz.ratelimit import over_limit
request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
print(sum(not over_limit(request, sys.argv[1], 30, 600) for _ in range(40)))
"""


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")


def test_the_limit_holds_across_two_processes_sharing_redis():
    """Two app processes: 80 requests from one client, 30 let through in all (not 60)."""
    redis_or_skip()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sharedresp.settings",
        "DJANGO_SECRET_KEY": "two-process-test",
        "REDIS_URL": REDIS_URL,
        "DJANGO_TRUSTED_PROXIES": "127.0.0.1",
    }
    scope = f"test-{uuid.uuid4().hex}"
    processes = [
        subprocess.Popen(  # noqa: S603 - our own fixed script
            [sys.executable, "-c", COUNTER, scope],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = [int(process.communicate(timeout=120)[0]) for process in processes]
    assert sum(allowed) == 30
