"""A live room of 1,000 phones against a multi-process deployment; prints what it saw.

Run by hand (not part of the test suite), with PostgreSQL and Redis listening:

    .venv/bin/python bench/live_room.py --participants 1000
    .venv/bin/python bench/live_room.py --participants 300 --mode poll

It starts the deployment with deploy/run.sh (nginx in front of gunicorn processes for
the pages and uvicorn, sharedresp.asgi, for the event streams, sharing PostgreSQL and
Redis; production mode), creates a facilitator and a workshop (a slide, a single-choice
question, a slide), and sends every request to nginx. Each phone comes from an address
of its own (X-Forwarded-For, which the deployment trusts from nginx), as phones in a
room do, so per-address limits see a room and not one client.

Each phone joins by code, opens its page and then, as live.js does, holds one
Server-Sent Events stream and fetches its fragment when the stream says the room moved
(`--mode poll`: it polls every 2 s instead, as a page without the stream does). The host
logs in, holds a stream too (its counts refresh on `answers`) and paces the room: start,
the question, open answering; every phone answers at a moment of its own within the
window; close, reveal, the last slide, a quiet spell, the end.

Measured: answers (POST to response), follow (from the host sending an action to a phone
holding the new fragment), requests during the quiet spell (an idle room should cost
none), errors, answers stored against sent, and the CPU the server processes used per
request. The clients are coroutines of one process (aiohttp on uvloop), one stream and one
keep-alive connection per phone; their own CPU is printed too, to show they stay cheap
beside the server. The workshop and facilitator it made are deleted at the end.
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import uvloop

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/sharedresp_live"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
POLL_SECONDS = 2.0
PASSWORD = secrets.token_urlsafe(24)  # the throwaway facilitator's
FACILITATOR_EMAIL = "bench-live-facilitator@example.com"
HTMX = {"HX-Request": "true"}
VERSION = re.compile(r"state\?v=(\d+)")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Stats:
    def __init__(self):
        self.latencies = defaultdict(list)  # kind -> seconds
        self.follow = defaultdict(list)  # host action -> seconds
        self.errors = []
        self.requests = 0
        self.quiet_requests = 0
        self.pushed = 0
        self.answers = Counter()

    def error(self, message: str) -> None:
        self.errors.append(message)


class Room:
    """What the host has done, when; shared by every coroutine of the room."""

    def __init__(self, participants: int, window: float):
        self.participants, self.window = participants, window
        self.sent_at: dict[int, tuple[str, float]] = {}  # version -> (action, when sent)
        self.opened_at = 0.0
        self.quiet = False
        self.ready = 0
        self.all_ready = asyncio.Event()

    def is_ready(self):
        self.ready += 1
        if self.ready == self.participants:
            self.all_ready.set()


class Browser:
    """One phone or laptop: its cookies (kept by hand: they are Secure, the bench is HTTP)."""

    def __init__(self, room, session, stats, pages, streams):
        self.room, self.session, self.stats = room, session, stats
        self.pages, self.streams = pages, streams
        self.cookies: dict[str, str] = {}
        self.address = "10.255.255.254"

    def _headers(self, extra=None) -> dict:
        headers = dict(extra or {}) | {"X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response) -> None:
        for header in response.headers.getall("Set-Cookie", []):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    async def request(self, kind, method, path, data=None, headers=None, expect=(200,)):
        self.stats.requests += 1
        if self.room.quiet:
            self.stats.quiet_requests += 1
        started = time.perf_counter()
        try:
            async with self.session.request(
                method,
                self.pages + path,
                data=data,
                headers=self._headers(headers),
                allow_redirects=False,
            ) as response:
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:
            self.stats.error(f"{kind} {path}: {error!r}")
            return None, ""
        self.stats.latencies[f"{kind} {response.status}"].append(time.perf_counter() - started)
        self._keep_cookies(response)
        if response.status not in expect:
            self.stats.error(f"{kind} {path}: HTTP {response.status}")
        return response.status, text

    def csrf(self, html: str) -> str:
        match = CSRF_FIELD.search(html)
        return match.group(1) if match else ""

    async def events(self, path):
        """The stream's events as (name, data text), until the server ends it."""
        self.stats.requests += 1
        timeout = aiohttp.ClientTimeout(total=None, sock_read=60)
        async with self.session.get(
            self.streams + path, headers=self._headers(), timeout=timeout
        ) as response:
            if response.status != 200:
                self.stats.error(f"stream {path}: HTTP {response.status}")
                return
            name = data = None
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("retry:"):
                    yield "open", ""
                elif line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = line.removeprefix("data: ")
                elif line == "" and name:
                    yield name, data
                    name = data = None


