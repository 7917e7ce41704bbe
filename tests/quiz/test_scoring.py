from fractions import Fraction

import pytest

from quiz.scoring import (
    attempt_percent,
    is_full_marks,
    score_classify,
    score_multiple,
    score_single,
    whole_percent,
)


def test_single_choice_scores_one_for_the_right_choice_and_zero_otherwise():
    assert score_single(picked=3, correct=3) == 1
    assert score_single(picked=4, correct=3) == 0


@pytest.mark.parametrize(
    ("picked", "expected"),
    [
        ({1, 2}, Fraction(1)),  # exactly the right set
        ({1}, Fraction(1, 2)),  # half of the right ones
        ({1, 2, 3}, Fraction(1, 2)),  # a wrong pick cancels a right one
        ({1, 3}, Fraction(0)),
        ({1, 3, 4}, Fraction(0)),  # floored at zero, never negative
        ({3, 4}, Fraction(0)),
        (set(), Fraction(0)),
        ({1, 2, 3, 4}, Fraction(0)),  # ticking every box earns nothing here
    ],
)
def test_multiple_select_takes_a_share_off_for_each_wrong_pick(picked, expected):
    assert score_multiple(picked, correct={1, 2}) == expected


def test_multiple_select_gives_full_marks_only_for_exactly_the_right_set():
    correct = {1, 2, 3}
    for picked in [{1, 2}, {1, 2, 3, 4}, {1, 2, 3, 4, 5}]:
        assert score_multiple(picked, correct) < 1
    assert score_multiple(correct, correct) == 1


def test_multiple_select_without_a_correct_choice_is_a_programming_error():
    with pytest.raises(ValueError, match="at least one correct"):
        score_multiple({1}, correct=set())


def test_classify_scores_the_share_of_layers_placed_right():
    key = {
        "physical": "aws",
        "hypervisor": "aws",
        "operating-system": "customer",
        "data": "customer",
    }
    assert score_classify(key, key) == 1
    assert score_classify({**key, "physical": "customer"}, key) == Fraction(3, 4)
    assert score_classify({"data": "customer"}, key) == Fraction(1, 4)  # missing = wrong
    assert score_classify({}, key) == 0
    # A layer the question did not ask about neither helps nor hurts.
    assert score_classify({**key, "network": "aws"}, key) == 1


def test_classify_without_layers_is_a_programming_error():
    with pytest.raises(ValueError, match="at least one layer"):
        score_classify({}, {})


def test_attempt_percent_divides_by_every_question_and_rounds_halves_up():
    assert attempt_percent([1.0, 1.0, 0.0, 0.5], 4) == 63  # 62.5 rounds up
    assert attempt_percent([1.0], 8) == 13  # 12.5: unanswered questions count as 0
    assert attempt_percent([1.0, 1.0], 3) == 67
    assert attempt_percent([], 5) == 0
    assert attempt_percent([], 0) == 0


def test_attempt_percent_recovers_exact_fractions_from_stored_floats():
    # Three thirds are one whole question, not 0.9999...
    assert attempt_percent([1 / 3, 1 / 3, 1 / 3], 2) == 50
    assert attempt_percent([2 / 3, 1 / 6], 1) == 83
    assert is_full_marks(float(Fraction(3, 3)))
    assert not is_full_marks(2 / 3)


def test_whole_percent_of_counts():
    assert whole_percent(1, 3) == 33
    assert whole_percent(2, 3) == 67
    assert whole_percent(0, 0) == 0
