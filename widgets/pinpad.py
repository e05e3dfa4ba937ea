"""PIN pad: a masked PIN field with large on-screen keys (touch) and the physical keyboard.

Accepts 8–16 letters or digits (DNIe rules), Backspace, Enter; refuses paste. The value never appears in
`repr`, on screen (only one dot per character) or in any message but `Submitted`, and the pad clears
itself when it submits. No I/O, no kiosk imports: the owner passes the translated labels in.

The keys are plain widgets styled as buttons, not Textual `Button`s, and only the dots field takes the
focus: a pad of Buttons took over 100 ms to build and show (each Button restyles itself while it is
created), and every change of focus restyled all of its keys; this pad is on the critical path of a
card login (the holder's name and the pad appear together).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

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


class PinKey(Static):
    """A key of the pad: takes every click (Textual's Button ignores those during its 0.2 s press effect,
    and a citizen typing the same digit twice quickly would lose the second one)."""

    DEFAULT_CSS = """
    PinKey { width: 9; height: 3; content-align: center middle; text-style: bold; color: $foreground;
             background: $surface; border-top: tall $surface-lighten-1;
             border-bottom: tall $surface-darken-1; }
    PinKey:hover { background: $surface-darken-1; border-top: tall $surface; }
    PinKey.-success { color: $text; background: $success; border-top: tall $success-lighten-2;
                      border-bottom: tall $success-darken-3; }
    PinKey.-warning { color: $text; background: $warning; border-top: tall $warning-lighten-2;
                      border-bottom: tall $warning-darken-3; }
    PinKey.-disabled { text-opacity: 0.6; }
    """

    class Pressed(Message):
        def __init__(self, key: PinKey) -> None:
            super().__init__()
            self.key = key

        @property
        def control(self) -> PinKey:
            return self.key

    def __init__(self, label: str, *, id: str, classes: str = "") -> None:  # noqa: A002
        super().__init__(label, id=id, classes=classes, markup=False)
        self.label = label

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Pressed(self))


class PinField(Static, can_focus=True):
    """The dots. It takes the focus for the pad (keys typed reach the pad): a focus change restyles only
    this widget, not every key of the pad."""

    DEFAULT_CSS = """
    PinField { width: 100%; height: 3; border: tall $accent; content-align: center middle; text-style: bold; }
    PinField:focus { border: tall $success; }
    """


def _allowed(char: str) -> bool:
    return len(char) == 1 and char.isascii() and char.isalnum()


class PinPad(Widget):
    """Post `PinPad.Submitted` with the PIN when the citizen presses OK or Enter.

    `focus()` focuses the pad's field, from which the keys typed reach the pad.
    """

    DEFAULT_CSS = """
    PinPad { layout: vertical; height: auto; width: auto; max-width: 80; padding: 0 1; }
    PinPad #pin-prompt { width: 100%; text-style: bold; content-align: center middle; }
    PinPad #pin-hint { width: 100%; content-align: center middle; color: $text-muted; }
    PinPad .pin-keys { grid-size: 5; grid-columns: 9; grid-rows: 3; grid-gutter: 0 1; height: auto;
                       width: auto; }
    PinPad .pin-keys.-letters { grid-size: 9; }
    PinPad #pin-actions { height: 3; width: auto; margin-top: 1; }
    PinPad #pin-actions PinKey { width: auto; min-width: 12; padding: 0 1; margin-right: 1; }
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
        yield Static(self.labels.prompt, id="pin-prompt")
        yield PinField(self._dots(), id="pin-dots")
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
                    yield PinKey(label, id=f"pin-layout-{name}", classes="pin-layout")
            yield PinKey(self.labels.backspace, id="pin-backspace", classes="-warning")
            yield PinKey(
                self.labels.ok, id="pin-ok", classes="-success" + ("" if self.complete else " -disabled")
            )

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
                # The field's size never changes (16 dots are narrower than the keys): a repaint will do,
                # not a layout of the whole screen on every key.
                dots.update(self._dots(), layout=False)
            for ok in self.query("#pin-ok").results(PinKey):
                ok.set_class(not self.complete, "-disabled")
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

    def focus(self, scroll_visible: bool = True) -> PinPad:
        for field in self.query("#pin-dots").results(PinField):
            field.focus(scroll_visible)
        return self

    @on(PinKey.Pressed, ".pin-key")
    def _key(self, event: PinKey.Pressed) -> None:
        event.stop()
        self.type_char(event.key.label)
        self.focus()

    @on(PinKey.Pressed, ".pin-layout")
    def _layout(self, event: PinKey.Pressed) -> None:
        event.stop()
        assert event.key.id is not None
        self.layout_name = event.key.id.removeprefix("pin-layout-")
        self.call_after_refresh(self.focus)

    @on(PinKey.Pressed, "#pin-backspace")
    def _backspace(self, event: PinKey.Pressed) -> None:
        event.stop()
        self.backspace()
        self.focus()

    @on(PinKey.Pressed, "#pin-ok")
    def _ok(self, event: PinKey.Pressed) -> None:
        event.stop()
        self.submit()
