"""Answers to bank questions given outside quiz's own attempts, for the statistics.

An extension point quiz owns: a higher app (workshops, for live answers of logged-in
participants) registers a source in its AppConfig.ready(), so the statistics count its
answers while quiz never imports it. A source takes a list of questions and returns
{question id: AnswerCounts}, in a fixed number of queries whatever the answer count.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class AnswerCounts:
    answered: int = 0
    full_marks: int = 0
    picks: Counter = field(default_factory=Counter)  # choice id -> times picked
    placements: Counter = field(default_factory=Counter)  # (layer slug, owner) -> times

    def add(self, other: "AnswerCounts") -> None:
        self.answered += other.answered
        self.full_marks += other.full_marks
        self.picks.update(other.picks)
        self.placements.update(other.placements)


Source = Callable[[list], dict[int, AnswerCounts]]
_sources: list[Source] = []


def register(source: Source) -> None:
    """Add a source once (ready() may run more than once in tests)."""
    if source not in _sources:
        _sources.append(source)


def collect(questions) -> dict[int, AnswerCounts]:
    """Every registered source's counts for `questions`, added up per question."""
    totals: dict[int, AnswerCounts] = {}
    for source in _sources:
        for question_id, counts in source(questions).items():
            totals.setdefault(question_id, AnswerCounts()).add(counts)
    return totals
