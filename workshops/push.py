"""Telling a live room that it changed: one small message on the room's Redis channel.

A change announces itself once its transaction has committed (`announce`), so a page that
hears of it and fetches at once sees the change. Without REDIS_URL nothing is published:
the streams then find changes by reading the room at an interval (workshops.streams).
A message that is lost (Redis down or restarting) only delays pages until that check.
"""

import json
import logging
from functools import cache

import redis
from django.conf import settings
from django.db import connection, transaction

STATE = "state"  # the room's version moved: a host action or a deadline
ANSWERS = "answers"  # the room's counts moved: an answer came in, or someone joined

log = logging.getLogger(__name__)


def channel_prefix() -> str:
    # Pub/sub ignores Redis's database number: the database's name keeps two sites, or
    # two test runs, that share one Redis from hearing each other's rooms.
    return f"sharedresp:{connection.settings_dict['NAME']}:room:"


@cache
def _client(url: str) -> redis.Redis:
    # Short timeouts: a request must never hang on a push that polling would cover.
    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)


def publish(workshop_id: int, event: str, **data) -> None:
    """Send `event` to every stream open on the room, in any process."""
    if not settings.REDIS_URL:
        return
    message = json.dumps({"event": event, **data})
    try:
        _client(settings.REDIS_URL).publish(f"{channel_prefix()}{workshop_id}", message)
    except redis.RedisError as error:
        log.warning("live room %s: could not publish %s (%s)", workshop_id, event, error)


def announce(workshop_id: int, event: str, **data) -> None:
    """Publish `event` after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(workshop_id, event, **data))
