"""A room of 300 at a live workshop, against gunicorn and PostgreSQL; prints what it saw.

Run by hand (not part of the test suite), with PostgreSQL listening:

    .venv/bin/python bench/workshop_load.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/workshop_load.py

It migrates and loads the content into the database, collects static files into a
temporary folder, creates a facilitator and a workshop (a slide, a single-choice
question, a slide), and starts gunicorn in production mode (DJANGO_DEBUG=0). Then:

1. 300 participants join by code within a few seconds and open their page;
2. each polls /join/<code>/state?v=<version> every 2 s, as htmx does, from a random
   phase (people do not open their phones in step);
3. the host starts, moves to the question and opens answering; every participant
   answers within 10 s of the open, at a random moment, while the host's console polls
   its live panel every 2 s; at 10 s the host reveals the answer;
4. the room stays idle for a while (each poll a 204), then the host ends the workshop
   and every page stops polling (286).

It prints requests per second, p50/p95/p99 latency (overall and per kind), the errors,
and the answers stored in the database against those sent. The workshop and the
facilitator it made are deleted at the end.

The clients are threads with the standard library's http.client, one thread and one
keep-alive connection per participant, as one phone is one browser. No dependency to
add, and the whole room makes about 150 requests a second, which one Python process
sends with room to spare; asyncio would save memory we do not need to save. The clients
share the machine's cores with gunicorn and PostgreSQL: the figures are a floor.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/sharedresp_workshops"
POLL_SECONDS = 2.0
PASSWORD = secrets.token_urlsafe(24)  # the throwaway facilitator's
FACILITATOR_EMAIL = "bench-facilitator@example.com"
HTMX = {"HX-Request": "true"}


def server_environment(args, static_root: str) -> dict:
    return os.environ | {
        "DATABASE_URL": args.database,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *command: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


# The room -----------------------------------------------------------------------------


class Stats:
    """Every request's kind, latency and outcome, from all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = []
        self.started = self.finished = None

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Browser:
    """One phone (or the host's laptop): a keep-alive connection and its cookies."""

    def __init__(self, port: int, stats: Stats):
        self.port, self.stats = port, stats
        self.cookies = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, kind, method, path, data=None, headers=None, expect=(200,)):
        body = urlencode(data, doseq=True) if data is not None else None
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode()
            except (http.client.HTTPException, OSError) as error:
                # A keep-alive connection the server closed while idle: reconnect once,
                # as a browser does. Anything else is an error.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 0 and isinstance(
                    error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                ):
                    continue
                self.stats.error(f"{kind} {path}: {error!r}")
                return None, ""
            break
        self.stats.record(f"{kind} {response.status}", time.perf_counter() - started)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if response.status not in expect:
            self.stats.error(f"{kind} {path}: HTTP {response.status}")
        return response.status, text

    def csrf(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return match.group(1) if match else ""


class Participant(threading.Thread):
    def __init__(self, number, code, port, stats, room):
        super().__init__(daemon=True)
        self.number, self.code, self.room = number, code, room
        self.browser = Browser(port, stats)
        self.stats = stats
        self.answered = False

    def run(self):
        try:
            self.join_and_follow()
        except Exception as error:  # a crashed phone is an error to count, not a stop
            self.stats.error(f"participant {self.number}: {error!r}")
        finally:
            self.browser.connection.close()

    def join_and_follow(self):
        browser = self.browser
        _status, page = browser.request("join", "GET", f"/join/{self.code}/")
        data = {"csrfmiddlewaretoken": browser.csrf(page), "code": self.code}
        data["name"] = f"Participant {self.number:03}"
        status, _text = browser.request("join", "POST", "/join/", data, expect=(302,))
        if status != 302:
            return
        _status, page = browser.request("page", "GET", f"/join/{self.code}/")
        self.room.joined()
        version = re.search(r"state\?v=(\d+)", page).group(1)
        answer_at = form = None
        next_poll = time.monotonic() + random.uniform(0, POLL_SECONDS)
        while True:
            now = time.monotonic()
            if answer_at is not None and now >= answer_at:
                self.answer(form)
                answer_at = None
                continue
            wake = min(next_poll, answer_at or next_poll)
            time.sleep(max(0.0, wake - now))
            if time.monotonic() < next_poll:
                continue
            next_poll += POLL_SECONDS
            path = f"/join/{self.code}/state?v={version}"
            status, text = self.browser.request(
                "poll", "GET", path, headers=HTMX, expect=(200, 204, 286)
            )
            if status == 286 or (status is None and self.room.ended.is_set()):
                return
            if status == 200:
                version = re.search(r"state\?v=(\d+)", text).group(1)
                if 'name="choice"' in text and answer_at is None and not self.answered:
                    form = text
                    # Everyone answers within the window, at a moment of their own.
                    answer_at = self.room.opened_at + random.uniform(0.5, self.room.window - 1.5)

    def answer(self, form: str):
        self.answered = True
        action = re.search(r'action="(/join/[^"]+/answer)"', form).group(1)
        choices = re.findall(r'name="choice" value="(\d+)"', form)
        data = {"csrfmiddlewaretoken": self.browser.csrf(form), "choice": random.choice(choices)}
        headers = HTMX | {"X-CSRFToken": self.browser.cookies.get("csrftoken", "")}
        self.room.count("posted")
        _status, text = self.browser.request("answer", "POST", action, data, headers=headers)
        if "Answer received" in text:
            self.room.count("accepted")
        else:
            self.stats.error(f"answer of participant {self.number} refused: {_status}")


class Room:
    """What the host knows of the room, shared by the threads."""

    def __init__(self, participants: int, window: float):
        self.lock = threading.Lock()
        self.participants, self.window = participants, window
        self.joined_count = 0
        self.answers = {"posted": 0, "accepted": 0}
        self.all_joined = threading.Event()
        self.ended = threading.Event()
        self.opened_at = 0.0

    def joined(self):
        with self.lock:
            self.joined_count += 1
            if self.joined_count == self.participants:
                self.all_joined.set()

    def count(self, outcome: str):
        with self.lock:
            self.answers[outcome] += 1


class Host(threading.Thread):
    """The facilitator's laptop: logs in, paces the room, polls the live panel."""

    def __init__(self, code, port, stats, room, idle):
        super().__init__(daemon=True)
        self.code, self.room, self.idle = code, room, idle
        self.browser = Browser(port, stats)
        self.stop = threading.Event()

    def act(self, action: str):
        path = f"/workshops/{self.code}/host/control"
        data = {"csrfmiddlewaretoken": self.token, "action": action}
        headers = HTMX | {"X-CSRFToken": self.browser.cookies.get("csrftoken", "")}
        self.browser.request("host action", "POST", path, data, headers=headers)

    def poll_live_panel(self):
        while not self.stop.wait(POLL_SECONDS):
            self.browser_live.request(
                "host panel",
                "GET",
                f"/workshops/{self.code}/host/",
                headers=HTMX | {"HX-Target": "host-live"},
            )

    def run(self):
        browser = self.browser
        _status, page = browser.request("host page", "GET", "/accounts/login/")
        credentials = {"username": FACILITATOR_EMAIL, "password": PASSWORD}
        browser.request(
            "host page",
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": browser.csrf(page), **credentials},
            expect=(302,),
        )
        _status, console = browser.request("host page", "GET", f"/workshops/{self.code}/host/")
        self.token = browser.csrf(console)
        # The live panel polls from its own connection, as htmx requests overlap.
        self.browser_live = Browser(browser.port, browser.stats)
        self.browser_live.cookies = browser.cookies
        panel = threading.Thread(target=self.poll_live_panel, daemon=True)
        panel.start()
        if not self.room.all_joined.wait(timeout=60):
            browser.stats.error(f"only {self.room.joined_count} joined within 60 s")
        self.act("start")
        time.sleep(POLL_SECONDS)
        self.act("next")
        time.sleep(POLL_SECONDS)
        self.room.opened_at = time.monotonic()
        self.act("open")
        time.sleep(self.room.window)
        self.act("reveal")
        time.sleep(self.idle)
        self.act("end")
        self.room.ended.set()
        self.stop.set()
        panel.join()


# Setting up and reporting --------------------------------------------------------------


def prepare(env: dict):
    """Migrate, load, collect static; a facilitator and a workshop. Returns the ORM bits."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_content")
    manage(env, "collectstatic", "--noinput")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from quiz.models import Question
    from workshops.models import ItemKind, Workshop, WorkshopItem

    User = get_user_model()
    User.objects.filter(email=FACILITATOR_EMAIL).delete()
    host = User.objects.create_user(FACILITATOR_EMAIL, PASSWORD, name="Bench Facilitator")
    host.groups.add(Group.objects.get(name="Facilitator"))
    question = Question.objects.filter(kind="single", retired=False).first()
    items = [
        WorkshopItem(kind=ItemKind.SLIDE, title="Welcome", body="Phones out."),
        WorkshopItem(kind=ItemKind.QUESTION, question=question),
        WorkshopItem(kind=ItemKind.SLIDE, title="Thank you", body="That is all."),
    ]
    workshop = Workshop.objects.create_from(host=host, title="Benchmark room", items=items)
    return host, workshop


def start_gunicorn(args, env) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sharedresp.wsgi",
        f"--workers={args.workers}",
        "--worker-class=gthread",
        f"--threads={args.threads}",
        f"--bind=127.0.0.1:{args.port}",
        # Longer than the 2 s poll, so a phone keeps its connection between polls.
        "--keep-alive=5",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def percentiles(values) -> str:
    if len(values) < 2:
        return "n/a"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    p50, p95, p99 = (cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000)
    return f"p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f}  max {max(values) * 1000:7.1f} ms"


def report(args, stats: Stats, room: Room, stored: int) -> None:
    seconds = stats.finished - stats.started
    everything = [value for values in stats.latencies.values() for value in values]
    print(
        f"\n{args.participants} participants, gunicorn {args.workers} workers x "
        f"{args.threads} threads (gthread), PostgreSQL, {os.cpu_count()} cores shared with "
        "the clients"
    )
    print(
        f"requests  {len(everything)} in {seconds:.1f} s = {len(everything) / seconds:.0f} req/s"
    )
    print(f"latency   {percentiles(everything)}")
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        print(f"  {kind:<12} {len(values):6}  {percentiles(values)}")
    print(f"errors    {len(stats.errors)}")
    for message in stats.errors[:10]:
        print(f"  {message}")
    posted, accepted = room.answers["posted"], room.answers["accepted"]
    verdict = "none lost" if stored == posted == args.participants else "NOT ALL STORED"
    print(f"answers   sent {posted}, accepted {accepted}, stored {stored} ({verdict})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--window", type=float, default=10.0, help="seconds to answer")
    parser.add_argument("--idle", type=float, default=10.0, help="idle room after the reveal")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")

    with tempfile.TemporaryDirectory(prefix="workshop-bench-static-") as static_root:
        env = server_environment(args, static_root)
        host_user, workshop = prepare(env)
        server = start_gunicorn(args, env)
        try:
            stats, room = Stats(), Room(args.participants, args.window)
            stats.started = time.perf_counter()
            host = Host(workshop.code, args.port, stats, room, args.idle)
            host.start()
            people = [
                Participant(n, workshop.code, args.port, stats, room)
                for n in range(args.participants)
            ]
            for person in people:  # a room arriving over a few seconds
                person.start()
                time.sleep(5.0 / args.participants)
            host.join()
            for person in people:
                person.join(timeout=POLL_SECONDS * 3)
            stats.finished = time.perf_counter()
            stored = workshop.items.get(kind="question").answers.count()
            report(args, stats, room, stored)
        finally:
            server.terminate()
            server.wait(timeout=30)
            workshop.delete()
            host_user.delete()


if __name__ == "__main__":
    main()
