"""The first screen of a visit until the catalogue is available: what can be done, honestly."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.i18n import _
from kiosk.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static(_("Welcome"), id="home-title")
            yield Static(
                _("The procedures cannot be started at this kiosk yet. Please ask at the counter."),
                id="home-message",
            )
