"""A live "123 / 200" counter under a text field, which turns to a warning near the limit and to an error
past it (so the citizen sees the limit while typing, not after pressing Next)."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from widgets.plain import plain

#: From this share of the limit on, the counter is shown as a warning.
WARN_AT = 0.9


class CharCounter(Static):
    DEFAULT_CSS = """
    CharCounter {
        width: auto;
        height: 1;
        color: $text-muted;
    }
    CharCounter.-near { color: $warning; text-style: bold; }
    CharCounter.-over { color: $error; text-style: bold reverse; }
    """

    count: reactive[int] = reactive(0)

    def __init__(self, limit: int, count: int = 0, **kwargs: str):
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.limit = limit
        self.set_reactive(CharCounter.count, count)

    def on_mount(self) -> None:
        self._show()

    def watch_count(self) -> None:
        self._show()

    def _show(self) -> None:
        self.update(plain(f"{self.count} / {self.limit}"))
        self.set_class(self.count > self.limit, "-over")
        self.set_class(WARN_AT * self.limit <= self.count <= self.limit, "-near")
