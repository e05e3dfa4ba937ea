"""Identification without a certificate, for the deixalleria only: DNI/NIE, birth date and postal code,
which the padró confirms. The backend answers with a session limited to the deixalleria data; it never
opens the procedures that need a certificate (see `kiosk.procedures.has_certificate_login`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Button, Static

from contract.v1 import SessionOut
from kiosk.i18n import N_, _
from kiosk.login.handoff import HandoffScreen
from kiosk.procedures import backend as api
from kiosk.procedures.fields import FieldSpec
from kiosk.procedures.flow import S
from kiosk.procedures.frame import StepScreen
from kiosk.procedures.validation import (
    check_birth_date,
    check_id_number,
    check_postal_code,
    normalise_id_number,
    parse_birth_date,
)
from widgets.plain import plain

ID_NUMBER = FieldSpec(
    "weak_id_number",
    N_("DNI or NIE"),
    check_id_number,
    placeholder=N_("Example: 12345678Z"),
    restrict=r"[0-9A-Za-z .-]*",
)
BIRTH_DATE = FieldSpec(
    "weak_birth_date",
    N_("Date of birth (day/month/year)"),
    check_birth_date,
    placeholder=N_("Example: 31/01/1970"),
    restrict=r"[0-9/.-]*",
)
POSTAL_CODE = FieldSpec(
    "weak_postal_code",
    N_("Postal code of your home"),
    check_postal_code,
    placeholder=N_("Example: 08301"),
    restrict=r"[0-9]*",
)


class WeakIdentifyStep(StepScreen[S]):
    """The identification step of a procedure whose state has `weak_id_number`, `weak_birth_date`,
    `weak_postal_code` (the typed values) and `identify` (whether the run needs this step)."""

    STEP = N_("Identification")
    FIELDS = (ID_NUMBER, BIRTH_DATE, POSTAL_CODE)
    NEXT_LABEL = N_("Continue")

    @dataclass
    class LoggedIn(Message):
        login: SessionOut

    @dataclass
    class Refused(Message):
        message: str

    @classmethod
    def applies(cls, state: Any) -> bool:
        return bool(state.identify)

    def compose_body(self) -> ComposeResult:
        yield Static(
            _(
                "You can identify yourself without a card with the details of the padró. "
                "You will see only your deixalleria card and visits."
            ),
            classes="intro",
        )
        yield from super().compose_body()
        yield Static("", id="weak-status")
        yield Button(_("Use your phone (idCAT Mòbil / Cl@ve)"), id="weak-phone", classes="choice")

    @on(Button.Pressed, "#weak-phone")
    def _phone(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.push_screen(HandoffScreen(), self._phone_done)

    def _phone_done(self, login: SessionOut | None) -> None:
        if login is not None:  # the QR hand-off's session: on as after the weak identification
            self.post_message(self.LoggedIn(login))

    def proceed(self) -> None:
        self.query_one("#step-next", Button).disabled = True
        self.query_one("#weak-status", Static).update(_("Checking…"))
        state: Any = self.state
        birth = parse_birth_date(state.weak_birth_date)
        assert birth is not None
        self._login(normalise_id_number(state.weak_id_number), birth, state.weak_postal_code.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="weak-login", description="Identifying")
    def _login(self, id_number: str, birth_date: date, postal_code: str) -> None:
        try:
            login = self.kiosk.backend.login_weak(id_number, birth_date, postal_code)
        except api.BackendError as exc:
            self.post_message(self.Refused(api.citizen_message(exc)))
        else:
            self.post_message(self.LoggedIn(login))

    @on(LoggedIn)
    def _logged_in(self, event: LoggedIn) -> None:
        session = self.kiosk.session
        if session is None:
            return
        session.token = event.login.token
        session.scope = event.login.scope
        if session.identity is None:
            session.identity = event.login.citizen
        # The identification data is not kept once it has served.
        self.flow.update(**{spec.name: "" for spec in self.FIELDS})
        self.flow.next(self, replace=True)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.query_one("#weak-status", Static).update(plain(event.message, lines=True))
        self.query_one("#step-next", Button).disabled = False
