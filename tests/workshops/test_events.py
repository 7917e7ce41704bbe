"""The live room's event stream, read over real HTTP from the ASGI server (uvicorn).

The server runs in a thread of the test process against the test database; a real
Redis (started here, or REDIS_URL) carries the messages when a test asks for it.
Reads wait at most TIMEOUT seconds: that guards against a hang and measures nothing.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
import redis
import uvicorn
from django.core.cache import cache
from django.db import transaction

from workshops import push, streams
from workshops.models import ANSWER_GRACE, AnsweringClosedError, answer_signatures
from workshops.views import room_fragments

from .conftest import (  # noqa: F401
    act,
    add_participants,
    join,
    open_question,
    right_selection,
    roles,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles")]
TIMEOUT = 10


class AsgiServer:
    """sharedresp.asgi served by uvicorn on a free port, in a thread of this process."""

    def __init__(self):
        from sharedresp.asgi import application

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(application, loop="asyncio", lifespan="off", log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]})

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(TIMEOUT)
        self.socket.close()


@pytest.fixture
def asgi_server():
    with AsgiServer() as server:
        yield server


@pytest.fixture
def redis_url(settings, tmp_path):
    """A real Redis: REDIS_URL if set, else a redis-server started for the test."""
    if os.environ.get("REDIS_URL"):
        settings.REDIS_URL = os.environ["REDIS_URL"]
        yield settings.REDIS_URL
        return
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server not found and REDIS_URL not set"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    server = subprocess.Popen(  # noqa: S603 - the redis-server found on PATH
        [*command, "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL
    )
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(settings.REDIS_URL)
    for _attempt in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield settings.REDIS_URL
    client.close()
    server.terminate()
    server.wait(TIMEOUT)


class Stream:
    """One EventSource, as a browser opens it: GET with the page's cookies."""

    def __init__(self, server, code, **cookies):
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        headers = {"Accept": "text/event-stream", "Accept-Encoding": "gzip", "Cookie": cookie}
        self.connection.request("GET", f"/join/{code}/events", headers=headers)
        self.response = self.connection.getresponse()

    def next_event(self) -> tuple[str, dict]:
        """The next event's name and data, past the opening, comments and heartbeats."""
        name, data = None, None
        while True:
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
            elif line == "" and name:
                return name, data

    def close(self):
        self.connection.close()


def participant_stream(server, workshop, name="Pat"):
    browser, participant = join(workshop, name)
    cookie = browser.cookies["participant"].value
    stream = Stream(server, workshop.code, participant=cookie)
    assert stream.response.status == 200
    return stream, participant, cookie


def test_the_stream_opens_as_server_sent_events(workshop, asgi_server):
    stream, _participant, _cookie = participant_stream(asgi_server, workshop)
    assert stream.response.getheader("Content-Type") == "text/event-stream"
    assert "no-cache" in stream.response.getheader("Cache-Control")
    assert stream.response.getheader("X-Accel-Buffering") == "no"
    assert stream.response.getheader("Content-Encoding") is None  # events go out at once
    assert stream.response.readline() == b"retry: 2000\n"
    stream.close()


def test_without_redis_a_host_action_reaches_the_stream_with_the_page(
    workshop, asgi_server, settings
):
    settings.REDIS_URL = ""
    browser, _participant = join(workshop, "Sam")
    stream = Stream(asgi_server, workshop.code, participant=browser.cookies["participant"].value)
    old = workshop.version
    workshop.control("start")
    name, data = stream.next_event()
    assert (name, data["version"], data["ended"]) == ("state", workshop.version, False)
    # The fragment the poll would have fetched, rendered afresh here for that request.
    cache.clear()
    polled = browser.get(f"/join/{workshop.code}/state?v={old}", headers={"HX-Request": "true"})
    assert data["html"] == polled.text
    assert "A slide" in data["html"]
    stream.close()


def test_a_timed_question_closes_on_the_stream_at_its_deadline(workshop, asgi_server, settings):
    settings.REDIS_URL = ""
    stream, _participant, _cookie = participant_stream(asgi_server, workshop)
    act(workshop, "start", "next")
    item = workshop.current_item()
    type(item).objects.filter(pk=item.pk).update(time_limit=1)
    workshop.control("open")
    opened = workshop.version
    # No poll and no host action: the stream's own check closes answering at the deadline.
    while (event := stream.next_event())[1]["version"] <= opened:
        pass
    item.refresh_from_db()
    assert item.phase == "closed"
    assert event[1]["version"] == opened + 1
    assert 'name="choice"' not in event[1]["html"]
    stream.close()


