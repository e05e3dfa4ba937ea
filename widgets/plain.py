"""Text from outside the program, made safe to show: never markup, never a terminal control.

A citizen's input, a file or folder name on a USB stick, a certificate's names, anything the backend
says: every such string reaches a widget through `plain()`. Textual parses a `str` given to `Static`,
`Label`, `Button`, `Select`, `RadioButton` or `notify` as content markup, where `[@click=app.quit]`
is an action a touch runs and `[/]` raises `MarkupError`; a `Content` is shown exactly as it is.

Control and format characters (ESC, the other C0 and C1 controls, DEL, bidi overrides, zero-width
characters: Unicode categories Cc and Cf; and the lone surrogates that stand for undecodable bytes in
a file name, Cs) are replaced by a visible placeholder, so a name cannot
repaint the screen, fake a prompt, turn off mouse reporting or reverse the text around it. A C0
control is shown as its Unicode control picture (ESC as ␛), any other as �. A line break and a tab
are kept when `lines=True` (a text the citizen typed in a text area) and shown as ␊ and ␉ otherwise.
"""

from __future__ import annotations

import unicodedata

from rich.highlighter import Highlighter
from rich.text import Text
from textual.content import Content

#: What stands for a control or format character that is not a C0 control.
PLACEHOLDER = "\N{REPLACEMENT CHARACTER}"


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\N{SYMBOL FOR DELETE}"
    return PLACEHOLDER


def shown(text: str, *, lines: bool = False) -> str:
    """`text` with every Cc/Cf/Cs character replaced by a visible placeholder (see the module's doc)."""
    if text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        if lines and char == "\n":
            out.append(char)
        elif lines and char == "\t":
            out.append("    ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            out.append(_picture(char))
        else:
            out.append(char)
    return "".join(out)


def plain(text: str, *, lines: bool = False) -> Content:
    """`text` as a `Content` that no widget parses as markup, controls made visible (`shown`)."""
    return Content(shown(text, lines=lines))


class ShownHighlighter(Highlighter):
    """An `Input`'s value drawn as `shown` draws it: a pasted ESC or NUL would otherwise reach the
    terminal as it is (Textual draws an Input's value, and a TextArea's lines, unfiltered). One character
    stands for one, so the cursor and the selection stay where they are; the value itself is kept, for
    the field's checks to refuse it."""

    def highlight(self, text: Text) -> None:
        text.plain = shown(text.plain)
