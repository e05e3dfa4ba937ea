"""The goodbye screen: reminds the citizen to take the card and the paper, then returns to attract."""

from __future__ import annotations

import time

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.i18n import _
from kiosk.screens.base import KioskScreen

GOODBYE_SECONDS = 6.0
#: Input during the first moment is the tail of the citizen's last touch, not a wish to leave sooner.
IGNORE_INPUT_SECONDS = 1.0


class GoodbyeScreen(KioskScreen):
    SHOW_FINISH = False

    def __init__(self, card_still_in: bool) -> None:
        super().__init__(id="goodbye")
        self._card_still_in = card_still_in
        self._shown_at = time.monotonic()

    def compose(self) -> ComposeResult:
        with Vertical(id="goodbye-box"):
            yield Static(_("Thank you. Your session has ended and has been erased."), id="goodbye-title")
            if self._card_still_in:
                yield Static(_("Please remember to take your card."), classes="reminder")
            yield Static(_("Do not forget your printed papers."), classes="reminder")

    def on_mount(self) -> None:
        self._shown_at = time.monotonic()
        self.set_timer(GOODBYE_SECONDS, self._leave)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self._leave_early()

    def on_key(self, event: events.Key) -> None:
        # The key is spent here: it must not also press the attract screen's "Start".
        event.stop()
        event.prevent_default()
        self._leave_early()

    def _leave_early(self) -> None:
        if time.monotonic() - self._shown_at >= IGNORE_INPUT_SECONDS:
            self._leave()

    def _leave(self) -> None:
        if self.is_current:
            self.dismiss()
