"""Who may start an exam, and when: pure rules, no database and no Django.

The rules, also stated on the exam's start page (keep the two in step):

- While a certificate is valid, a new attempt waits until renewal opens, a set number
  of days before it expires.
- Attempts are limited per validity period: at most `max_attempts` attempts started
  within any stretch as long as a certificate's validity. Attempts started before the
  learner's latest pass do not count, so passing starts the count afresh. With every
  attempt used, the next is allowed once the oldest counted one is a full validity
  period old.
- After an attempt ends, the next waits for the cool-down.

An attempt still open is resumed rather than counted again; the caller handles that.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


@dataclass(frozen=True)
class Rules:
    max_attempts: int
    cooldown: timedelta
    validity: timedelta
    renewal_window: timedelta


@dataclass(frozen=True)
class FinishedAttempt:
    started_at: datetime
    finished_at: datetime
    passed: bool


class Wait(Enum):
    """Why a start must wait."""

    CERTIFIED = "certified"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    COOLDOWN = "cooldown"


@dataclass(frozen=True)
class Eligibility:
    attempts_left: int
    reason: Wait | None = None  # None: a start is allowed now
    next_start: datetime | None = None  # when the binding wait ends

    @property
    def allowed(self) -> bool:
        return self.reason is None


def check(
    rules: Rules,
    attempts: list[FinishedAttempt],
    valid_until: datetime | None,
    now: datetime,
) -> Eligibility:
    """May a learner with these finished attempts, and a valid certificate until
    `valid_until` (None: no valid certificate), start an exam attempt at `now`?

    When several waits apply, the one that ends last is reported.
    """
    last_pass = max((a.finished_at for a in attempts if a.passed), default=None)
    counted = sorted(
        attempt.started_at
        for attempt in attempts
        if attempt.started_at > now - rules.validity
        and (last_pass is None or attempt.started_at > last_pass)
    )
    attempts_left = max(rules.max_attempts - len(counted), 0)
    waits = []
    if valid_until is not None and now < valid_until - rules.renewal_window:
        waits.append((valid_until - rules.renewal_window, Wait.CERTIFIED))
    if not attempts_left:
        # The slot frees up when enough of the oldest counted attempts leave the window.
        waits.append(
            (counted[len(counted) - rules.max_attempts] + rules.validity, Wait.NO_ATTEMPTS_LEFT)
        )
    last_end = max((attempt.finished_at for attempt in attempts), default=None)
    if last_end is not None and now < last_end + rules.cooldown:
        waits.append((last_end + rules.cooldown, Wait.COOLDOWN))
    if not waits:
        return Eligibility(attempts_left)
    next_start, reason = max(waits, key=lambda wait: wait[0])
    return Eligibility(attempts_left, reason, next_start)
