"""When a missed question comes back: pure rules, no database.

A question the learner got wrong comes back after 1 day; answered right, after 3 days,
then 7; right once more, it leaves the deck. Wrong at any point starts again at 1 day.
"""

from datetime import datetime, timedelta

INTERVALS = (timedelta(days=1), timedelta(days=3), timedelta(days=7))


def first_due(now: datetime) -> datetime:
    return now + INTERVALS[0]


def after_review(stage: int, right: bool, now: datetime) -> tuple[int, datetime | None]:
    """(next stage, when due); due None means the question has left the deck.

    `stage` is the index in INTERVALS of the wait that has just passed.
    """
    if not right:
        return 0, first_due(now)
    if stage + 1 < len(INTERVALS):
        return stage + 1, now + INTERVALS[stage + 1]
    return stage, None
