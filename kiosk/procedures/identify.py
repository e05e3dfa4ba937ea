""" "Insert your card": shown when a procedure that needs identification is chosen without a login.
The login flow (kiosk/login) runs when the card goes in; after it, the app calls
`kiosk.procedures.resume_pending(app)`, which removes this screen and starts the procedure. Where the
procedure accepts it (the catalogue's `accepts`), "Use your phone" opens the QR hand-off
(`kiosk.login.handoff`) instead; its login ends the same way (`SignedIn`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from contract.v1 import SessionOut
from kiosk.i18n import _
from kiosk.login.handoff import HandoffScreen
from kiosk.procedures import PENDING
from kiosk.screens.base import KioskScreen
from kiosk.services import SignedIn


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
            if self.phone_accepted():
                yield Static(
                    _("No card? You can identify with your phone instead: idCAT Mòbil or Cl@ve."),
                    classes="hint",
                )
            with Horizontal(id="step-nav"):
                if self.phone_accepted():
                    yield Button(
                        _("Use your phone (idCAT Mòbil / Cl@ve)"), id="insert-card-phone", variant="primary",
                        classes="nav",
                    )  # fmt: skip
                yield Button(_("Cancel"), id="insert-card-cancel", variant="warning", classes="nav")

    def phone_accepted(self) -> bool:
        """Whether the procedure takes a QR hand-off, as the catalogue said (not said: offered, and the
        backend still checks)."""
        accepts = self.kiosk.backend.accepts(self.procedure_code)
        return accepts is None or "handoff" in accepts

    @on(Button.Pressed, "#insert-card-phone")
    def _phone(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.push_screen(HandoffScreen(), self._phone_done)

    def _phone_done(self, login: SessionOut | None) -> None:
        if login is not None:
            self.post_message(SignedIn(self))  # the app removes this screen and starts the procedure

    @on(Button.Pressed, "#insert-card-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        session = self.kiosk.session
        if session is not None:
            session.state.pop(PENDING, None)
        self.dismiss()
