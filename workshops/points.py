"""Points in a live room: a pure function. The rule, also stated to the room in
workshops/includes/points_rule.html (keep the two in step):

- A fully right answer earns 500 points, and up to 500 more for speed: the bonus is the
  share of the time limit still left when the answer arrived. Right at the opening
  moment earns 1,000; right at the last moment, 500.
- A partly right answer (multiple select, classify) earns its score, by the quizzes'
  rules in quiz/scoring.py, times those points: half right, half the points.
- A question without a time limit has no clock to race: a right answer earns 1,000.
- A wrong answer, or none, earns nothing. Points are whole numbers, halves rounded up.
"""

from fractions import Fraction
from math import floor

MAX_POINTS = 1000
BASE_SHARE = Fraction(1, 2)


def points(score: Fraction, *, seconds_left: float | None, time_limit: int | None) -> int:
    """Points for an answer scoring `score` (0..1) with `seconds_left` of `time_limit`."""
    if not 0 <= score <= 1:
        raise ValueError(f"a score is between 0 and 1, not {score}")
    if time_limit:
        left = Fraction(seconds_left or 0).limit_denominator(1000)
        speed = min(max(left / time_limit, Fraction(0)), Fraction(1))
    else:
        speed = Fraction(1)
    earned = MAX_POINTS * Fraction(score) * (BASE_SHARE + (1 - BASE_SHARE) * speed)
    return floor(earned + Fraction(1, 2))
