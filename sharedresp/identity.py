"""One rule for when two email addresses are the same person.

`normalise_email` is the rule, and the only place it is written. The User model's email
field applies it on every way in (forms, the admin, lookups, `bulk_create`, CSV import,
single sign-on), so the column holds only normalised addresses and its unique index is
unique on the normalised form, on SQLite and PostgreSQL alike.

The rule, in order:

1. Unicode NFKC: compatibility forms become their plain letters (full-width A, U+FF41,
   is ``a``; the long s, U+017F, is ``s``; the Kelvin sign is ``K``).
2. Upper-case, then lower-case: every letter that some case mapping equates becomes one
   letter (the dotless i, U+0131, upper-cases to ``I``, so it becomes ``i``). This is the
   equality PostgreSQL's ``UPPER()`` uses in case-insensitive comparisons, so no two
   stored addresses can ever match the same ``iexact`` lookup.
3. Case folding (``ß`` is ``ss``), then NFKC again, since folding can undo step 1.

Both the local part and the domain are folded. Strictly, the part before ``@`` may be
case-sensitive; no mail service that people use treats it so, and two accounts that
differ only in case are a squatting risk, never a real need.
"""

import unicodedata

from django import forms


def normalise_email(address: str) -> str:
    """The form of `address` that is stored, compared and kept unique."""
    text = unicodedata.normalize("NFKC", address.strip())
    text = text.upper().lower().casefold()
    return unicodedata.normalize("NFKC", text)


class EmailIdentityFormField(forms.EmailField):
    """An email form field that checks the normalised address, so what is validated is
    what is stored and looked up."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_email(value) if value else value
