"""The pure rules of the live room: points (workshops/points.py), names (names.py)."""

import unicodedata
from fractions import Fraction

import pytest

from workshops import names
from workshops.points import points


@pytest.mark.parametrize(
    ("score", "left", "limit", "expected"),
    [
        (Fraction(1), 20, 20, 1000),  # right at the opening moment
        (Fraction(1), 0, 20, 500),  # right at the last moment
        (Fraction(1), 10, 20, 750),  # half the time left
        (Fraction(1), 14.9, 20, 873),  # 500 + 500 * 0.745 = 872.5, half rounded up
        (Fraction(1, 2), 20, 20, 500),  # half right, at once
        (Fraction(2, 3), 5, 20, 417),  # 1000 * 2/3 * (1/2 + 1/8) = 416.67
        (Fraction(0), 20, 20, 0),  # wrong earns nothing, however fast
        (Fraction(1), None, None, 1000),  # no time limit: no clock to race
        (Fraction(1, 2), None, None, 500),
        (Fraction(1), -3, 20, 500),  # a late clock reading never goes below the base
        (Fraction(1), 25, 20, 1000),  # nor above the most
    ],
)
def test_points_reward_right_answers_and_speed(score, left, limit, expected):
    assert points(score, seconds_left=left, time_limit=limit) == expected


def test_a_faster_right_answer_never_earns_less():
    earned = [points(Fraction(1), seconds_left=left, time_limit=20) for left in range(21)]
    assert earned == sorted(earned)
    assert earned[0] == 500
    assert earned[-1] == 1000


@pytest.mark.parametrize("score", [Fraction(-1, 2), Fraction(3, 2)])
def test_a_score_outside_0_to_1_is_a_bug(score):
    with pytest.raises(ValueError, match="between 0 and 1"):
        points(score, seconds_left=1, time_limit=20)


def test_names_are_normalised_to_their_plain_form():
    assert (
        names.normalise("  \uff21\uff4c\uff49\uff43\uff45   \uff22 ") == "Alice B"
    )  # full-width letters
    assert names.normalise("ﬁona") == "fiona"  # a ligature


@pytest.mark.parametrize(
    "name",
    [
        "Al\u200bice",  # zero-width space
        "Alice\u200d",  # zero-width joiner
        "\u202eecilA",  # right-to-left override
        "Alice\u2066x\u2069",  # isolates
        "\ufeffAlice",  # byte order mark
        "Ali\x07ce",  # a control character
    ],
)
def test_invisible_and_direction_characters_are_refused(name):
    with pytest.raises(names.InvalidNameError, match="invisible"):
        names.normalise(name)


@pytest.mark.parametrize(("name", "why"), [("!!! ???", "blank"), ("x" * 41, "long")])
def test_a_name_needs_a_letter_and_fits(name, why):
    with pytest.raises(names.InvalidNameError, match=why):
        names.normalise(name)


@pytest.mark.parametrize(
    "look_alike",
    [
        "\u0410lice",  # Cyrillic capital A
        "\u0430lice",  # Cyrillic small a
        "Ali\u0441e",  # Cyrillic es for c
        "\u0391lice",  # Greek capital alpha
        "ALICE",
        "\uff21\uff4c\uff49\uff43\uff45",
    ],
)
def test_look_alikes_share_a_key(look_alike):
    assert names.key(names.normalise(look_alike)) == names.key("Alice")


def test_different_names_keep_different_keys():
    assert names.key("René") != names.key("Rene")
    assert names.key("Alice") != names.key("Alicia")
    assert names.key("Łukasz") != names.key("Lukasz")


@pytest.mark.parametrize(
    ("latin", "alike"),
    [(latin, alike) for latin, alikes in names.LOOK_ALIKES_OF.items() for alike in alikes],
)
def test_every_look_alike_in_the_table_passes_for_its_latin_letter(latin, alike):
    assert latin.isascii()
    assert latin.isalpha()
    assert unicodedata.name(alike).startswith(("CYRILLIC", "GREEK", "LATIN"))
    # Normalising would change a letter NFKC or NFD folds already: such an entry is dead.
    assert unicodedata.normalize("NFKC", alike) == alike
    assert unicodedata.normalize("NFD", alike) == alike
    assert names.key(names.normalise(f"{alike}ab")) == names.key(f"{latin}ab")


def test_a_letter_passes_for_one_latin_letter_only():
    listed = [alike for alikes in names.LOOK_ALIKES_OF.values() for alike in alikes]
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize(
    ("look_alike", "latin"),
    [
        ("\u041c\u0410\u0425", "MAX"),  # all Cyrillic capitals
        ("\u0397\u0395\u039d\u039a", "HENK"),  # all Greek capitals: eta passes for H
        ("\u03a4\u039f\u039c", "Tom"),  # Greek capitals, key ignores case
        ("\u0422\u043e\u043c", "Tom"),  # Cyrillic
        ("\u0405\u0430\u0440\u0440\u04bb\u043e", "Sappho"),  # Cyrillic dze and shha
        ("\u0408\u03bf\u0443", "Joy"),  # mixed Cyrillic and Greek
        ("\u0391\u0301lvaro", "\u00c1lvaro"),  # a look-alike under an accent
        ("W\u0456\u0261\u0261\u0455", "Wiggs"),
    ],
)
def test_names_written_in_look_alike_letters_share_a_key(look_alike, latin):
    assert names.key(names.normalise(look_alike)) == names.key(latin)


def test_names_in_their_own_script_stay_apart_from_latin_ones():
    # Letters that do not look Latin keep a name its own.
    assert names.key("\u0418\u0432\u0430\u043d") != names.key("Nbah")  # Иван
    assert names.key("\u0394\u03ae\u03bc\u03b7\u03c4\u03c1\u03b1") != names.key("Demetra")
    assert names.key("\u0418\u0432\u0430\u043d") == names.key("\u0438\u0432\u0430\u043d")
