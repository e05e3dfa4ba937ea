"""A TextArea that a kiosk can create thousands of times: it lets go of the app when it is removed.

Textual's `TextArea` watches `app.theme` (`self.watch(self.app, "theme", ...)` in its mount handler). A
watcher registered on another object stays in that object's watcher list until the watched value next
changes (Textual prunes the watchers of closed nodes only then: Textual issue #6666, reproduced by
`benchmarks/repro_watchers.py`). A kiosk never changes its theme, so every TextArea a citizen ever typed
into stayed alive from the app, with its text, its screen's styles and its timers: about 75 KB a bústia
session. `FieldArea` removes the watchers it registered on other objects when it is unmounted.

Textual has no public way to remove a watcher: see widgets/retention.py.

It also draws what a citizen pasted with its control characters made visible (`widgets.plain.shown`).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.dom import DOMNode
from textual.widgets import TextArea

from widgets.plain import shown
from widgets.retention import drop_watchers


class FieldArea(TextArea):
    """`TextArea` whose watchers on other objects (the app's theme) go when it is unmounted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watched: list[object] = []

    def watch(self, obj: DOMNode, attribute_name: str, callback: Any, init: bool = True) -> None:
        if obj is not self and all(obj is not seen for seen in self._watched):
            self._watched.append(obj)
        super().watch(obj, attribute_name, callback, init=init)

    def get_line(self, line_index: int) -> Text:
        # Drawn as `shown` draws it, tabs aside (the area expands them): Textual draws a line unfiltered,
        # so a pasted ESC or NUL would reach the terminal. One character stands for one, so the cursor,
        # the selection and the wrapping stay where they are; the text itself is kept, for the checks.
        line = super().get_line(line_index)
        line.plain = "\t".join(shown(part) for part in line.plain.split("\t"))
        return line

    def on_unmount(self) -> None:
        # The screen's selection signal holds a closure over this widget in a WeakKeyDictionary keyed by
        # it, which keeps it alive as long as its screen lives (public API: unsubscribe).
        try:
            self.screen.text_selection_started_signal.unsubscribe(self)
        except Exception:  # no screen any more: the signal went with it
            pass
        for watched in self._watched:
            drop_watchers(self, watched)
        self._watched.clear()
