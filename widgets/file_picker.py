"""A file picker that shows plain data: the files someone else listed, each with its size, whether it is
chosen, and the reason it cannot be chosen. It does no I/O at all (kiosk/procedures/attachments.py lists
the USB stick); it only reports which entry the citizen touched, by its key.

Keyboard (arrows + Enter), mouse and touch (a tap selects and toggles) all work the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


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

    class Toggled(Message):
        """The citizen chose, or took back, the entry `key`."""

        def __init__(self, picker: FilePicker, key: str) -> None:
            super().__init__()
            self.picker = picker
            self.key = key

        @property
        def control(self) -> FilePicker:
            return self.picker

    def __init__(self, entries: Sequence[PickerEntry] = (), empty_text: str = "", **kwargs: str):
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.empty_text = empty_text
        self._entries: tuple[PickerEntry, ...] = ()
        self.show(entries)

    @property
    def entries(self) -> tuple[PickerEntry, ...]:
        return self._entries

    def show(self, entries: Sequence[PickerEntry]) -> None:
        """Replace the list, keeping the highlight on the same key when it is still there."""
        entries = tuple(entries)
        if entries == self._entries and self.option_count:
            return
        highlighted = None
        if self.highlighted is not None and self.highlighted < len(self._entries):
            highlighted = self._entries[self.highlighted].key
        self._entries = entries
        self.clear_options()
        if not entries:
            self.add_option(Option(Text(self.empty_text, style="italic"), disabled=True))
            return
        self.add_options([Option(self._prompt(e), id=e.key) for e in entries])
        keys = [e.key for e in entries]
        self.highlighted = keys.index(highlighted) if highlighted in keys else 0

    @staticmethod
    def _prompt(entry: PickerEntry) -> Text:
        text = Text()
        text.append("[x] " if entry.chosen else "[ ] ", style="bold")
        text.append(entry.key, style="strike dim" if entry.refused else ("bold" if entry.chosen else ""))
        text.append(f"  {entry.size}", style="dim")
        if entry.note:
            text.append("\n    ")
            text.append(
                f"✗ {entry.note}" if entry.refused else entry.note, style="bold red" if entry.refused else ""
            )
        return text

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Toggled(self, event.option.id))
