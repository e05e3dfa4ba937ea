"""A file picker that shows plain data: the files someone else listed, each with its size, whether it is
chosen, and the reason it cannot be chosen. It does no I/O at all (kiosk/procedures/attachments.py lists
the USB stick); it only reports which entry the citizen touched, by its key.

Keyboard (arrows + Enter), mouse and touch (a tap selects and toggles) all work the same way.

Every text is shown as it is (`widgets.plain`): a name from a stick such as `[@click=app.quit]TOCA.pdf`
is never markup, and a name holding ESC or a bidi override is drawn with visible placeholders, never
written to the terminal as a control.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from widgets.plain import shown


@dataclass(frozen=True)
class PickerEntry:
    key: str
    """Identifies the entry in `Toggled` (and is shown as its name)."""
    size: str
    """Already formatted, e.g. "2.1 MB"."""
    chosen: bool = False
    note: str = ""
    """Why it cannot be chosen, or what happened to it (shown next to it)."""
    refused: bool = False


class FilePicker(OptionList):
    DEFAULT_CSS = """
    FilePicker {
        height: auto;
        max-height: 14;
        min-height: 3;
    }
    """

    @dataclass
    class Toggled(Message):
        """The citizen chose, or took back, the entry `key`."""

        picker: FilePicker
        key: str

        @property
        def control(self) -> FilePicker:
            return self.picker

    def __init__(self, entries: Sequence[PickerEntry] = (), empty_text: str = "", **kwargs: str):
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.empty_text = empty_text
        self._entries: tuple[PickerEntry, ...] = ()
        self._notice = ""
        self.show(entries)

    @property
    def entries(self) -> tuple[PickerEntry, ...]:
        return self._entries

    @property
    def notice(self) -> str:
        return self._notice

    def show(self, entries: Sequence[PickerEntry], notice: str = "") -> None:
        """Replace the list, keeping the highlight on the same key when it is still there. `notice` (why
        the list is incomplete, say) is shown above the entries and cannot be chosen."""
        entries = tuple(entries)
        if entries == self._entries and notice == self._notice and self.option_count:
            return
        highlighted = self.highlighted_key
        self._entries = entries
        self._notice = notice
        self.clear_options()
        if notice:
            self.add_option(Option(Content.assemble((shown(notice, lines=True), "bold")), disabled=True))
        if not entries:
            self.add_option(Option(Content.assemble((shown(self.empty_text), "italic")), disabled=True))
            return
        self.add_options([Option(self._prompt(e), id=e.key) for e in entries])
        keys = [e.key for e in entries]
        self.highlighted = (keys.index(highlighted) if highlighted in keys else 0) + (1 if notice else 0)

    @property
    def highlighted_key(self) -> str | None:
        """The key of the highlighted entry (None on the notice, or with nothing highlighted)."""
        if self.highlighted is None:
            return None
        index = self.highlighted - (1 if self._notice else 0)
        return self._entries[index].key if 0 <= index < len(self._entries) else None

    @staticmethod
    def _prompt(entry: PickerEntry) -> Content:
        name_style = "strike dim" if entry.refused else ("bold" if entry.chosen else "")
        parts: list[str | tuple[str, str]] = [
            ("[x] " if entry.chosen else "[ ] ", "bold"),
            (shown(entry.key), name_style),
            (f"  {shown(entry.size)}", "dim"),
        ]
        if entry.note:
            note = shown(f"✗ {entry.note}" if entry.refused else entry.note)
            parts += ["\n    ", (note, "bold red" if entry.refused else "")]
        return Content.assemble(*parts)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Toggled(self, event.option.id))
