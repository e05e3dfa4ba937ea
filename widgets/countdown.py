"""A visible countdown in whole seconds that tells its owner when it reaches zero."""

from __future__ import annotations

import math
import time

from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from widgets.plain import plain


class Countdown(Static):
    """Counts down from `seconds`; the text is `template.format(seconds=n)`; posts `Finished` at zero."""

    remaining: reactive[int] = reactive(0)

    class Finished(Message):
        """The countdown reached zero."""

    def __init__(self, seconds: float, template: str = "{seconds}", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._total = seconds
        self._template = template
        self._deadline = 0.0
        self._timer: Timer | None = None
        self.remaining = math.ceil(seconds)

    def on_mount(self) -> None:
        self._deadline = time.monotonic() + self._total
        self._timer = self.set_interval(0.25, self._tick)
        self._show()

    def _tick(self) -> None:
        left = max(0.0, self._deadline - time.monotonic())
        self.remaining = math.ceil(left)
        if left <= 0 and self._timer is not None:
            self._timer.stop()
            self._timer = None
            self.post_message(self.Finished())

    def watch_remaining(self) -> None:
        self._show()

    def _show(self) -> None:
        self.update(plain(self._template.format(seconds=self.remaining)))
