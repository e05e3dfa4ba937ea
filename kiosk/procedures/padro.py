"""Padró documents: the volant d'empadronament (individual or col·lectiu) and the certificat de
convivència. After a certificate login the citizen sees their registration (address, since when),
chooses the document and its language (Catalan, or Spanish on request), reviews, and the backend issues
it; it prints. Not registered in Mataró: a plain explanation and what to do instead."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, RadioButton, RadioSet, Static

from contract.documents import Address, PadroDocument
from contract.v1 import RegistrationOut
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.frame import Flow, ResultStep, ReviewStep, StepScreen
from widgets.plain import plain

if TYPE_CHECKING:
    from kiosk.app import KioskApp

TITLE = N_("Padró documents")
STEPS = (N_("Your registration"), N_("Document"), N_("Review"), N_("Done"))
KINDS = {
    "volant_individual": N_("Volant d'empadronament, individual (only you)"),
    "volant_collectiu": N_("Volant d'empadronament, col·lectiu (everyone at your address)"),
    "certificat_convivencia": N_("Certificat de convivència (who lives with you, certified)"),
}
KIND_NAMES = {
    "volant_individual": N_("Volant d'empadronament individual"),
    "volant_collectiu": N_("Volant d'empadronament col·lectiu"),
    "certificat_convivencia": N_("Certificat de convivència"),
}
LANGUAGES = {"ca": N_("Catalan"), "es": N_("Spanish")}


def start(app: KioskApp, kind: str = "volant_individual") -> None:
    flow = Flow(app, kind, TITLE, STEPS)
    flow.data["kind"] = kind
    flow.data["language"] = "ca"
    app.push_screen(RegistrationStep(flow))


def address_line(address: Address | None) -> str:
    if address is None:
        return ""
    street = f"{address.street}, {address.number}"
    rest = " ".join(p for p in (address.floor, address.door) if p)
    place = f"{address.postal_code} {address.municipality}".strip()
    return ", ".join(p for p in (street, rest, place) if p)


class RegistrationStep(StepScreen):
    """Where the citizen is registered; or why no document can be issued here."""

    STEP = STEPS[0]

    class Loaded(Message):
        def __init__(self, registration: RegistrationOut) -> None:
            super().__init__()
            self.registration = registration

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def compose_body(self) -> ComposeResult:
        registration: RegistrationOut | None = self.flow.data.get("registration")
        if registration is None:
            yield Static(_("Looking up your registration in the padró…"), id="registration-loading")
            return
        if not registration.registered:
            yield Static(
                _("You are not registered in Mataró's padró."), classes="headline", id="not-registered"
            )
            yield Static(
                _(
                    "Volants and certificates can only be issued to people registered in Mataró. "
                    "If you live in Mataró, register at the OAC (bring your DNI, NIE or passport and "
                    "your tenancy agreement or title deed). If you are registered in another town, ask "
                    "that town's city hall for the document."
                ),
                id="not-registered-help",
            )
            return
        yield Static(_("You are registered in Mataró's padró:"), classes="intro")
        for label, value in (
            (_("Address"), address_line(registration.address)),
            (_("Registered since"), api.local_date(registration.registered_since)),
            (_("People at this address"), str(registration.inhabitants)),
        ):
            with Horizontal(classes="review-row"):
                yield Label(plain(label), classes="review-label")
                yield Static(plain(value), classes="review-value")

    def on_mount(self) -> None:
        super().on_mount()
        if self.flow.data.get("registration") is None:
            self.query_one("#step-next", Button).disabled = True
            self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="padro", description="Registration")
    def _load(self) -> None:
        try:
            found = api.client(self.app).registration(self.token)
        except api.BackendError as exc:
            self.post_message(self.Failed(api.citizen_message(exc)))
        else:
            self.post_message(self.Loaded(found))

    @on(Loaded)
    async def _loaded(self, event: Loaded) -> None:
        self.flow.data["registration"] = event.registration
        await self.recompose()
        self.add_chrome()
        next_button = self.query_one("#step-next", Button)
        next_button.disabled = not event.registration.registered
        (next_button if not next_button.disabled else self.query_one("#step-cancel", Button)).focus()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.flow.cancel()
        self.kiosk.show_error(event.message)

    def next(self) -> None:
        registration: RegistrationOut | None = self.flow.data.get("registration")
        if registration is not None and registration.registered:
            self.go(DocumentStep(self.flow))


class DocumentStep(StepScreen):
    STEP = STEPS[1]

    def compose_body(self) -> ComposeResult:
        yield Label(_("Which document do you need?"), classes="field-label")
        with RadioSet(id="kind", classes="choice"):
            for code, label in KINDS.items():
                yield RadioButton(plain(_(label)), value=self.flow.data["kind"] == code, id=f"kind-{code}")
        yield Label(_("Language of the document"), classes="field-label")
        with RadioSet(id="language", classes="choice"):
            for code, label in LANGUAGES.items():
                yield RadioButton(
                    plain(_(label)), value=self.flow.data["language"] == code, id=f"language-{code}"
                )
        yield Static(
            _("A volant informs; a certificate certifies. Offices usually accept them for three months."),
            classes="hint",
        )

    @on(RadioSet.Changed)
    def _chosen(self, event: RadioSet.Changed) -> None:
        if event.pressed.id and event.radio_set.id in ("kind", "language"):
            self.flow.data[event.radio_set.id] = event.pressed.id.removeprefix(f"{event.radio_set.id}-")

    def next(self) -> None:
        self.go(PadroReview(self.flow))


class PadroReview(ReviewStep):
    STEP = STEPS[2]

    def rows(self) -> Iterable[tuple[str, str]]:
        registration: RegistrationOut | None = self.flow.data.get("registration")
        yield N_("Document"), _(KIND_NAMES[self.flow.data["kind"]])
        yield N_("Language"), _(LANGUAGES[self.flow.data["language"]])
        yield N_("Address"), address_line(registration.address if registration else None)
        if self.flow.data["kind"] != "volant_individual":
            yield N_("People at this address"), str(registration.inhabitants) if registration else ""

    def submit(self) -> PadroDocument:
        token = self.token
        kind, language = self.flow.data["kind"], self.flow.data["language"]
        key = self.flow.idempotency_key("padro", [kind, language])
        return api.client(self.app).issue_padro_document(token, kind, language, idempotency_key=key)

    def result_screen(self, result: PadroDocument) -> StepScreen:
        return PadroResult(self.flow, result)


class PadroResult(ResultStep[PadroDocument]):
    STEP = STEPS[3]

    def headline(self) -> str:
        return _("Your document has been issued.")

    def rows(self) -> Iterable[tuple[str, str]]:
        d = self.document
        yield N_("Document"), _(KIND_NAMES[d.kind])
        yield N_("Address"), address_line(d.address)
        if d.kind != "volant_individual":
            yield N_("People at this address"), str(len(d.inhabitants))
        yield N_("Issued"), api.local_time(d.issued_at)
        yield N_("Verification code (CSV)"), d.csv
