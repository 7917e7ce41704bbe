"""Server-Sent Events for the live room: what the stream endpoint sends, and when.

A stream tells a page that something changed: `state` when the room's version moved,
and `answers` when its counts moved, at most once a second per room. Pages then fetch
what changed through the same fragment URLs their fallback polls use; a participant's
`state` event carries that fragment itself (`Room`), the very one the poll would get, so
a stream never shows anyone more than a poll would.

Under the ASGI server every process keeps one `Room` per workshop it streams for, shared
by all the streams open on it, so the cost of a room does not grow with its phones:

- with REDIS_URL, one subscription per process hears every room's messages
  (workshops.push) and wakes that room's streams;
- each room is also read from the database at an interval, one query per room and
  process: every second without Redis (then that is the whole mechanism: `make run`,
  tests on SQLite) and every few seconds with it, as the safety net for a lost message.

A WSGI server holds a thread per stream, so there a stream lasts a bounded time and reads
the room itself at the same short interval (settings.LIVE_STREAM_WSGI_SECONDS).
"""

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

import redis.asyncio
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import LiveAnswer, Participant, Workshop
from .push import ANSWERS, STATE, channel_prefix

# A browser whose stream dropped tries again after this long (the EventSource default is
# about 3 s); meanwhile its page polls.
RETRY_MS = 2_000
# Proxies and load balancers close connections that stay silent for a minute or so.
HEARTBEAT_SECONDS = 15.0
ANSWERS_EVERY_SECONDS = 1.0
CHECK_SECONDS = 1.0
CHECK_SECONDS_WITH_REDIS = 5.0
RESUBSCRIBE_SECONDS = 1.0
DEADLINE_MARGIN_SECONDS = 0.05
CLOSE_AFTER_END_SECONDS = 1.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoomState:
    """What a stream needs to know of a workshop; `counts` changes as people answer or join."""

    workshop_id: int
    host_id: int
    version: int
    ended: bool
    counts: tuple[int, int]
    closing_time: datetime | None = None  # the timed question's deadline, if one is open


def read_room(**lookup) -> RoomState | None:
    """The room found by `lookup` (code= or pk=), or None: one query."""
    joined = (
        Participant.objects.filter(workshop=OuterRef("pk"))
        .order_by()
        .values("workshop")
        .annotate(total=Count("pk"))
        .values("total")
    )
    answered = (
        LiveAnswer.objects.filter(item__workshop=OuterRef("pk"))
        .order_by()
        .values("item__workshop")
        .annotate(total=Count("pk"))
        .values("total")
    )
    row = (
        Workshop.objects.with_closing_time()
        .filter(**lookup)
        .annotate(joined=Coalesce(Subquery(joined), 0), answered=Coalesce(Subquery(answered), 0))
        .values_list("pk", "host_id", "version", "state", "joined", "answered", "closing_time")
        .first()
    )
    if row is None:
        return None
    pk, host_id, version, state, joined_count, answered_count, closing_time = row
    ended = state == Workshop.State.ENDED
    return RoomState(pk, host_id, version, ended, (joined_count, answered_count), closing_time)


def close_if_due(state: RoomState) -> None:
    """At a timed question's deadline answering closes: with no poll left to read the room
    (Workshop.close_answering_if_due), the stream's own check does it, and publishes it."""
    if state.closing_time and state.closing_time <= timezone.now():
        Workshop(pk=state.workshop_id).close_answering_if_due()


# Room work (reading a room, closing a due question, rendering what a host action changed)
# runs in one thread per process and one context there, so in one database connection
# (Django keeps connections per context): one per process however many streams are open,
# and none opened at a host action (a fresh connection, on a backend with cold caches,
# made every host action tens of ms slower).
_room_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-rooms")
_room_context = contextvars.Context()


def _in_room_context(function, *args, **kwargs):
    try:
        return _room_context.run(function, *args, **kwargs)
    except Exception:
        _room_context.run(connection.close)  # broken: the next call connects afresh
        raise


