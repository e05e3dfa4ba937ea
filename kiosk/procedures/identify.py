""" "Insert your card": shown when a procedure that needs a certificate is chosen without a certificate
login. The login flow (kiosk/login) runs when the card goes in; after it, the app calls
`kiosk.procedures.resume_pending(app)`, which removes this screen and starts the procedure."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.i18n import _
from kiosk.procedures import PENDING
from kiosk.screens.base import KioskScreen


class InsertCardScreen(KioskScreen):
    CSS_PATH = "procedures.tcss"
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, procedure_code: str) -> None:
        super().__init__(id="insert-card", classes="procedure-step")
        self.procedure_code = procedure_code

    def compose(self) -> ComposeResult:
        with Vertical(id="step-frame"):
            yield Static(_("Identification with a digital certificate"), id="step-title")
            yield Static(
                _(
                    "This procedure needs your DNIe or another digital certificate card (idCAT, FNMT...). "
                    "Insert the card into the reader, chip first and facing up. "
                    "You will be asked for its PIN."
                ),
                id="insert-card-text",
                classes="headline",
            )
            yield Static(
                _(
                    "Without a card you can still use the complaints and suggestions box, and see your "
                    "deixalleria visits. Free workshops teach how to get an idCAT certificate: "
                    "ask at the OAC."
                ),
                classes="hint",
            )
            if self.kiosk.settings.training:
                yield Static(_("Training: insert a test card from the staff menu."), classes="hint")
            with Horizontal(id="step-nav"):
                yield Button(_("Cancel"), id="insert-card-cancel", variant="warning", classes="nav")

    @on(Button.Pressed, "#insert-card-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        session = self.kiosk.session
        if session is not None:
            session.state.pop(PENDING, None)
        self.dismiss()
