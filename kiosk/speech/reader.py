"""The screen reader: the text to speak, built from one walk of the widgets the screen shows.

A screen is read as the citizen sees it, top to bottom: its title, the step indicator, the visible text,
then the controls in focus order (Tab order), so a new screen is spoken without writing anything for it.
Two things are never read from what is shown:

- the PIN and any masked field (the PIN pad, an `Input(password=True)`): only how many characters are typed;
- personal data (what the citizen typed, the review and result rows, the greeting's name, anything with
  the class `personal`), unless the citizen turned on "read my data" (`read_personal`): it is replaced by
  a neutral "not read aloud".

What comes out is plain text (markup is never interpreted; control characters are dropped), with the
drawing symbols of the screen (bullets, step dots, box lines) left out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    ListView,
    LoadingIndicator,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from kiosk.i18n import _
from widgets.pinpad import PinPad

#: Widgets whose shown text is the citizen's data (besides the values of text fields): these classes, and
#: these ids (the rows of the review and result steps, the greeting with the card holder's name).
PERSONAL_CLASSES = ("review-value", "personal")
PERSONAL_IDS = ("login-holder",)
#: Widgets never walked: Textual's notifications and tooltips (notices are spoken when they come).
SKIPPED_TYPES = frozenset({"ToastRack", "Toast", "Tooltip"})
#: Unicode categories dropped from speech: symbols of the screen's drawing (• ● ○ ─ ✓) and controls.
_DROPPED_CATEGORIES = frozenset({"So", "Sm", "Cc", "Cf", "Co", "Cs", "Cn"})
_SEPARATORS = {"·": ", ", "•": ", ", "—": " ", "…": "...", "\u2028": " "}


def speakable(text: str) -> str:
    """`text` as plain words for the voice: drawing symbols and control characters out, one line."""
    out: list[str] = []
    for char in text:
        if char in _SEPARATORS:
            out.append(_SEPARATORS[char])
        elif char in "\n\r\t":
            out.append(" ")
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            out.append(char)
    return " ".join("".join(out).split()).strip(" ,")


def shown_text(widget: Widget) -> str:
    """The plain text a widget draws (its content's characters; markup in it never interpreted)."""
    visual: Any = widget.render()
    plain = getattr(visual, "plain", None)
    if plain is None:
        plain = str(visual) if isinstance(visual, str) else ""
    return speakable(str(plain))


def is_personal(widget: Widget) -> bool:
    return any(
        node.id in PERSONAL_IDS or any(node.has_class(name) for name in PERSONAL_CLASSES)
        for node in _widgets_up(widget)
    )


def masked(widget: Widget) -> bool:
    """A field whose characters are never read: the PIN pad (and what is in it), a password Input."""
    return (isinstance(widget, Input) and widget.password) or _pinpad_of(widget) is not None


def _widgets_up(widget: Widget) -> list[Widget]:
    """`widget` and the widgets it is in, up to its screen."""
    return [node for node in widget.ancestors_with_self if isinstance(node, Widget)]


def _pinpad_of(widget: Widget) -> PinPad | None:
    return next((node for node in _widgets_up(widget) if isinstance(node, PinPad)), None)


def _visible(widget: Widget) -> bool:
    return bool(widget.display) and widget.styles.visibility != "hidden"


def _label_of(widget: Widget) -> str:
    """The label a field is shown with: the `.field-label` of its field box, else its placeholder."""
    node: Any = widget.parent
    for _level in range(3):
        if not isinstance(node, Widget):
            break
        labels = [w for w in node.query(".field-label") if isinstance(w, Widget)]
        if labels:
            return shown_text(labels[0])
        node = node.parent
    placeholder = getattr(widget, "placeholder", "")
    return speakable(str(placeholder)) if placeholder else ""


def _not_read() -> str:
    return _("not read aloud")


def _characters(count: int) -> str:
    return _("{count} characters typed").format(count=count) if count else _("empty")


def _typed_state(value: str, read_personal: bool) -> str:
    """What the citizen typed in a field: said only with "read my data" on."""
    if not value:
        return _("empty")
    if read_personal:
        return speakable(value)
    return _("filled in") + ", " + _not_read()


def describe_control(widget: Widget, *, read_personal: bool = False) -> str:
    """What the voice says for a control: its label, its kind and its state (never a masked value)."""
    pad = _pinpad_of(widget)
    if pad is not None:
        return ", ".join((_("PIN entry"), _characters(pad.length)))
    if isinstance(widget, Button):
        return ", ".join(p for p in (speakable(str(widget.label)), _("button")) if p)
    if isinstance(widget, Input):
        if widget.password:
            state = _characters(len(widget.value))
        else:
            state = _typed_state(widget.value, read_personal)
        return ", ".join(p for p in (_label_of(widget), _("text field"), state) if p)
    if isinstance(widget, TextArea):
        state = _typed_state(widget.text, read_personal)
        return ", ".join(p for p in (_label_of(widget), _("text box"), state) if p)
    if isinstance(widget, RadioSet):
        chosen = widget.pressed_button
        label = _label_of(widget)
        state = shown_text(chosen) if chosen is not None else _("nothing chosen")
        return ", ".join(p for p in (label, _("choice"), state) if p)
    if isinstance(widget, RadioButton):
        return ", ".join((shown_text(widget), _("selected") if widget.value else _("not selected")))
    if isinstance(widget, Checkbox):
        return ", ".join((shown_text(widget), _("ticked") if widget.value else _("not ticked")))
    if isinstance(widget, Select):
        label = _label_of(widget)
        value = " ".join(shown_text(w) for w in widget.query(Static) if _visible(w))
        return ", ".join(p for p in (label, _("list"), value) if p)
    if isinstance(widget, OptionList):
        index = widget.highlighted
        option = speakable(str(widget.get_option_at_index(index).prompt)) if index is not None else ""
        return ", ".join(p for p in (_("list"), option) if p)
    if isinstance(widget, ListView):
        item = widget.highlighted_child
        text = " ".join(_texts(item, read_personal)) if item is not None else ""
        return ", ".join(p for p in (_("list"), text) if p)
    text = " ".join(_texts(widget, read_personal))
    if text and is_personal(widget) and not read_personal:
        text = _not_read()
    return text


def _unread(widget: Widget) -> bool:
    """Hidden, or of a kind never read (a loading indicator...): neither it nor what it holds is read."""
    skipped = type(widget).__name__ in SKIPPED_TYPES or isinstance(widget, LoadingIndicator)
    return skipped or not _visible(widget)


def _static_text(widget: Static, read_personal: bool) -> Iterator[str]:
    """A Static's text, if it has any (personal data said as such, unless "read my data" is on)."""
    text = shown_text(widget)
    if text:
        yield _not_read() if not read_personal and is_personal(widget) else text


def _texts(root: Widget, read_personal: bool) -> Iterator[str]:
    """The text of every visible Static under `root` (itself included), in the order they are composed."""
    if _unread(root):
        return
    if isinstance(root, Static) and not isinstance(root, Checkbox | RadioButton):
        yield from _static_text(root, read_personal)
    for child in root.children:
        if isinstance(child, Widget):
            yield from _texts(child, read_personal)


def _screen_texts(root: Widget, read_personal: bool) -> Iterator[str]:
    """The text of the screen outside its controls (controls are read after it, in focus order); in the
    PIN pad only its prompt and hint."""
    if _unread(root):
        return
    if isinstance(root, PinPad):
        for part in root.query("#pin-prompt, #pin-hint"):
            if isinstance(part, Widget) and _visible(part):
                text = shown_text(part)
                if text:
                    yield text
        return
    if root.focusable and not isinstance(root, Screen):
        return
    if isinstance(root, Static):
        yield from _static_text(root, read_personal)
    for child in root.children:
        if isinstance(child, Widget):
            yield from _screen_texts(child, read_personal)


def controls(screen: Screen[Any]) -> list[Widget]:
    """The controls of `screen` in focus order (what Tab walks), one entry per PIN pad."""
    found: list[Widget] = []
    pads: set[int] = set()
    for widget in screen.focus_chain:
        pad = _pinpad_of(widget)
        if pad is not None:
            if id(pad) in pads:
                continue
            pads.add(id(pad))
        found.append(widget)
    return found


def read_screen(screen: Screen[Any], *, read_personal: bool = False) -> str:
    """Everything a screen says when it appears: its text top to bottom, then its controls in focus
    order, then which one has the focus."""
    parts = [t for t in _screen_texts(screen, read_personal) if t]
    described = [describe_control(w, read_personal=read_personal) for w in controls(screen)]
    described = [d for d in described if d]
    sentences = [_end(p) for p in parts]
    if described:
        sentences.append(_end(_("Controls: {controls}").format(controls="; ".join(described))))
    focused = screen.focused
    if focused is not None:
        control = describe_control(focused, read_personal=read_personal)
        sentences.append(_end(_("Focus: {control}").format(control=control)))
    return " ".join(sentences)


def _end(sentence: str) -> str:
    return sentence if sentence[-1:] in ".:?!" else sentence + "."
