"""Random codes that people read off a screen or paper and type back in."""

import secrets

# No 0/O, 1/I/L: a code read at the back of a room or over the phone has one spelling.
UNAMBIGUOUS_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def random_code(length: int) -> str:
    """`length` characters drawn from UNAMBIGUOUS_ALPHABET by a cryptographic source."""
    return "".join(secrets.choice(UNAMBIGUOUS_ALPHABET) for _ in range(length))