class Phone(Browser):
    def __init__(self, number, code, *args):
        super().__init__(*args)
        self.number, self.code = number, code
        self.address = f"10.{number // 65536}.{number // 256 % 256}.{number % 256}"
        self.version = 0
        self.answering: asyncio.Task | None = None

    async def run(self, mode: str):
        try:
            if await self.join():
                await (self.follow_stream() if mode == "stream" else self.poll())
        except Exception as error:  # a crashed phone is an error to count, not a stop
            self.stats.error(f"phone {self.number}: {error!r}")

    async def join(self) -> bool:
        _status, page = await self.request("join", "GET", f"/join/{self.code}/")
        data = {"csrfmiddlewaretoken": self.csrf(page), "code": self.code}
        data["name"] = f"Phone {self.number:04}"
        status, _text = await self.request("join", "POST", "/join/", data, expect=(302,))
        if status != 302:
            return False
        _status, page = await self.request("page", "GET", f"/join/{self.code}/")
        self.version = int(VERSION.search(page).group(1))
        return True

    async def fetch(self, kind: str) -> bool:
        """The page's #live region; False once the workshop has ended (286)."""
        path = f"/join/{self.code}/state?v={self.version}"
        status, text = await self.request(kind, "GET", path, headers=HTMX, expect=(200, 204, 286))
        if status in (200, 286):
            self.saw(text)
        return status != 286

    def saw(self, fragment: str) -> None:
        found = VERSION.search(fragment)  # none once the workshop has ended
        version = int(found.group(1)) if found else max(self.room.sent_at)
        now = time.perf_counter()
        for moved in range(self.version + 1, version + 1):
            if moved in self.room.sent_at:
                action, sent = self.room.sent_at[moved]
                self.stats.follow[action].append(now - sent)
        self.version = version
        if 'name="choice"' in fragment and self.answering is None:
            self.answering = asyncio.get_running_loop().create_task(self.answer(fragment))

    async def follow_stream(self):
        ended = False
        async for name, data in self.events(f"/join/{self.code}/events"):
            if name == "open":
                self.room.is_ready()
                await self.fetch("catch-up")  # as live.js does when the stream opens
            elif name == "state":
                state = json.loads(data)
                ended = state["ended"]
                if "html" in state:  # the page came with the event, as live.js swaps it
                    self.stats.pushed += 1
                    self.saw(state["html"])
                else:
                    await self.fetch("fetch")
        if not ended:
            self.stats.error(f"phone {self.number}: the stream closed before the end")

    async def poll(self):
        self.room.is_ready()
        await asyncio.sleep(random.uniform(0, POLL_SECONDS))
        while await self.fetch("poll"):
            await asyncio.sleep(POLL_SECONDS)

    async def answer(self, form: str):
        # Everyone answers within the window, at a moment of their own.
        moment = self.room.opened_at + random.uniform(0.5, self.room.window - 1.5)
        await asyncio.sleep(max(0.0, moment - time.perf_counter()))
        action = re.search(r'action="(/join/[^"]+/answer)"', form).group(1)
        choices = re.findall(r'name="choice" value="(\d+)"', form)
        headers = HTMX | {"X-CSRFToken": self.cookies.get("csrftoken", "")}
        self.stats.answers["sent"] += 1
        _status, text = await self.request(
            "answer", "POST", action, {"choice": random.choice(choices)}, headers=headers
        )
        if "Locked in" in text:  # the phone's "your answer is in" panel
            self.stats.answers["accepted"] += 1
        else:
            self.stats.error(f"answer of phone {self.number} refused: {_status}")


