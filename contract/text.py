"""What citizen text may hold: the check the backend makes on every string and the kiosk makes as the
citizen types (kiosk/procedures/validation.py)."""

from __future__ import annotations

import unicodedata

#: Unicode categories refused in what a citizen sends: controls (C0 and C1; NUL cannot even be stored by
#: PostgreSQL), invisible format characters (bidi overrides and isolates, zero-width spaces and joiners,
#: BOM, soft hyphen), lone surrogates, private use, unassigned code points, line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: What free text may hold of those: line breaks and tabs are text.
TEXT_BREAKS = frozenset("\n\r\t")

#: A contact phone as a citizen types it: 9 to 15 digits, single spaces between them allowed, an optional
#: leading + (the kiosk sends it without the spaces).
PHONE_PATTERN = r"^\+?[0-9](?: ?[0-9]){8,14}$"
#: A contact email a mail server delivers to: a dot-atom local part (no leading, trailing or double dot)
#: and a domain of labels with a top-level domain of letters.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}$"
)


def refused_character(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first character of `value` in `REFUSED_CATEGORIES` and not `allowed`; None if there is none."""
    for char in value:
        if char not in allowed and unicodedata.category(char) in REFUSED_CATEGORIES:
            return char
    return None


def printable_text(value: str) -> str:
    """Free text of a citizen: no control or invisible character (see `REFUSED_CATEGORIES`) but line
    breaks and tabs; what the registry keeps and prints is what the citizen saw."""
    char = refused_character(value, TEXT_BREAKS)
    if char is not None:
        raise ValueError(f"contains a control or invisible character (U+{ord(char):04X})")
    return value
