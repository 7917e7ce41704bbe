"""The whole deployment (deploy/run.sh): nginx, two gunicorn processes, the ASGI server,
the task worker, PostgreSQL and Redis, checked from outside as a client sees it.

It needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) and takes a minute to start,
so it runs only when asked: DEPLOY_TEST=1 (CI does, in a step of its own).
"""

import http.client
import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("DEPLOY_TEST_PORT", "8580"))

pytestmark = pytest.mark.skipif(
    os.environ.get("DEPLOY_TEST") != "1", reason="set DEPLOY_TEST=1 (with PostgreSQL and Redis)"
)


@pytest.fixture(scope="module")
def deployment():
    env = {**os.environ, "PORT": str(PORT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_TESTING", None)  # the deployment runs as production does
    script = str(ROOT / "deploy" / "run.sh")
    started = subprocess.run(  # noqa: S603 - our own script
        [script, "start"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert started.returncode == 0, started.stdout + started.stderr
    yield
    subprocess.run([script, "stop"], cwd=ROOT, env=env, timeout=120, check=False)  # noqa: S603


def get(path, headers=None, method="GET", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response, response.read()


def test_the_deployment_answers_through_nginx(deployment):
    response, body = get("/healthz")
    assert (response.status, body) == (200, b"ok\n")
    assert response.getheader("Server").startswith("nginx")


def test_nginx_refuses_a_large_body_before_the_app_sees_it(deployment):
    response, _ = get(
        "/cohorts/import/",
        {"Content-Type": "application/octet-stream"},
        method="POST",
        body=b"x" * 3_000_000,
    )
    assert response.status == 413


def test_one_client_is_limited_across_both_app_processes_and_others_are_not(deployment):
    """30 checks a minute per client: the count is shared by the gunicorn processes, and
    the client is the address nginx saw, not nginx itself."""
    if time.time() % 60 > 40:
        time.sleep(61 - time.time() % 60)  # all 40 checks inside one minute's window
    me = {"X-Forwarded-For": "198.51.100.23"}
    statuses = [get("/certificates/NOSUCHCODE0/", me)[0].status for _ in range(40)]
    assert statuses.count(429) == 10
    assert get("/certificates/NOSUCHCODE0/", {"X-Forwarded-For": "198.51.100.24"})[0].status != 429


def test_a_page_is_compressed_and_a_repeat_visit_is_a_304(deployment):
    headers = {"Accept-Encoding": "gzip"}
    first, body = get("/explorer/ec2/operating-system/", headers)
    assert first.status == 200
    assert first.getheader("Content-Encoding") == "gzip"
    assert len(body) < 5_000
    # A browser sends back the cookies it was given (the page's CSRF token is its own).
    cookies = "; ".join(
        value.split(";")[0] for name, value in first.getheaders() if name.lower() == "set-cookie"
    )
    repeat, again = get(
        "/explorer/ec2/operating-system/",
        headers | {"If-None-Match": first.getheader("ETag"), "Cookie": cookies},
    )
    assert (repeat.status, again) == (304, b"")
