"""Property tests of how outside text is drawn (widgets/plain.py): any text becomes text with no control
or format character, one character for one, so a field's cursor stays where the citizen put it."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from rich.text import Text

from tests.unit.fuzz.hostile import fuzz, hostile_text
from widgets.plain import ShownHighlighter, plain, shown


def hidden(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs")]


@fuzz(300)
@given(hostile_text())
@example("\x1b[2J\x1b]52;c;aGVsbG8=\x07\x00\u202e\u200b\t\n")
def test_shown_text_has_no_control_and_keeps_its_length(text: str) -> None:
    once = shown(text)
    assert not hidden(once)
    assert len(once) == len(text)
    assert shown(once) == once
    assert str(plain(text)) == once  # never parsed as markup: the brackets are there as typed
    kept = shown(text, lines=True)
    assert not [c for c in hidden(kept) if c != "\n"]


@fuzz(300)
@given(hostile_text())
def test_an_input_draws_its_value_with_the_controls_shown(value: str) -> None:
    # As Textual's Input draws its value: a Text of it, given to the highlighter.
    drawn = ShownHighlighter()(Text(value, end=""))
    assert not hidden(drawn.plain)
    assert drawn.plain == shown(Text(value).plain)
