"""The screen reader: the text to speak, built from one walk of the widgets the screen shows.

A screen is read as the citizen sees it, top to bottom: its title, the step indicator, the visible text,
then the controls in focus order (Tab order), so a new screen is spoken without writing anything for it.
Two things are never read from what is shown:

- the PIN and any masked field (the PIN pad, an `Input(password=True)`): only how many characters are typed;
- personal data (what the citizen typed, the review and result rows, the greeting's name, anything with
  the class `personal`), unless the citizen turned on "read my data" (`read_personal`): it is replaced by
  a neutral "not read aloud".

An item of a list, a radio set or a select is said with its place ("item 3 of 28"): who cannot see the
screen does not otherwise know how many choices there are, nor where the current one is. The screen's
first reading (`whole`) says how many items each list has too; a highlight moving within a list (the
arrow keys in a radio set or an open select) says the item it reached (`highlighted`).

What comes out is plain text (markup is never interpreted; control characters are dropped), with the
drawing symbols of the screen (bullets, step dots, box lines) left out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    ListItem,
    ListView,
    LoadingIndicator,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from kiosk.i18n import _, ngettext
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
    for index, char in enumerate(text):
        if char == "·" and text[index - 1 : index].isalpha() and text[index + 1 : index + 2].isalpha():
            out.append(char)  # the Catalan "l·l" (col·lectiu) is a letter of the word, not a separator
        elif char in _SEPARATORS:
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
    """The label a field is shown with: the `.field-label` just before it (or before the box it is in),
    else the first of its field box, else its placeholder."""
    node: Any = widget.parent
    child: Widget = widget
    for _level in range(3):
        if not isinstance(node, Widget):
            break
        siblings = list(node.children)
        before = siblings[: siblings.index(child)] if child in siblings else []
        labels = [w for w in before if isinstance(w, Widget) and w.has_class("field-label")]
        if labels:
            return shown_text(labels[-1])
        labels = [w for w in node.query(".field-label") if isinstance(w, Widget)]
        if labels:
            return shown_text(labels[0])
        child, node = node, node.parent
    placeholder = getattr(widget, "placeholder", "")
    return speakable(str(placeholder)) if placeholder else ""


@runtime_checkable
class ItemList(Protocol):
    """A list whose items are controls of their own (the catalogue's procedures, one Tab stop among them,
    the arrow keys within): the reader says which item of how many each one is."""

    def spoken_items(self) -> Sequence[Widget]:
        """The list's items, in order."""
        ...


def _position(index: int, count: int) -> str:
    return _("item {position} of {count}").format(position=index + 1, count=count)


def _count(count: int) -> str:
    return ngettext("{count} item", "{count} items", count).format(count=count)


def _list_of(widget: Widget) -> ItemList | None:
    parent = widget.parent
    return parent if isinstance(parent, ItemList) and isinstance(parent, Widget) else None


def _radio_buttons(radio_set: RadioSet) -> list[RadioButton]:
    return list(radio_set.query_children(RadioButton).results(RadioButton))


def _highlighted_radio(radio_set: RadioSet) -> RadioButton | None:
    """The radio button the arrow keys are on (Textual marks it with the class `-selected`), else the
    pressed one."""
    buttons = _radio_buttons(radio_set)
    return next((b for b in buttons if b.has_class("-selected")), radio_set.pressed_button)


def _select_overlay(select: Select[Any]) -> OptionList | None:
    found = select.query(OptionList).results(OptionList)
    return next(iter(found), None)


def _blank_first(options: OptionList) -> bool:
    """Whether the first option of `options` is its select's blank one (the prompt, "nothing chosen")."""
    select = options.parent
    if not isinstance(select, Select) or not options.option_count:
        return False
    return speakable(str(options.get_option_at_index(0).prompt)) == speakable(str(select.prompt))


def _option(options: OptionList, index: int | None) -> str:
    """The option at `index` of `options`, with its place among them (a select's blank one without)."""
    if index is None or not 0 <= index < options.option_count:
        return ""
    text = speakable(str(options.get_option_at_index(index).prompt))
    skip = 1 if _blank_first(options) else 0
    if index < skip:
        return text
    return ", ".join(p for p in (text, _position(index - skip, options.option_count - skip)) if p)


def _option_count(options: OptionList) -> int:
    return options.option_count - (1 if _blank_first(options) else 0)


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


def describe_control(widget: Widget, *, read_personal: bool = False, whole: bool = False) -> str:
    """What the voice says for a control: its label, its kind and its state (never a masked value); an
    item of a list with its place in it; then the problem shown with it, if any (what is wrong and what
    to do: the one who cannot see the screen hears it when the focus comes back to the field). `whole`
    (the screen's first reading): a list with how many items it has."""
    described = _describe(widget, read_personal=read_personal, whole=whole)
    problem = _problem_of(widget)
    return ", ".join(p for p in (described, problem) if p)


def _problem_of(widget: Widget) -> str:
    """The problem a field shows next to it: the error line of a text field (`#e-<name>` for the field
    `#f-<name>`), of a choice, a list or a tick box (`#<name>-error`); "" when there is none."""
    name = widget.id
    if not name or isinstance(widget, Button | RadioButton) or _pinpad_of(widget) is not None:
        return ""
    error_id = f"e-{name.removeprefix('f-')}" if name.startswith("f-") else f"{name}-error"
    node: Any = widget.parent
    while node is not None and not isinstance(node, Screen):
        node = node.parent
    if node is None:
        return ""
    for error in node.query(f"#{error_id}").results(Static):
        if _visible(error) and (text := shown_text(error)):
            return text
    return ""


