"""What the fuzz tests type: hostile text for the form fields, and the hypothesis settings they run with.

The text mixes any Unicode character (every category but lone surrogates, which no terminal or paste
can deliver as text) with fragments a hostile or careless citizen brings: terminal escape sequences
(clear screen, OSC 52 clipboard writes), NUL and the other controls, Rich/Textual markup that would run
an action if it were parsed, right-to-left text and bidi overrides, combining marks, emoji, and text
far longer than any limit.

Runs are reproducible: the "ci" profile (the default) derandomises every test and keeps no example
database, so CI tries the same examples each time. `OVAC_FUZZ=long` picks the "long" profile: random
examples, ten times as many, and a database of the failures found under `.hypothesis/` (ignored by git)
so that a failure is tried first on the next run:

    OVAC_FUZZ=long .venv/bin/pytest -q tests/unit/fuzz
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

#: How many more examples the long profile runs.
LONG_FACTOR = 10

settings.register_profile(
    "ovac-fuzz-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "ovac-fuzz-long",
    derandomize=False,
    database=DirectoryBasedExampleDatabase(".hypothesis/ovac-fuzz"),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LONG = os.environ.get("OVAC_FUZZ", "ci") == "long"


def fuzz(examples: int) -> settings:
    """The settings of a fuzz test that tries `examples` examples in CI (ten times as many with
    `OVAC_FUZZ=long`)."""
    profile = settings.get_profile("ovac-fuzz-long" if LONG else "ovac-fuzz-ci")
    return settings(profile, max_examples=examples * (LONG_FACTOR if LONG else 1))


#: Terminal escape sequences: clear the screen, move the cursor, colours, OSC 52 (write the clipboard),
#: OSC 8 (a hyperlink), a window title, DCS, a C1 CSI, and a bare ESC.
ESCAPES = (
    "\x1b[2J",
    "\x1b[H",
    "\x1b[31m",
    "\x1b[0m",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]52;c;aGVsbG8=\x1b\\",
    "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]0;title\x07",
    "\x1bP+q\x1b\\",
    "\x9b2J",
    "\x1b",
)
#: Markup that Textual or Rich would act on if it were parsed.
MARKUP = (
    "[@click=app.quit]",
    "[@click=app.quit]TOCA[/]",
    "[@click=app.screenshot('x.svg','/tmp')]",
    "[b]",
    "[/]",
    "[b]x[/i]",
    "[link=x]",
    "[link=https://example.com]enllaç[/link]",
    "[red on blue]",
    "$accent",
    "{{}}",
    "{0}",
    "%s",
)
#: Controls and invisible characters.
CONTROLS = (
    "\x00",
    "\x07",
    "\x08",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
)
#: Right-to-left text, bidi overrides and isolates, zero-width characters, combining marks.
BIDI = (
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u00ad",
    "مرحبا",
    "שלום",
    "e\u0301",
    "a\u0300\u0300\u0300",
    "\u0301",
    "Z\u0335\u0336\u0337\u0338",
)
#: Catalan and Spanish as a citizen writes it, and symbols the receipts print.
CATALAN = (
    "Il·luminació",
    "carrer d'en Pau",
    "«urgent»",
    "— 25 €",
    "l·l",
    "Ç ç à è é í ï ò ó ú ü",
    "Niño, acción",
    "Gràcies!",
    " ",
    "  ",
)
EMOJI = ("😀", "👍🏽", "👨\u200d👩\u200d👧", "🇨🇦", "❤\ufe0f")

FRAGMENTS = ESCAPES + MARKUP + CONTROLS + BIDI + CATALAN + EMOJI

#: Any character a paste can carry (every category but lone surrogates).
any_char = st.characters(exclude_categories=["Cs"])


def hostile_text(max_pieces: int = 12) -> st.SearchStrategy[str]:
    """Hostile fragments and any characters, mixed."""
    piece = st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(any_char, min_size=1, max_size=8),
        st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), min_size=1, max_size=12),
    )
    return st.lists(piece, max_size=max_pieces).map("".join)


def long_text(limit: int) -> st.SearchStrategy[str]:
    """Text around `limit` characters long: just under, at, just over, and far beyond it."""
    return st.tuples(
        st.sampled_from(("a", "à", "e\u0301", "x ", "[b]", "\x1b[2J", "😀")),
        st.sampled_from((limit - 1, limit, limit + 1, 2 * limit)),
    ).map(lambda pair: pair[0] * pair[1])


def field_text(limit: int, max_pieces: int = 12) -> st.SearchStrategy[str]:
    """What a citizen may type or paste into a field whose limit is `limit`: mostly hostile text, at times
    text around the limit."""
    return st.one_of(hostile_text(max_pieces), hostile_text(max_pieces), long_text(limit))
