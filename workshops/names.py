"""Display names in a live room: one spelling per name, so no one can pose as a neighbour.

A name is normalised (NFKC: full-width and other compatibility forms become the plain
letters) and refused when it holds characters that are invisible or that reorder text
(zero-width spaces, direction overrides and the like). Two names are the same name when
their keys match: the key folds case and maps letters of other scripts that look like
Latin ones (a Cyrillic or Greek "A") onto them, so a Cyrillic-A "Alice" cannot sit
beside the Latin one.
Pure functions: no Django, no database.
"""

import unicodedata

# Letters of the Cyrillic and Greek alphabets (and a few Latin ones) that a projector or
# a phone shows as a Latin letter, by the Latin letter they pass for. Capitals and small
# letters are listed apart, because a pair can differ: Greek capital eta passes for "H",
# its small letter for "n". A small Cyrillic letter shaped like a small capital (en, te, em)
# counts as that Latin letter, since the key ignores case anyway. Every letter here is
# its own NFKC and NFD form (tested), so none is already folded by the normalisation.
# Unicode's full confusables table is not in the standard library: this covers the
# common look-alikes of every Latin letter that has one in these two scripts, and the
# host can remove whoever finds a rarer one.
LOOK_ALIKES_OF = {
    "A": "\u0410\u0391",  # Cyrillic A, Greek alpha
    "a": "\u0430\u03b1\u0251",  # Cyrillic a, Greek alpha, Latin alpha
    "B": "\u0412\u0392",  # Cyrillic ve, Greek beta
    "b": "\u0432\u03b2",  # Cyrillic ve (a small capital B), Greek beta
    "C": "\u0421",  # Cyrillic es
    "c": "\u0441",  # Cyrillic es
    "d": "\u0501",  # Cyrillic komi de
    "E": "\u0415\u0395",  # Cyrillic ie, Greek epsilon
    "e": "\u0435\u03b5",  # Cyrillic ie, Greek epsilon
    "G": "\u050c",  # Cyrillic komi sje
    "g": "\u050d\u0261",  # Cyrillic komi sje, Latin script g
    "H": "\u041d\u0397\u04ba",  # Cyrillic en and shha, Greek eta
    "h": "\u043d\u04bb",  # Cyrillic en (a small capital H) and shha
    "I": "\u0406\u0399\u04c0",  # Cyrillic i and palochka, Greek iota
    "i": "\u0456\u03b9\u0131\u0269",  # Cyrillic i, Greek iota, Latin dotless i and iota
    "J": "\u0408\u037f",  # Cyrillic je, Greek yot
    "j": "\u0458\u03f3",  # Cyrillic je, Greek yot
    "K": "\u041a\u039a",  # Cyrillic ka, Greek kappa
    "k": "\u043a\u03ba",  # Cyrillic ka, Greek kappa
    "l": "\u04cf",  # Cyrillic small palochka
    "M": "\u041c\u039c",  # Cyrillic em, Greek mu
    "m": "\u043c",  # Cyrillic em (a small capital M)
    "N": "\u039d",  # Greek nu
    "n": "\u03b7",  # Greek eta
    "O": "\u041e\u039f",  # Cyrillic o, Greek omicron
    "o": "\u043e\u03bf",  # Cyrillic o, Greek omicron
    "P": "\u0420\u03a1",  # Cyrillic er, Greek rho
    "p": "\u0440\u03c1",  # Cyrillic er, Greek rho
    "Q": "\u051a",  # Cyrillic qa
    "q": "\u051b",  # Cyrillic qa
    "S": "\u0405",  # Cyrillic dze
    "s": "\u0455",  # Cyrillic dze
    "T": "\u0422\u03a4",  # Cyrillic te, Greek tau
    "t": "\u0442\u03c4",  # Cyrillic te (a small capital T), Greek tau
    "u": "\u03c5\u03bc",  # Greek upsilon, mu
    "V": "\u0474",  # Cyrillic izhitsa
    "v": "\u0475\u03bd",  # Cyrillic izhitsa, Greek nu
    "W": "\u051c",  # Cyrillic we
    "w": "\u051d",  # Cyrillic we
    "X": "\u0425\u03a7",  # Cyrillic ha, Greek chi
    "x": "\u0445\u03c7",  # Cyrillic ha, Greek chi
    "Y": "\u0423\u04ae\u03a5",  # Cyrillic u and straight u, Greek upsilon
    "y": "\u0443\u04af\u03b3",  # Cyrillic u and straight u, Greek gamma
    "Z": "\u0396",  # Greek zeta
    "z": "\u03b6",  # Greek zeta
}
LOOK_ALIKES = str.maketrans(
    {alike: latin for latin, alikes in LOOK_ALIKES_OF.items() for alike in alikes}
)

MAX_LENGTH = 40


class InvalidNameError(ValueError):
    """Why a display name was refused, in words for the person typing it."""


def _is_hidden(character: str) -> bool:
    # Cf: format characters (zero-width space and joiners, direction marks, overrides and
    # isolates, the BOM); Cc: control characters; Co/Cn: private use and unassigned.
    return unicodedata.category(character) in {"Cf", "Cc", "Co", "Cn"}


def normalise(raw: str) -> str:
    """The name as the room will see it, or InvalidNameError saying what is wrong with it."""
    name = unicodedata.normalize("NFKC", raw)
    if any(_is_hidden(character) for character in name):
        raise InvalidNameError("invisible")
    name = " ".join(name.split())
    if not any(character.isalnum() for character in name):
        raise InvalidNameError("blank")
    if len(name) > MAX_LENGTH:
        raise InvalidNameError("long")
    return name


def key(name: str) -> str:
    """What two names must share to count as the same name in one room."""
    # Look-alikes are mapped before case is folded: folding first would turn Greek
    # capital eta (an "H") into its small letter (an "n"). Accents stay (René and Rene
    # are two people), but a combining mark cannot hide a look-alike: map the base
    # letters, then compose again.
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", name))
    folded = decomposed.translate(LOOK_ALIKES).casefold()
    return unicodedata.normalize("NFC", folded)