class Host(Browser):
    def __init__(self, code, version, mode, idle, *args):
        super().__init__(*args)
        self.code, self.version, self.mode, self.idle = code, version, mode, idle

    async def act(self, action: str):
        self.version += 1
        self.room.sent_at[self.version] = (action, time.perf_counter())
        headers = HTMX | {"X-CSRFToken": self.cookies.get("csrftoken", "")}
        path = f"/workshops/{self.code}/host/control"
        await self.request("host action", "POST", path, {"action": action}, headers=headers)

    async def counts(self):
        """The console's live panel: on `answers` from the stream, or every 2 s."""
        headers = HTMX | {"HX-Target": "host-live"}
        path = f"/workshops/{self.code}/host/"
        if self.mode == "poll":
            while True:
                await asyncio.sleep(POLL_SECONDS)
                await self.request("host panel", "GET", path, headers=headers)
        async for name, _data in self.events(f"/join/{self.code}/events"):
            if name in ("answers", "state"):
                await self.request("host panel", "GET", path, headers=headers)

    async def run(self):
        _status, page = await self.request("host page", "GET", "/accounts/login/")
        credentials = {"username": FACILITATOR_EMAIL, "password": PASSWORD}
        data = {"csrfmiddlewaretoken": self.csrf(page), **credentials}
        await self.request("host page", "POST", "/accounts/login/", data, expect=(302,))
        await self.request("host page", "GET", f"/workshops/{self.code}/host/")
        panel = asyncio.get_running_loop().create_task(self.counts())
        try:
            await asyncio.wait_for(self.room.all_ready.wait(), timeout=120)
        except TimeoutError:
            self.stats.error(f"only {self.room.ready} phones ready within 120 s")
        await self.act("start")
        await asyncio.sleep(3)
        await self.act("next")
        await asyncio.sleep(3)
        self.room.opened_at = time.perf_counter()
        await self.act("open")
        await asyncio.sleep(self.room.window)
        await self.act("close")
        await asyncio.sleep(3)
        await self.act("reveal")
        await asyncio.sleep(5)
        await self.act("next")
        await asyncio.sleep(3)  # the last fetches settle
        self.room.quiet = True
        await asyncio.sleep(self.idle)
        self.room.quiet = False
        await self.act("end")
        panel.cancel()


# Setting up and reporting --------------------------------------------------------------


def deployment(args) -> tuple[dict, Path]:
    """The environment deploy/run.sh starts with, and the folder it runs in."""
    run_dir = Path(tempfile.gettempdir()) / f"sharedresp-live-bench-{args.port}"
    env = os.environ | {
        "DATABASE_URL": args.database,
        "REDIS_URL": args.redis,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PORT": str(args.port),
        "APP_PROCESSES": str(args.app_processes),
        "WORKERS": str(args.workers),
        "THREADS": str(args.threads),
        "RUN_DIR": str(run_dir),
    }
    return env, run_dir


def deploy(env: dict, command: str) -> None:
    subprocess.run(["deploy/run.sh", command], cwd=ROOT, env=env, check=True)


def prepare(env: dict):
    """A facilitator and a workshop in the deployment's database. Returns the ORM bits."""
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
    question = Question.objects.filter(kind="single", retired=False, exam_only=False).first()
    items = [
        WorkshopItem(kind=ItemKind.SLIDE, title="Welcome", body="Phones out."),
        WorkshopItem(kind=ItemKind.QUESTION, question=question),
        WorkshopItem(kind=ItemKind.SLIDE, title="Thank you", body="That is all."),
    ]
    workshop = Workshop.objects.create_from(host=host, title="Benchmark room", items=items)
    return host, workshop


def server_pids(run_dir: Path) -> list[int]:
    """nginx, the gunicorn masters, uvicorn and the task worker (children count too)."""
    return [int(pidfile.read_text()) for pidfile in run_dir.glob("*.pid")]


def cpu_seconds(pids) -> float:
    """User and system CPU of these processes and their children, while they run."""
    ticks = os.sysconf("SC_CLK_TCK")
    family, total = set(pids), 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) in family or int(fields[1]) in family:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(values, p: int) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


def describe(values) -> str:
    if len(values) < 2:
        return "n/a"
    return (
        f"p50 {percentile(values, 50):7.1f}  p95 {percentile(values, 95):7.1f}  "
        f"p99 {percentile(values, 99):7.1f}  max {max(values) * 1000:7.1f} ms"
    )