def test_a_host_stream_carries_no_page(workshop, asgi_server, settings, client, facilitator):
    settings.REDIS_URL = ""
    client.force_login(facilitator)
    host = Stream(asgi_server, workshop.code, sessionid=client.cookies["sessionid"].value)
    workshop.control("start")
    assert host.next_event() == ("state", {"version": workshop.version, "ended": False})
    host.close()


def without_page(event):
    name, data = event
    return name, {key: value for key, value in data.items() if key != "html"}


def test_with_redis_a_host_action_is_pushed(workshop, asgi_server, redis_url, monkeypatch):
    # No database check in this test's lifetime: only the published message can arrive.
    monkeypatch.setattr(streams, "CHECK_SECONDS_WITH_REDIS", 3600)
    stream, participant, _cookie = participant_stream(asgi_server, workshop)
    stream.response.readline()  # the opening: the room is watched from here on
    wait_for_subscription(redis_url)
    workshop.control("start")
    expected = ("state", {"version": workshop.version, "ended": False})
    assert without_page(stream.next_event()) == expected
    workshop.control("next")
    expected = ("state", {"version": workshop.version, "ended": False})
    assert without_page(stream.next_event()) == expected
    workshop.control("open")
    item = workshop.current_item()
    assert 'name="choice"' in stream.next_event()[1]["html"]
    participant.answer(item, **right_selection(item))
    workshop.control("end")
    # No `answers` before it: a participant's page shows no counts.
    name, data = stream.next_event()
    assert without_page((name, data)) == ("state", {"version": workshop.version, "ended": True})
    assert "You answered 1 of 1 questions. Your score: 100%." in data["html"]
    assert stream.response.read() == b""  # the stream ends with the workshop
    stream.close()


def wait_for_subscription(url):
    client = redis.Redis.from_url(url)
    for _attempt in range(200):
        if client.pubsub_numpat():
            break
        time.sleep(0.05)
    client.close()


def test_without_redis_answers_and_joins_reach_the_host(
    workshop, asgi_server, settings, client, facilitator
):
    settings.REDIS_URL = ""
    client.force_login(facilitator)
    host = Stream(asgi_server, workshop.code, sessionid=client.cookies["sessionid"].value)
    assert host.response.status == 200
    join(workshop, "Sam")
    assert host.next_event() == ("answers", {})
    host.close()


def test_the_end_of_the_workshop_ends_the_stream_for_good(workshop, asgi_server, settings):
    settings.REDIS_URL = ""
    browser, _participant = join(workshop, "Sam")
    cookie = browser.cookies["participant"].value
    stream = Stream(asgi_server, workshop.code, participant=cookie)
    act(workshop, "start", "end")
    name, data = stream.next_event()
    while not data["ended"]:  # "start" may have been seen on its own
        name, data = stream.next_event()
    assert (name, data["version"]) == ("state", workshop.version)
    # The participant's own final page comes in the event, as the poll would give it:
    # the whole room does not fetch at once.
    polled = browser.get(f"/join/{workshop.code}/state?v=0", headers={"HX-Request": "true"})
    assert data["html"] == polled.text
    assert "The workshop has ended" in data["html"]
    assert stream.response.read() == b""
    stream.close()
    again = Stream(asgi_server, workshop.code, participant=cookie)
    assert again.response.status == 204  # the browser's EventSource stops reconnecting
    again.close()


def test_only_the_room_may_listen(workshop, asgi_server, client, other_facilitator):
    stranger = Stream(asgi_server, workshop.code)
    assert stranger.response.status == 403
    stranger.close()
    client.force_login(other_facilitator)
    other_host = Stream(asgi_server, workshop.code, sessionid=client.cookies["sessionid"].value)
    assert other_host.response.status == 403
    other_host.close()
    nowhere = Stream(asgi_server, "ZZZZZZ")
    assert nowhere.response.status == 404
    nowhere.close()


