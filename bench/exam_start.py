"""500 learners open the exam within 10 seconds: does everyone get their first question?

Runs against a deployment started by `deploy/run.sh`. The learners are made through
Django beforehand, each with a logged-in session (as if they had logged in earlier), so
the run measures the exam and not password hashing. Each learner, at a random moment in
the first `--within` seconds, opens the exam page, presses "Start exam" (a POST with the
CSRF token), follows the redirects and reads the first question. The client is asyncio
with one keep-alive connection per learner, so it costs little beside the server.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/exam_start.py --base http://127.0.0.1:8500

Afterwards it checks the database: one attempt per learner, no duplicates.
"""

import argparse
import asyncio
import os
import random
import re
import secrets
import statistics
import sys
import time
import urllib.parse
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_cost import ROOT, cpu_seconds, server_pids

EXAM = "shared-responsibility-certificate"


def setup_django(run_dir: Path):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
    # The deployment's key: the sessions made here must be valid there.
    os.environ["DJANGO_SECRET_KEY"] = (run_dir / "secret").read_text().strip()
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    import django

    django.setup()


def make_learners(count: int) -> list[str]:
    """`count` fresh learners, each with a logged-in session; their session keys."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password

    # The deployment's own store (with its REDIS_URL, the cache in front of the rows), so
    # the sessions are where a real login would have put them.
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    User = get_user_model()
    User.objects.filter(email__startswith="bench-exam-").delete()
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"bench-exam-{n}@example.com", name=f"Learner {n}", password=password)
        for n in range(count)
    )
    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def check_attempts(count: int) -> tuple[int, int]:
    """(attempts made, learners with more than one)."""
    from django.db.models import Count

    from quiz.models import Attempt

    attempts = Attempt.objects.filter(user__email__startswith="bench-exam-", quiz__slug=EXAM)
    doubled = attempts.values("user").annotate(n=Count("id")).filter(n__gt=1).count()
    return attempts.count(), doubled


async def request(reader, writer, host, method, path, cookie, body=b""):
    headers = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        f"Cookie: {cookie}",
        "Connection: keep-alive",
    ]
    if method == "POST":
        headers += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ]
    writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length, location = 0, None
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "location":
            location = value.strip()
    page = await reader.readexactly(length)
    return status, location, page


async def learner(base, session_key, start_at, results):
    url = urllib.parse.urlsplit(base)
    await asyncio.sleep(start_at)
    opened = time.monotonic()
    csrf = secrets.token_hex(16)  # 32 characters: Django takes an unmasked secret too
    cookie = f"sessionid={session_key}; csrftoken={csrf}"
    try:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        host = url.netloc
        status, _, _ = await request(reader, writer, host, "GET", f"/quizzes/{EXAM}/", cookie)
        requests = 1
        form = f"csrfmiddlewaretoken={csrf}".encode()
        status, location, _ = await request(
            reader, writer, host, "POST", f"/quizzes/{EXAM}/start", cookie, form
        )
        requests += 1
        while status == 302:
            path = urllib.parse.urlsplit(location).path
            status, location, page = await request(reader, writer, host, "GET", path, cookie)
            requests += 1
        writer.close()
        ok = status == 200 and re.search(rb"/exam/1/", page) is not None
        results.append((ok, (time.monotonic() - opened) * 1000, requests))
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        results.append((False, (time.monotonic() - opened) * 1000, 1))


async def run(base, keys, within):
    results = []
    await asyncio.gather(*(learner(base, key, random.uniform(0, within), results) for key in keys))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8500")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--within", type=float, default=10.0)
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=Path("/tmp/sharedresp-deploy-8500"),  # noqa: S108 - run.sh's default
    )
    options = parser.parse_args()
    setup_django(options.run_dir)
    keys = make_learners(options.learners)
    database = urllib.parse.urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    pids = server_pids(options.run_dir, database)
    before = cpu_seconds(pids)
    results = asyncio.run(run(options.base, keys, options.within))
    cpu = cpu_seconds(pids) - before
    attempts, doubled = check_attempts(options.learners)
    times = sorted(ms for ok, ms, _ in results if ok)
    requests = sum(n for _, _, n in results)
    errors = sum(not ok for ok, _, _ in results)

    def percentile(p):
        return times[min(len(times) - 1, int(len(times) * p))] if times else float("nan")

    print(
        f"bench: exam_start participants={options.learners} requests={requests} "
        f"errors={errors} attempts={attempts} duplicates={doubled} "
        f"p50_ms={statistics.median(times) if times else float('nan'):.0f} "
        f"p99_ms={percentile(0.99):.0f} server_cpu_ms_per_request={1000 * cpu / requests:.1f}"
    )


if __name__ == "__main__":
    main()