async def run_room(args, code: str, version: int, stats: Stats) -> None:
    room = Room(args.participants, args.window)
    pages = streams = f"http://127.0.0.1:{args.port}"  # nginx sends each where it belongs
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Every phone keeps its own cookies; the connections are pooled as a browser's.
        browser = (room, session, stats, pages, streams)
        host = Host(code, version, args.mode, args.idle, *browser)
        host_task = asyncio.get_running_loop().create_task(host.run())
        phones = []
        for number in range(args.participants):  # a room arriving over a few seconds
            phone = Phone(number, code, *browser)
            phones.append(asyncio.get_running_loop().create_task(phone.run(args.mode)))
            await asyncio.sleep(args.ramp / args.participants)
        await host_task
        _done, pending = await asyncio.wait(phones, timeout=30)
        for task in pending:
            task.cancel()
        if pending:
            stats.error(f"{len(pending)} phones did not see the end within 30 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--mode", choices=["stream", "poll"], default="stream")
    parser.add_argument("--app-processes", type=int, default=2, help="gunicorn instances")
    parser.add_argument("--workers", type=int, default=2, help="workers per gunicorn")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=8600, help="nginx; the app takes the next")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds for everyone to join")
    parser.add_argument("--window", type=float, default=10.0, help="seconds to answer")
    parser.add_argument("--idle", type=float, default=10.0, help="quiet spell before the end")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")

    env, run_dir = deployment(args)
    deploy(env, "start")
    host_user, workshop = prepare(env)
    try:
        stats = Stats()
        pids = server_pids(run_dir)
        server_cpu, client_cpu = cpu_seconds(pids), time.process_time()
        started = time.perf_counter()
        # uvloop, as under uvicorn: with asyncio's own loop, reading a thousand streams
        # in this one process added some 20 ms to the last phone's time of every event.
        uvloop.run(run_room(args, workshop.code, workshop.version, stats))
        seconds = time.perf_counter() - started
        server_cpu = cpu_seconds(pids) - server_cpu
        client_cpu = time.process_time() - client_cpu
        stored = workshop.items.get(kind="question").answers.count()
        report(args, stats, stored, seconds, server_cpu, client_cpu)
    finally:
        deploy(env, "stop")
        workshop.delete()
        host_user.delete()


def report(args, stats, stored, seconds, server_cpu, client_cpu) -> None:
    print(
        f"\n{args.participants} phones ({args.mode}) through nginx: {args.app_processes} gunicorn "
        f"x {args.workers} workers x {args.threads} threads, uvicorn, PostgreSQL, Redis; "
        f"{os.cpu_count()} cores shared with the clients"
    )
    print(
        f"requests  {stats.requests} in {seconds:.1f} s; during the quiet spell: "
        f"{stats.quiet_requests} in {args.idle:.0f} s"
    )
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        print(f"  {kind:<16} {len(values):6}  {describe(values)}")
    follow = [value for values in stats.follow.values() for value in values]
    print(
        f"follow    {len(follow):6}  {describe(follow)}; {stats.pushed} pages came in the stream"
    )
    for action, values in stats.follow.items():
        print(f"  {action:<16} {len(values):6}  {describe(values)}")
    print(f"errors    {len(stats.errors)}")
    for message in stats.errors[:10]:
        print(f"  {message}")
    answers = [
        v for kind, values in stats.latencies.items() if kind.startswith("answer") for v in values
    ]
    per_request = server_cpu * 1000 / max(stats.requests, 1)
    print(f"cpu       server {server_cpu:.1f} s, clients {client_cpu:.1f} s")
    print(
        f"bench: live participants={args.participants} mode={args.mode} "
        f"errors={len(stats.errors)} answers_sent={stats.answers['sent']} "
        f"answers_stored={stored} p50_ms={percentile(answers, 50):.0f} "
        f"p99_ms={percentile(answers, 99):.0f} follow_p50_ms={percentile(follow, 50):.0f} "
        f"follow_p99_ms={percentile(follow, 99):.0f} idle_requests={stats.quiet_requests} "
        f"server_cpu_ms_per_request={per_request:.1f} "
        f"client_cpu_ms_per_request={client_cpu * 1000 / max(stats.requests, 1):.1f}"
    )


if __name__ == "__main__":
    main()