def _in_room_thread(function):
    async def call(*args, **kwargs):
        work = functools.partial(_in_room_context, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(_room_thread, work)

    return call


def _close_connection() -> None:
    connection.close()


def release_connection() -> None:
    """Close the room thread's connection now (a database cannot be dropped while a
    connection to it is open)."""
    _room_thread.submit(_in_room_context, _close_connection).result()


def _spawn(coroutine) -> asyncio.Task:
    # A fresh context: a task started while serving one request must not run its
    # database calls in that request's thread, which ends with the request.
    return asyncio.create_task(coroutine, context=contextvars.Context())


def changes(before: RoomState, after: RoomState | None) -> list[str]:
    """The events that take a page from `before` to `after` (None: the room is gone)."""
    if after is None:
        return [STATE]
    events = []
    if after.version != before.version or after.ended != before.ended:
        events.append(STATE)
    if after.counts != before.counts:
        events.append(ANSWERS)
    return events


# Events are encoded here, once each, rather than by the response for every stream: a
# host action sends the same few pages to a thousand streams.
def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def state_event(state: RoomState, html: str | None = None) -> bytes:
    data = {"version": state.version, "ended": state.ended}
    return sse(STATE, data | {"html": html} if html else data)


OPENING = f"retry: {RETRY_MS}\n\n".encode()
HEARTBEAT = b": still here\n\n"
ANSWERS_EVENT = sse(ANSWERS, {})


class Room:
    """One workshop as this process streams it; every stream open on it shares it.

    After a host action each participant's stream carries the fragment a poll would
    fetch (`render`, one render per distinct page, not per phone): a room of a thousand
    fetching at once would queue behind each other for seconds. The host's regions, and
    any page whose fragment is missing, fetch as usual.
    """

    def __init__(self, state: RoomState):
        self.state = state
        self.streams = 0
        self.participants: Counter[int] = Counter()  # streams open per participant
        self.render = None  # (workshop id, participant ids) -> (version, {id: fragment})
        self.fragments: dict[int, str] = {}
        self._texts: dict[str | None, bytes] = {}  # each distinct `state` event, encoded once
        self.state_count = 0  # how many `state` events so far
        self.answers_count = 0
        self.heartbeats = 0
        self._heartbeat_at = time.monotonic()
        self._changed = asyncio.Event()
        self._answers_at = float("-inf")
        self._answers_later: asyncio.TimerHandle | None = None
        self._stale = False
        self._rendering: asyncio.Task | None = None
        self.watcher: asyncio.Task | None = None
        self.recheck = asyncio.Event()

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _announce_state(self) -> None:
        self.state_count += 1
        self._texts = {}
        self._wake()

    def state_text(self, participant_id: int | None) -> bytes:
        html = self.fragments.get(participant_id)
        if html not in self._texts:
            self._texts[html] = state_event(self.state, html)
        return self._texts[html]

    def moved(self, version: int, ended: bool) -> None:
        """The room's version is `version` now (a message or a check may come twice)."""
        if version <= self.state.version and ended == self.state.ended:
            return
        self.state = replace(self.state, version=max(version, self.state.version), ended=ended)
        if self.render is None or not self.participants:
            self.fragments = {}
            self._announce_state()
        else:
            self._stale = True
            if self._rendering is None:
                self._rendering = _spawn(self._render_then_announce())
        # The watcher reads the room at once (a deadline may have come), in the same
        # thread: after the render, which the whole room is waiting for.
        self.recheck.set()

    async def _render_then_announce(self) -> None:
        render = _in_room_thread(self.render)
        try:
            while self._stale:
                self._stale = False
                try:
                    version, fragments = await render(
                        self.state.workshop_id, list(self.participants)
                    )
                except Exception:  # the pages fetch instead; the room must go on
                    log.exception("live room %s: rendering failed", self.state.workshop_id)
                    version, fragments = 0, {}
                if self._stale:  # the room moved on while these were made
                    continue
                self.fragments = fragments
                self.state = replace(self.state, version=max(version, self.state.version))
                self._announce_state()
        finally:
            self._rendering = None

    def counted(self) -> None:
        """The counts moved: tell the streams now, or once a second has passed since last."""
        loop = asyncio.get_running_loop()
        wait = self._answers_at + ANSWERS_EVERY_SECONDS - loop.time()
        if wait <= 0:
            self._announce_answers()
        elif self._answers_later is None:
            self._answers_later = loop.call_later(wait, self._announce_answers)

    def _announce_answers(self) -> None:
        self._answers_later = None
        self._answers_at = asyncio.get_running_loop().time()
        self.answers_count += 1
        self._wake()

    def beat(self) -> None:
        """A heartbeat on every stream, if HEARTBEAT_SECONDS have passed since the last:
        one clock for the room rather than a timer on each stream."""
        now = time.monotonic()
        if now - self._heartbeat_at >= HEARTBEAT_SECONDS:
            self._heartbeat_at = now
            self.heartbeats += 1
            self._wake()

    def checked(self, state: RoomState | None) -> None:
        """What a read of the database found."""
        events = changes(self.state, state)
        if state is None:
            self.moved(self.state.version, ended=True)
            return
        self.state = replace(self.state, closing_time=state.closing_time)
        if ANSWERS in events:
            self.state = replace(self.state, counts=state.counts)
            self.counted()
        if STATE in events:
            self.moved(state.version, state.ended)

    async def events(self, participant_id: int | None) -> AsyncIterator[bytes]:
        """One stream's text: the opening, then events and heartbeats until the room ends.

        `answers` go to the streams of the host's and presenter's pages (participant_id
        None); a participant's page shows no counts."""
        states, answers, heartbeats = self.state_count, self.answers_count, self.heartbeats
        yield OPENING
        while True:
            changed = self._changed
            if self.state_count != states:
                states = self.state_count
                yield self.state_text(participant_id)
                continue
            if self.answers_count != answers:
                answers = self.answers_count
                # Only the host's and the presenter's pages show counts: a thousand
                # phones woken each second while the room answers would slow the answers.
                if participant_id is None:
                    yield ANSWERS_EVENT
                continue
            if self.heartbeats != heartbeats:
                heartbeats = self.heartbeats
                yield HEARTBEAT
                continue
            if self.state.ended and self._rendering is None:
                # After the last `state`, which carries everyone's final page (pages
                # close their stream on it). Closing a response costs a hop to a thread:
                # let the last page reach every phone before the streams close.
                await asyncio.sleep(CLOSE_AFTER_END_SECONDS)
                return
            await changed.wait()


class Hub:
    """This process's rooms, kept while a stream is open on them, and its Redis subscription."""

    def __init__(self):
        self.rooms: dict[int, Room] = {}
        self._codes: dict[str, int] = {}
        self._loading: dict[str, asyncio.Future] = {}
        self._listener: asyncio.Task | None = None

    async def room(self, code: str) -> Room | None:
        """The room with this join code, read once however many phones ask at once."""
        workshop_id = self._codes.get(code)
        if workshop_id in self.rooms:
            return self.rooms[workshop_id]
        if code not in self._loading:
            self._loading[code] = _spawn(_in_room_thread(read_room)(code=code))
        try:
            state = await asyncio.shield(self._loading[code])
        finally:
            self._loading.pop(code, None)
        if state is None:
            return None
        self._codes[code] = state.workshop_id
        return self.rooms.setdefault(state.workshop_id, Room(state))

    async def follow(self, room: Room, participant_id: int | None, render) -> AsyncIterator[bytes]:
        """A stream on `room`; the room is watched while at least one stream is open.

        `participant_id`: whose fragments the stream carries (None: the host's, none);
        `render`: how to make them (Room.render).
        """
        # The room may have been let go while this request checked who is asking.
        room = self.rooms.setdefault(room.state.workshop_id, room)
        room.render = render
        room.streams += 1
        if participant_id is not None:
            room.participants[participant_id] += 1
        if room.watcher is None:
            room.watcher = _spawn(self._watch(room))
        if settings.REDIS_URL and self._listener is None:
            self._listener = _spawn(self._listen())
        try:
            async for chunk in room.events(participant_id):
                yield chunk
        finally:
            room.streams -= 1
            if participant_id is not None:
                room.participants[participant_id] -= 1
                if not room.participants[participant_id]:
                    del room.participants[participant_id]
            if room.streams == 0:
                room.watcher.cancel()
                room.watcher = None
                del self.rooms[room.state.workshop_id]
                if not self.rooms:  # none streaming here: no connection held until one is
                    _spawn(_in_room_thread(_close_connection)())

    async def _watch(self, room: Room) -> None:
        interval = CHECK_SECONDS_WITH_REDIS if settings.REDIS_URL else CHECK_SECONDS
        read, close = _in_room_thread(read_room), _in_room_thread(close_if_due)
        while not room.state.ended:
            room.beat()
            wait = interval
            if room.state.closing_time:
                until = (room.state.closing_time - timezone.now()).total_seconds()
                wait = max(0.0, min(interval, until + DEADLINE_MARGIN_SECONDS))
            room.recheck.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await room.recheck.wait()
            try:
                await close(room.state)
                room.checked(await read(pk=room.state.workshop_id))
            except DatabaseError as error:
                log.warning("live room %s: check failed (%s)", room.state.workshop_id, error)

    async def _listen(self) -> None:
        prefix = channel_prefix().encode()
        pattern = b"".join(b"\\" + bytes([c]) if c in b"*?[]\\" else bytes([c]) for c in prefix)
        while True:
            client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(pattern + b"*")
                    async for message in pubsub.listen():
                        if message["type"] == "pmessage":
                            self._deliver(message["channel"][len(prefix) :], message["data"])
            except (redis.RedisError, OSError) as error:
                log.warning("live rooms: Redis subscription lost (%s); retrying", error)
            finally:
                await client.aclose()
            await asyncio.sleep(RESUBSCRIBE_SECONDS)

    def _deliver(self, workshop_id: bytes, data: bytes) -> None:
        room = self.rooms.get(int(workshop_id)) if workshop_id.isdigit() else None
        if room is None:
            return
        try:
            message = json.loads(data)
            if message.get("event") == STATE:
                room.moved(int(message["version"]), bool(message["ended"]))
            elif message.get("event") == ANSWERS:
                room.counted()
        except (ValueError, KeyError, TypeError, AttributeError):
            # Not one of ours: the room's own check still finds every change.
            log.warning("live room %s: unreadable message %r", room.state.workshop_id, data)


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """The hub of the running event loop (one per ASGI process; tests may run several)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        for old in [old for old in _hubs if old.is_closed()]:
            del _hubs[old]
        _hubs[loop] = Hub()
    return _hubs[loop]


def bounded_events(
    state: RoomState, seconds: float, participant_id: int | None, render
) -> Iterator[bytes]:
    """A stream for a WSGI server: it reads the room itself and stops after `seconds`."""
    yield OPENING
    started = last_sent = time.monotonic()
    while not state.ended and time.monotonic() - started < seconds:
        time.sleep(min(CHECK_SECONDS, max(0.0, started + seconds - time.monotonic())))
        close_if_due(state)
        now = read_room(pk=state.workshop_id)
        events = changes(state, now)
        state = now or replace(state, ended=True)
        if STATE in events:
            html = None
            if participant_id is not None:
                html = render(state.workshop_id, [participant_id])[1].get(participant_id)
            yield state_event(state, html)
        if ANSWERS in events:
            yield ANSWERS_EVENT
        if events:
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= HEARTBEAT_SECONDS:
            last_sent = time.monotonic()
            yield HEARTBEAT
