"""Padró documents: the volant d'empadronament (individual or col·lectiu) and the certificat de
convivència. After a certificate login the citizen sees their registration (address, since when),
chooses the document and its language (Catalan, or Spanish on request), reviews, and the backend issues
it; it prints. Not registered in Mataró: a plain explanation and what to do instead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Button, RadioButton, Static

from contract.documents import Address, PadroDocument
from contract.v1 import RegistrationOut
from kiosk.backend.client import BackendClient
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.fields import Choice
from kiosk.procedures.flow import Procedure, Submission
from kiosk.procedures.frame import LoadingStep, ResultStep, ReviewStep, StepScreen, compose_rows
from kiosk.session import CitizenSession

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


@dataclass(frozen=True)
class PadroState:
    kind: str
    language: str = "ca"
    registration: RegistrationOut | None = None


def address_line(address: Address | None) -> str:
    if address is None:
        return ""
    street = f"{address.street}, {address.number}"
    rest = " ".join(p for p in (address.floor, address.door) if p)
    place = f"{address.postal_code} {address.municipality}".strip()
    return ", ".join(p for p in (street, rest, place) if p)


class RegistrationStep(LoadingStep[PadroState]):
    """Where the citizen is registered; or why no document can be issued here."""

    STEP = N_("Your registration")
    LOADS = "registration"
    LOADING = N_("Looking up your registration in the padró…")

    def load(self, backend: BackendClient, token: str, language: str) -> RegistrationOut:
        return backend.registration(token)

    def compose_loaded(self, registration: RegistrationOut) -> ComposeResult:
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
        yield from compose_rows(
            (
                (N_("Address"), address_line(registration.address)),
                (N_("Registered since"), api.local_date(registration.registered_since)),
                (N_("People at this address"), str(registration.inhabitants)),
            )
        )

    def loaded(self, registration: RegistrationOut) -> None:
        next_button = self.query_one("#step-next", Button)
        next_button.disabled = not registration.registered
        (next_button if not next_button.disabled else self.query_one("#step-cancel", Button)).focus()


class DocumentStep(StepScreen[PadroState]):
    STEP = N_("Document")
    FIELDS = (
        Choice("kind", N_("Which document do you need?"), KINDS),
        Choice("language", N_("Language of the document"), LANGUAGES),
    )

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        yield Static(
            _("A volant informs; a certificate certifies. Offices usually accept them for three months."),
            classes="hint",
        )
        if self._by_phone():
            yield Static(
                _(
                    "The certificat de convivència lists everyone at your address: it needs your DNIe or "
                    "another certificate card. With the phone you can get the volants."
                ),
                classes="hint",
                id="convivencia-needs-card",
            )

    def on_mount(self) -> None:
        if self._by_phone():  # the catalogue accepts a certificate only for it (municipal ACCEPTS)
            self.query_one("#kind-certificat_convivencia", RadioButton).disabled = True

    def _by_phone(self) -> bool:
        session = self.kiosk.session
        return session is not None and session.scope == "handoff"


class PadroReview(ReviewStep[PadroState]):
    def rows(self) -> Iterable[tuple[str, str]]:
        state = self.state
        registration = state.registration
        yield N_("Document"), _(KIND_NAMES[state.kind])
        yield N_("Language"), _(LANGUAGES[state.language])
        yield N_("Address"), address_line(registration.address if registration else None)
        if state.kind != "volant_individual":
            yield N_("People at this address"), str(registration.inhabitants) if registration else ""


def submit(s: Submission[PadroState]) -> PadroDocument:
    kind, language = s.state.kind, s.state.language
    return s.backend.issue_padro_document(
        s.token or "", kind, language, idempotency_key=s.key([kind, language])
    )


class PadroResult(ResultStep[PadroState, PadroDocument]):
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


def _start(code: str, session: CitizenSession) -> PadroState:
    return PadroState(kind=code)


SPEC = Procedure(
    codes=tuple(KINDS),
    title=N_("Padró documents"),
    steps=(RegistrationStep, DocumentStep, PadroReview, PadroResult),
    start=_start,
    submit=submit,
)
