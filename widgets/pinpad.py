"""PIN pad: a masked PIN field with large on-screen keys (touch) and the physical keyboard.

Accepts 8–16 letters or digits (DNIe rules), Backspace, Enter; refuses paste. The value never appears in
`repr`, on screen (only one dot per character) or in any message but `Submitted`, and the pad clears
itself when it submits. No I/O, no kiosk imports: the owner passes the translated labels in.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Static

MIN_LENGTH = 8
MAX_LENGTH = 16
_LAYOUTS = {
    "digits": "1234567890",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}


@dataclass(frozen=True)
class PinPadLabels:
    prompt: str = "Type your card's PIN"
    hint: str = "8 to 16 letters or digits"
    ok: str = "OK"
    backspace: str = "⌫ Delete"
    digits: str = "123"
    lower: str = "abc"
    upper: str = "ABC"


class PinKey(Button):
    """A key of the pad. Textual's Button ignores clicks during its 0.2 s press effect; a citizen typing
    the same digit twice quickly would lose the second one, so a key takes every click."""

    async def _on_click(self, event: events.Click) -> None:
        event.stop()
        self.press()


def _allowed(char: str) -> bool:
    return len(char) == 1 and char.isascii() and char.isalnum()


class PinPad(Widget, can_focus=True):
    """Post `PinPad.Submitted` with the PIN when the citizen presses OK or Enter."""

    DEFAULT_CSS = """
    PinPad { height: auto; width: auto; max-width: 80; padding: 0 1; }
    PinPad > Vertical { height: auto; width: auto; }
    PinPad #pin-prompt { width: 100%; text-style: bold; content-align: center middle; }
    PinPad #pin-dots { width: 100%; height: 3; border: tall $accent; content-align: center middle;
                       text-style: bold; }
    PinPad:focus #pin-dots { border: tall $success; }
    PinPad #pin-hint { width: 100%; content-align: center middle; color: $text-muted; }
    PinPad .pin-keys { grid-size: 5; grid-columns: 9; grid-rows: 3; grid-gutter: 0 1; height: auto;
                       width: auto; }
    PinPad .pin-keys.-letters { grid-size: 9; }
    PinPad .pin-key { min-width: 9; width: 9; height: 3; text-style: bold; }
    PinPad #pin-actions { height: 3; width: auto; margin-top: 1; }
    PinPad #pin-actions Button { height: 3; min-width: 12; margin-right: 1; }
    """

    class Submitted(Message):
        """The PIN the citizen typed. Handle it at once and drop it: never store, log or show it."""

        def __init__(self, pin: str) -> None:
            super().__init__()
            self.pin = pin

        def __repr__(self) -> str:
            return "PinPad.Submitted(pin=<hidden>)"

    class Changed(Message):
        """How many characters are typed (never which)."""

        def __init__(self, length: int) -> None:
            super().__init__()
            self.length = length

    length: reactive[int] = reactive(0)
    layout_name: reactive[str] = reactive("digits", recompose=True)

    def __init__(self, labels: PinPadLabels | None = None, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.labels = labels or PinPadLabels()
        self._value = ""

    def __repr__(self) -> str:
        return f"PinPad(length={len(self._value)})"

    # -- composition ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.labels.prompt, id="pin-prompt")
            yield Static(self._dots(), id="pin-dots")
            yield Static(self.labels.hint, id="pin-hint")
            keys = _LAYOUTS[self.layout_name]
            grid = Grid(classes="pin-keys" + ("" if self.layout_name == "digits" else " -letters"))
            with grid:
                for char in keys:
                    yield PinKey(char, id=f"pin-key-{self.layout_name}-{char}", classes="pin-key")
            with Horizontal(id="pin-actions"):
                for name in ("digits", "lower", "upper"):
                    if name != self.layout_name:
                        label = getattr(self.labels, name)
                        yield Button(label, id=f"pin-layout-{name}", classes="pin-layout")
                yield PinKey(self.labels.backspace, id="pin-backspace", variant="warning")
                yield Button(self.labels.ok, id="pin-ok", variant="success", disabled=not self.complete)

    def _dots(self) -> str:
        return " ".join("●" * len(self._value)) if self._value else " "

    @property
    def complete(self) -> bool:
        return MIN_LENGTH <= len(self._value) <= MAX_LENGTH

    # -- editing --------------------------------------------------------------------------------------------
    def _changed(self) -> None:
        self.length = len(self._value)
        if self.is_mounted:
            for dots in self.query("#pin-dots").results(Static):
                dots.update(self._dots())
            for ok in self.query("#pin-ok").results(Button):
                ok.disabled = not self.complete
        self.post_message(self.Changed(len(self._value)))

    def type_char(self, char: str) -> None:
        if _allowed(char) and len(self._value) < MAX_LENGTH:
            self._value += char
            self._changed()

    def backspace(self) -> None:
        if self._value:
            self._value = self._value[:-1]
            self._changed()

    def clear(self) -> None:
        """Forget what was typed (after submitting, on wipe, on a wrong PIN)."""
        self._value = ""
        self._changed()

    def submit(self) -> None:
        if not self.complete:
            return
        pin, self._value = self._value, ""
        self._changed()
        self.post_message(self.Submitted(pin))

    # -- input ----------------------------------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        if event.key == "backspace":
            self.backspace()
        elif event.key == "enter":
            self.submit()
        elif event.character is not None and _allowed(event.character):
            self.type_char(event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        # A PIN is typed, never pasted: a pasted text could come from anywhere (and stay in a clipboard).
        event.stop()
        event.prevent_default()

    @on(Button.Pressed, ".pin-key")
    def _key(self, event: Button.Pressed) -> None:
        event.stop()
        self.type_char(str(event.button.label))
        self.focus()

    @on(Button.Pressed, ".pin-layout")
    def _layout(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.layout_name = event.button.id.removeprefix("pin-layout-")
        self.call_after_refresh(self.focus)

    @on(Button.Pressed, "#pin-backspace")
    def _backspace(self, event: Button.Pressed) -> None:
        event.stop()
        self.backspace()
        self.focus()

    @on(Button.Pressed, "#pin-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()