def _describe(widget: Widget, *, read_personal: bool, whole: bool) -> str:
    pad = _pinpad_of(widget)
    if pad is not None:
        return ", ".join((_("PIN entry"), _characters(pad.length)))
    if isinstance(widget, Button):
        described = ", ".join(p for p in (speakable(str(widget.label)), _("button")) if p)
        listing = _list_of(widget)
        if listing is None:
            return described
        items = list(listing.spoken_items())
        if widget not in items:
            return described
        place = _position(items.index(widget), len(items))
        whole_list = (_("list"), _count(len(items))) if whole else ()
        return ", ".join((*whole_list, described, place))
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
        label = _label_of(widget)
        count = _count(len(_radio_buttons(widget))) if whole else ""
        current = _highlighted_radio(widget)
        pressed = widget.pressed_button
        chosen = _("nothing chosen") if pressed is None else ""
        if pressed is not None and pressed is not current:
            chosen = describe_control(pressed)
        item = describe_control(current) if current is not None else ""
        return ", ".join(p for p in (label, _("choice"), count, chosen, item) if p)
    if isinstance(widget, RadioButton):
        state = _("selected") if widget.value else _("not selected")
        radio_set = widget.parent
        place = ""
        if isinstance(radio_set, RadioSet):
            buttons = _radio_buttons(radio_set)
            place = _position(buttons.index(widget), len(buttons)) if widget in buttons else ""
        return ", ".join(p for p in (shown_text(widget), state, place) if p)
    if isinstance(widget, Checkbox):
        # Its label, not what it draws: the box's "X" is no word to say.
        return ", ".join((speakable(str(widget.label)), _("ticked") if widget.value else _("not ticked")))
    if isinstance(widget, Select):
        label = _label_of(widget)
        options = _select_overlay(widget)
        count = _count(_option_count(options)) if whole and options is not None else ""
        if widget.is_blank() or options is None:
            value = " ".join(t for t in (shown_text(w) for w in widget.query(Static) if _visible(w)) if t)
        else:
            value = _option(options, options.highlighted)
        return ", ".join(p for p in (label, _("list"), count, value) if p)
    if isinstance(widget, OptionList):
        count = _count(_option_count(widget)) if whole else ""
        return ", ".join(p for p in (_("list"), count, _option(widget, widget.highlighted)) if p)
    if isinstance(widget, ListView):
        entry = widget.highlighted_child
        entries = list(widget.query_children(ListItem).results(ListItem))
        count = _count(len(entries)) if whole else ""
        text = " ".join(_texts(entry, read_personal)) if entry is not None else ""
        place = _position(entries.index(entry), len(entries)) if entry in entries else ""
        return ", ".join(p for p in (_("list"), count, text, place) if p)
    text = " ".join(_texts(widget, read_personal))
    if text and is_personal(widget) and not read_personal:
        text = _not_read()
    return text


def highlighted(widget: Widget | None) -> tuple[int, ...] | None:
    """Where the highlight of `widget` is, when it is a list whose highlight moves while it keeps the focus
    (a radio set, a select's open options, an option list, a list view); None for any other control."""
    if isinstance(widget, RadioSet):
        current = _highlighted_radio(widget)
        buttons = _radio_buttons(widget)
        return (buttons.index(current),) if current in buttons else (-1,)
    if isinstance(widget, OptionList):
        return (-1 if widget.highlighted is None else widget.highlighted,)
    if isinstance(widget, ListView):
        return (-1 if widget.index is None else widget.index,)
    return None


def describe_highlighted(widget: Widget, *, read_personal: bool = False) -> str:
    """What the voice says when the highlight of the list `widget` moved: the item it is on now, with its
    place in the list (a radio set's button, a select's option, a list's item)."""
    if isinstance(widget, RadioSet):
        current = _highlighted_radio(widget)
        return describe_control(current) if current is not None else ""
    if isinstance(widget, OptionList):
        return _option(widget, widget.highlighted)
    return describe_control(widget, read_personal=read_personal)


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
    described = [describe_control(w, read_personal=read_personal, whole=True) for w in controls(screen)]
    described = [d for d in described if d]
    sentences = [_end(p) for p in parts]
    if described:
        sentences.append(_end(_("Controls: {controls}").format(controls="; ".join(described))))
    focused = screen.focused
    if focused is not None:
        control = describe_control(focused, read_personal=read_personal)
        sentences.append(_end(_("Focus: {control}").format(control=control)))
    return " ".join(sentences)


def read_part(part: Widget, *, read_personal: bool = False) -> str:
    """The text of one part of a screen that changed under the citizen (the catalogue's detail once a
    procedure is chosen), outside its controls, as the screen's first reading says it."""
    texts = [t for child in part.children for t in _screen_texts(child, read_personal) if t]
    return " ".join(_end(t) for t in texts)


def _end(sentence: str) -> str:
    return sentence if sentence[-1:] in ".:?!" else sentence + "."