class TestPublishOnCommit:
    def messages(self, redis_url):
        client = redis.Redis.from_url(redis_url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        pubsub.psubscribe(push.channel_prefix() + "*")
        while pubsub.subscribed and pubsub.get_message(timeout=0.2) is not None:
            pass  # read the confirmation: from here on, messages reach this subscriber
        return pubsub

    def test_a_host_action_is_published_once_its_transaction_commits(self, workshop, redis_url):
        pubsub = self.messages(redis_url)
        with transaction.atomic():
            workshop.control("start")
            assert pubsub.get_message(timeout=0.5) is None
        message = pubsub.get_message(timeout=TIMEOUT)
        assert message["channel"].decode() == f"{push.channel_prefix()}{workshop.pk}"
        assert json.loads(message["data"]) == {
            "event": "state",
            "version": workshop.version,
            "ended": False,
        }
        pubsub.close()

    def test_a_change_rolled_back_publishes_nothing(self, workshop, redis_url):
        pubsub = self.messages(redis_url)

        def start_then_fail():
            with transaction.atomic():
                workshop.control("start")
                raise RuntimeError("the request failed after the action")

        with pytest.raises(RuntimeError):
            start_then_fail()
        assert pubsub.get_message(timeout=0.5) is None
        pubsub.close()

    def test_a_stored_answer_is_published_a_refused_one_is_not(self, workshop, redis_url, clock):
        participant = workshop.join("Pat")
        act(workshop, "start", "next", "open", "close")
        item = workshop.current_item()
        clock.advance(ANSWER_GRACE + timedelta(seconds=1))
        pubsub = self.messages(redis_url)
        with pytest.raises(AnsweringClosedError):
            participant.answer(item, **right_selection(item))
        assert pubsub.get_message(timeout=0.5) is None
        workshop.control("open")
        assert json.loads(pubsub.get_message(timeout=TIMEOUT)["data"])["event"] == "state"
        participant.answer(item, **right_selection(item))
        assert json.loads(pubsub.get_message(timeout=TIMEOUT)["data"]) == {"event": "answers"}
        pubsub.close()


def ranked_room(workshop, *, joined: int, others: int):
    """A ranked room with answering open on its question: `joined` people came through
    the join form (their browsers, to poll with), `others` were added directly."""
    workshop.ranked = True
    workshop.save()
    browsers = dict(join(workshop, f"Joined {n}")[::-1] for n in range(joined))
    add_participants(workshop, others)
    item = open_question(workshop)
    return browsers, item, list(workshop.participants.order_by("pk"))


def assert_pushed_as_polled(workshop, pages, browsers):
    """Each browser's pushed page is the one its poll gets, rendered afresh."""
    for person, browser in browsers.items():
        cache.clear()
        polled = browser.get(f"/join/{workshop.code}/state?v=0", headers={"HX-Request": "1"})
        assert pages[person.pk] == polled.text


class TestUnderWsgi:
    """runserver and gunicorn hold a thread per stream: a bounded stream, or 204."""

    def test_by_default_it_answers_204_so_the_page_polls(self, workshop, settings):
        settings.LIVE_STREAM_WSGI_SECONDS = 0
        browser, _participant = join(workshop)
        path = f"/join/{workshop.code}/events"
        assert browser.get(path).status_code == 204

    def test_it_can_stream_for_a_bounded_time(self, workshop, settings):
        settings.REDIS_URL = ""
        settings.LIVE_STREAM_WSGI_SECONDS = 3
        browser, _participant = join(workshop)
        path = f"/join/{workshop.code}/events"
        response = browser.get(path)
        assert response["Content-Type"] == "text/event-stream"
        chunks = iter(response.streaming_content)
        assert next(chunks) == b"retry: 2000\n\n"
        workshop.control("start")
        name, data = next(chunks).decode().split("\n")[:2]
        assert name == "event: state"
        data = json.loads(data.removeprefix("data: "))
        assert (data["version"], data["ended"]) == (workshop.version, False)
        assert "A slide" in data["html"]
        assert list(chunks) == []  # over after 3 s: the browser reconnects
        response.close()


class TestRoom:
    """How one process's room tells its streams: answers at most once a second, and one
    heartbeat for them all."""

    def test_a_burst_of_answers_makes_one_event_now_and_one_after_the_pause(self):
        import asyncio

        async def burst():
            room = streams.Room(streams.RoomState(1, 1, 1, False, (0, 0)))
            for _answer in range(50):
                room.counted()
            first = room.answers_count
            await asyncio.sleep(streams.ANSWERS_EVERY_SECONDS * 1.5)
            return first, room.answers_count

        assert asyncio.run(burst()) == (1, 2)

    def test_quiet_streams_hear_the_rooms_heartbeat_and_each_event_once(self, monkeypatch):
        import asyncio

        async def quiet_then_moved():
            room = streams.Room(streams.RoomState(1, 1, 1, False, (0, 0)))
            phones = [room.events(participant_id) for participant_id in (7, 8)]
            host = room.events(None)
            for stream in (*phones, host):
                assert await anext(stream) == streams.OPENING
            room.beat()  # too soon: nothing
            monkeypatch.setattr(streams, "HEARTBEAT_SECONDS", 0.0)
            room.beat()
            heard = [await anext(stream) for stream in (*phones, host)]
            room.counted()  # counts: the host's stream only
            room.moved(2, ended=False)  # no pages to make (no render): a bare `state`
            after = [await anext(stream) for stream in (*phones, host, host)]
            with pytest.raises(TimeoutError):  # the phones have nothing more
                await asyncio.wait_for(anext(phones[0]), 0.1)
            return heard, after

        heard, after = asyncio.run(quiet_then_moved())
        assert heard == [streams.HEARTBEAT] * 3
        state = b'event: state\ndata: {"version": 2, "ended": false}\n\n'
        assert after == [state, state, state, streams.ANSWERS_EVENT]


class TestRoomThread:
    """Every room's database work in a process goes through one connection."""

    def test_tasks_of_any_context_share_the_room_threads_connection(self, workshop):
        import asyncio

        from django.db import connection

        def connection_in_use():
            streams.read_room(pk=workshop.pk)
            return connection.connection

        async def from_two_tasks():
            ask = streams._in_room_thread(connection_in_use)
            return await streams._spawn(ask()), await streams._spawn(ask())

        first, second = asyncio.run(from_two_tasks())
        assert first is second
        streams.release_connection()
        held = streams._room_thread.submit(
            streams._in_room_context, lambda: connection.connection
        ).result()
        assert held is None
        again, _same = asyncio.run(from_two_tasks())
        assert again is _same is not first
        streams.release_connection()


class TestCost:
    """What a room costs the stream does not grow with its phones."""

    pytestmark = pytest.mark.django_db

    def test_reading_a_room_is_one_query(self, workshop, django_assert_num_queries):
        add_participants(workshop, 30)
        with django_assert_num_queries(1):
            state = streams.read_room(code=workshop.code)
        assert state.counts == (30, 0)

    @pytest.mark.parametrize("room", [10, 40])
    def test_final_pages_are_read_in_one_go_and_match_the_polls(
        self, workshop, room, django_assert_max_num_queries
    ):
        browsers, item, people = ranked_room(workshop, joined=3, others=room)
        for person in people[1 : room // 2]:  # some answer right, at moments of their own
            person.answer(item, **right_selection(item))
        workshop.remove(people[-1])
        act(workshop, "close", "reveal", "end")
        with django_assert_max_num_queries(3):
            version, pages = room_fragments(workshop.pk, [person.pk for person in people])
        assert version == workshop.version
        assert people[-1].pk not in pages  # removed: their own page says so
        assert len(pages) == len(people) - 1
        assert_pushed_as_polled(workshop, pages, browsers)
        assert "you came 1st of" in pages[people[1].pk]
        assert f"of {len(people) - 1}." in pages[people[0].pk]

    @pytest.mark.parametrize("room", [10, 40])
    def test_pages_of_a_reveal_are_read_in_one_go_and_match_the_polls(
        self, workshop, room, clock, django_assert_max_num_queries
    ):
        browsers, item, people = ranked_room(workshop, joined=2, others=room)
        for person in people[1:]:  # each at a moment of their own: points of their own
            clock.advance(timedelta(milliseconds=300))
            person.answer(item, **right_selection(item))
        act(workshop, "close", "reveal")
        cache.clear()
        with django_assert_max_num_queries(12):
            version, pages = room_fragments(workshop.pk, [person.pk for person in people])
        assert version == workshop.version
        assert len(set(pages.values())) == len(people)  # every page its own
        assert_pushed_as_polled(workshop, pages, browsers)
        assert "you are 1st of" in pages[people[1].pk]  # the quickest

    def test_without_points_a_reveal_is_one_page_per_answer(self, workshop, clock):
        workshop.ranked = False
        workshop.save()
        add_participants(workshop, 20)
        item = open_question(workshop)
        wrong = next(choice for choice in item.question.choices.all() if not choice.is_correct)
        people = list(workshop.participants.order_by("pk"))
        for number, person in enumerate(people):
            clock.advance(timedelta(milliseconds=300))  # points of their own, not shown
            right = number % 2 == 0
            person.answer(item, **right_selection(item) if right else {"choice_ids": [wrong.pk]})
        act(workshop, "close", "reveal")
        # Two pages to make, not one per phone: right, and that one wrong choice.
        assert len(set(answer_signatures(workshop).values())) == 2
        _version, pages = room_fragments(workshop.pk, [person.pk for person in people])
        assert len(set(pages.values())) == 2

    @pytest.mark.parametrize("room", [10, 40])
    def test_pages_alike_are_rendered_once_for_the_room(
        self, workshop, room, django_assert_max_num_queries
    ):
        add_participants(workshop, room)
        open_question(workshop)
        people = [person.pk for person in workshop.participants.all()]
        # Nobody has answered yet: one page for all, whatever the number of people. (Once
        # answers carry points, each answerer's page is their own and is rendered apiece.)
        with django_assert_max_num_queries(14):
            version, pages = room_fragments(workshop.pk, people)
        assert version == workshop.version
        assert len(pages) == room
        assert len(set(pages.values())) == 1
