"""A plain-language error modal: what happened, in the citizen's language, and one way on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Button, Static

from kiosk.i18n import _
from kiosk.screens.base import KioskModal
from widgets.plain import plain


class ErrorModal(KioskModal):
    """`message` and `title` are shown as plain text (`plain`): they may carry what the backend said."""

    BINDINGS = [Binding("enter,escape", "close", show=False)]
    BUTTON_ACTIONS = {"error-ok": "close"}

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(classes="error-modal")
        self._message = message
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Static(plain(self._title or _("Something went wrong")), id="error-title")
            yield Static(plain(self._message, lines=True), id="error-message")
            with Center():
                yield Button(_("OK"), id="error-ok", variant="primary", classes="big")

    def on_mount(self) -> None:
        self.query_one("#error-ok", Button).focus()

    def action_close(self) -> None:
        self.dismiss()
