"""How answers are scored: pure functions, no database and no Django.

The server scores; the browser never sees a key before the learner has answered. Each
function returns an exact Fraction between 0 and 1. The rules, also stated on the
result page (keep the two in step):

- Single choice and true/false: 1 for the correct choice, 0 for any other.
- Multiple select: (correct choices picked - wrong choices picked) / number of correct
  choices, never below 0. Only exactly the right set earns full marks.
- Classify: the share of layers placed on the right side (AWS or customer).
- An attempt: the sum of its question scores / the number of questions in it (an
  unanswered question scores 0), as a whole percent with halves rounded up.
- An exam passes when that whole percent, the score the learner is shown, is at least
  the pass mark.
"""

from collections.abc import Collection, Iterable, Mapping
from fractions import Fraction
from math import floor

# Every question has at most a handful of choices or layers, so each score is a fraction
# with a small denominator; this recovers it exactly from a stored float.
LARGEST_DENOMINATOR = 1000


def score_single(picked: int, correct: int) -> Fraction:
    """Single choice and true/false: all or nothing."""
    return Fraction(1) if picked == correct else Fraction(0)


def score_multiple(picked: Collection[int], correct: Collection[int]) -> Fraction:
    """Multiple select: each wrong pick cancels a right one; the floor is 0.

    Picking every choice therefore scores (correct - wrong) / correct, and picking a
    subset of the right ones scores that share of them.
    """
    picked, correct = set(picked), set(correct)
    if not correct:
        raise ValueError("a multiple-select question needs at least one correct choice")
    right = len(picked & correct)
    wrong = len(picked - correct)
    return max(Fraction(right - wrong, len(correct)), Fraction(0))


def score_classify(placed: Mapping[str, str], key: Mapping[str, str]) -> Fraction:
    """Classify: the share of the key's layers placed with their owner."""
    if not key:
        raise ValueError("a classify question needs at least one layer")
    right = sum(1 for layer, owner in key.items() if placed.get(layer) == owner)
    return Fraction(right, len(key))


def is_full_marks(score: float) -> bool:
    return as_fraction(score) == 1


def as_fraction(score: float) -> Fraction:
    return Fraction(score).limit_denominator(LARGEST_DENOMINATOR)


def whole_percent(part: Fraction | int, whole: int) -> int:
    """`part` out of `whole` as a whole percent, halves rounded up; 0 out of 0 is 0."""
    if whole <= 0:
        return 0
    return floor(Fraction(part) * 100 / whole + Fraction(1, 2))


def attempt_percent(scores: Iterable[float], question_count: int) -> int:
    """Whole percent for an attempt; questions without a score count as 0."""
    return whole_percent(
        sum((as_fraction(score) for score in scores), Fraction(0)), question_count
    )


def passes(percent: int, pass_mark: int) -> bool:
    """An exam score passes at the pass mark and above: exactly 80 passes a mark of 80."""
    return percent >= pass_mark
