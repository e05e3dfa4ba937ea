"""The inactivity warning (WCAG 2.2.1): a visible countdown and one big "more time" action."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Button, Static

from kiosk.i18n import _
from kiosk.screens.base import KioskModal
from widgets.countdown import Countdown


class IdleWarning(KioskModal):
    """Dismisses with True for "more time", False when the countdown ran out."""

    BINDINGS = [
        Binding("enter,space,m", "more_time", show=False),
    ]
    BUTTON_ACTIONS = {"more-time": "more_time"}

    def __init__(self, seconds: float) -> None:
        super().__init__(id="idle-warning")
        self._seconds = seconds

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-box"):
            yield Static(_("Are you still there?"), id="idle-title")
            yield Static(_("For your privacy, this session will end and be erased in:"))
            yield Countdown(self._seconds, _("{seconds} seconds"), id="idle-countdown")
            with Center():
                yield Button(_("I need more time"), id="more-time", variant="success", classes="big")

    def on_mount(self) -> None:
        self.query_one("#more-time", Button).focus()

    def action_more_time(self) -> None:
        self.dismiss(True)

    @on(Countdown.Finished)
    def _expired(self) -> None:
        self.dismiss(False)
