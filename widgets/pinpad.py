"""PIN pad: a masked PIN field with large on-screen keys (touch) and the physical keyboard.

Accepts 8–16 letters or digits (DNIe rules), Backspace, Enter; refuses paste. The value never appears in
`repr`, on screen (only one dot per character) or in any message but `Submitted`, and the pad clears
itself when it submits. No I/O, no kiosk imports: the owner passes the translated labels in.

The keys are drawn by one widget (`PinKeys`), not one Textual `Button` each, and only the dots field
takes the focus: this pad is on the critical path of a card login (the holder's name and the pad appear
in the same frame). A pad of Buttons took over 100 ms to build and show; one widget per key still cost
tens of milliseconds (Textual styles, lays out and renders every widget on its own), and every change
of focus or of the OK key's look restyled them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.content import Content
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from widgets.plain import plain

MIN_LENGTH = 8
MAX_LENGTH = 16
#: Seconds after a submit before the emptied field is drawn. The value is gone at once; the frame waits,
#: because the owner is signing with the card on another thread just then and a frame drawn at that
#: moment competes with it for the interpreter (a test card's signature took 13 ms instead of 7 ms). The
#: owner usually hides or replaces the pad before this.
SUBMIT_REDRAW_DELAY = 0.2


@dataclass(frozen=True)
class PinPadLabels:
    prompt: str = "Type your card's PIN"
    hint: str = "8 to 16 letters or digits"
    ok: str = "OK"
    backspace: str = "⌫ Delete"


@dataclass(frozen=True)
class Layout:
    """One set of character keys: the characters, the label of the key that shows them (the same in every
    language), and how many keys of what width make a row."""

    chars: str
    label: str
    key_width: int
    columns: int


@dataclass(frozen=True)
class Key:
    """One key of the pad: `kind` is "char" (its `value` is typed), "layout" (switches to the layout named
    by `value`), "backspace" or "ok" (`value` is the kind again); `value` is how `PinKeys.key_named` and
    `key_offset` refer to it."""

    kind: str
    value: str
    label: str
    x: int
    y: int
    width: int

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + KEY_HEIGHT


KEY_HEIGHT = 3
#: The pad's layouts by name: ten digits in two rows of five; 26 letters in three rows of nine, narrower
#: keys so that the pad fits 80 columns.
_LAYOUTS = {
    "digits": Layout("1234567890", "123", key_width=9, columns=5),
    "lower": Layout("abcdefghijklmnopqrstuvwxyz", "abc", key_width=7, columns=9),
    "upper": Layout("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABC", key_width=7, columns=9),
}
#: The gap between keys.
_GAP = 1
_ACTION_MIN_WIDTH = 12


def _plan(layout: str, labels: PinPadLabels) -> tuple[Key, ...]:
    """Where every key of `layout` goes: the character keys in rows, then a blank line, then the action
    row (the other layouts, Delete, OK)."""
    shown = _LAYOUTS[layout]
    width, columns = shown.key_width, shown.columns
    keys = [
        Key("char", char, char, (n % columns) * (width + _GAP), (n // columns) * KEY_HEIGHT, width)
        for n, char in enumerate(shown.chars)
    ]
    rows = -(-len(shown.chars) // columns)
    y, x = rows * KEY_HEIGHT + 1, 0
    actions = [("layout", name, other.label) for name, other in _LAYOUTS.items() if name != layout]
    actions += [("backspace", "backspace", labels.backspace), ("ok", "ok", labels.ok)]
    for kind, value, label in actions:
        key_width = max(_ACTION_MIN_WIDTH, cell_len(label) + 2)
        keys.append(Key(kind, value, label, x, y, key_width))
        x += key_width + _GAP
    return tuple(keys)


class PinKeys(Widget):
    """Every on-screen key of the pad, drawn by one widget: large keys for touch, one message per click.

    One widget rather than one per key: the pad is on the critical path of a card login (the holder's
    name and the pad appear in the same frame), and Textual styles, lays out and renders each widget on
    its own, so twenty key widgets cost tens of milliseconds in that frame. The keys look like buttons
    (a lighter top edge, a darker bottom edge) in the theme's colours, set by the component classes.
    Keys are not focusable: the pad's field holds the focus and the physical keyboard types there.
    """

    COMPONENT_CLASSES = {
        "pin-keys--key",
        "pin-keys--hover",
        "pin-keys--delete",
        "pin-keys--ok",
        "pin-keys--ok-disabled",
    }
    DEFAULT_CSS = """
    PinKeys { width: auto; height: auto; }
    PinKeys > .pin-keys--key { background: $surface; color: $foreground; text-style: bold; }
    PinKeys > .pin-keys--hover { background: $surface-darken-1; color: $foreground; text-style: bold; }
    PinKeys > .pin-keys--delete { background: $warning; color: $text; text-style: bold; }
    PinKeys > .pin-keys--ok { background: $success; color: $text; text-style: bold; }
    PinKeys > .pin-keys--ok-disabled { background: $success-darken-2; color: $text-muted; }
    """

    @dataclass
    class Pressed(Message):
        """A key was clicked or touched (for the pad these keys belong to: no `control` to select on)."""

        keys: PinKeys
        key: Key

    def __init__(self, labels: PinPadLabels, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.labels = labels
        self._layout = "digits"
        self._keys = _plan(self._layout, labels)
        self._hover: Key | None = None
        self._ok_enabled = False
        self._palette: dict[str, tuple[Style, Style, Style]] = {}

    # -- state --------------------------------------------------------------------------------------------
    @property
    def layout_name(self) -> str:
        return self._layout

    @property
    def keys(self) -> tuple[Key, ...]:
        return self._keys

    def set_layout(self, layout: str) -> None:
        if layout != self._layout:
            self._layout, self._hover = layout, None
            self._keys = _plan(layout, self.labels)
            self.refresh(layout=True)

    @property
    def ok_enabled(self) -> bool:
        return self._ok_enabled

    def set_ok_enabled(self, enabled: bool) -> None:
        if enabled != self._ok_enabled:
            self._ok_enabled = enabled
            self.refresh()

    def key_named(self, name: str) -> Key:
        """The key shown as `name` (a character, a layout name, "backspace" or "ok") in this layout."""
        for key in self._keys:
            if key.value == name:
                return key
        raise KeyError(name)

    def key_offset(self, name: str) -> Offset:
        """Where to click for the key `name`, relative to this widget (for `Pilot.click(offset=...)`)."""
        key = self.key_named(name)
        return Offset(key.x + key.width // 2, key.y + 1)

    def key_at(self, x: int, y: int) -> Key | None:
        return next((key for key in self._keys if key.contains(x, y)), None)

    # -- size and drawing ---------------------------------------------------------------------------------
    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(key.x + key.width for key in self._keys)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(key.y for key in self._keys) + KEY_HEIGHT

    def notify_style_update(self) -> None:
        self._palette.clear()
        super().notify_style_update()

    def _styles(self, component: str) -> tuple[Style, Style, Style]:
        """Label, top edge and bottom edge styles of a key drawn with `component`'s colours."""
        if component not in self._palette:
            styles = self.get_component_styles(component)
            background, label = styles.background, self.get_component_rich_style(component)
            self._palette[component] = (
                label,
                Style(color=background.lighten(0.12).rich_color, bgcolor=background.rich_color),
                Style(color=background.darken(0.15).rich_color, bgcolor=background.rich_color),
            )
        return self._palette[component]

    def _component(self, key: Key) -> str:
        if key.kind == "ok":
            return "pin-keys--ok" if self._ok_enabled else "pin-keys--ok-disabled"
        if key.kind == "backspace":
            return "pin-keys--delete"
        return "pin-keys--hover" if key is self._hover else "pin-keys--key"

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        segments: list[Segment] = []
        x = 0
        for key in self._keys:
            row = y - key.y
            if not 0 <= row < KEY_HEIGHT:
                continue
            if key.x > x:
                segments.append(Segment(" " * (key.x - x), base))
            label, top, bottom = self._styles(self._component(key))
            if row == 0:
                segments.append(Segment("▔" * key.width, top))
            elif row == 1:
                text = key.label[: key.width]
                left = (key.width - cell_len(text)) // 2
                segments.append(Segment(" " * left + text + " " * (key.width - left - cell_len(text)), label))
            else:
                segments.append(Segment("▁" * key.width, bottom))
            x = key.x + key.width
        if width > x:
            segments.append(Segment(" " * (width - x), base))
        return Strip(segments).crop(0, width)

    # -- pointer --------------------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        event.stop()
        key = self.key_at(event.x, event.y)
        if key is not None:
            self.post_message(self.Pressed(self, key))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self.key_at(event.x, event.y)
        if key is not self._hover:
            self._hover = key
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()


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
    PinPad #pin-hint { width: 100%; content-align: center middle; color: $text-muted; margin-bottom: 1; }
    """

    @dataclass
    class Submitted(Message):
        """The PIN the citizen typed. Handle it at once and drop it: never store, log or show it."""

        pin: str

        def __repr__(self) -> str:
            return "PinPad.Submitted(pin=<hidden>)"

    @dataclass
    class Changed(Message):
        """How many characters are typed (never which)."""

        length: int

    #: How many characters are typed (never which).
    length: var[int] = var(0)

    def __init__(self, labels: PinPadLabels | None = None, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.labels = labels or PinPadLabels()
        self._value = ""

    def __repr__(self) -> str:
        return f"PinPad(length={len(self._value)})"

    # -- composition ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(plain(self.labels.prompt), id="pin-prompt")
        yield PinField(self._dots(), id="pin-dots")
        yield Static(plain(self.labels.hint), id="pin-hint")
        yield PinKeys(self.labels, id="pin-keys")

    @property
    def layout_name(self) -> str:
        """The keys shown: "digits", "lower" or "upper"."""
        return self.query_one(PinKeys).layout_name

    def _dots(self) -> Content:
        return Content(" ".join("●" * len(self._value)) if self._value else " ")

    @property
    def complete(self) -> bool:
        return MIN_LENGTH <= len(self._value) <= MAX_LENGTH

    # -- editing --------------------------------------------------------------------------------------------
    def _changed(self, *, redraw: bool = True) -> None:
        self.length = len(self._value)
        if redraw:
            self._redraw()
        self.post_message(self.Changed(len(self._value)))

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        for dots in self.query("#pin-dots").results(Static):
            # The field's size never changes (16 dots are narrower than the keys): a repaint will do, not
            # a layout of the whole screen on every key.
            dots.update(self._dots(), layout=False)
        for keys in self.query(PinKeys):
            keys.set_ok_enabled(self.complete)

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
        self._changed(redraw=False)
        self.post_message(self.Submitted(pin))
        self.set_timer(SUBMIT_REDRAW_DELAY, self._redraw)

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

    @on(PinKeys.Pressed)
    def _pressed(self, event: PinKeys.Pressed) -> None:
        event.stop()
        key = event.key
        if key.kind == "ok":
            self.submit()
            return
        if key.kind == "char":
            self.type_char(key.value)
        elif key.kind == "backspace":
            self.backspace()
        elif key.kind == "layout":
            event.keys.set_layout(key.value)
        self.focus()
