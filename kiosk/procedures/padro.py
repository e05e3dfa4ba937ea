"""Padró documents: the volant d'empadronament (individual or col·lectiu) and the certificat de
convivència. After a certificate login the citizen sees their registration (address, since when),
chooses the document and its language (Catalan, or Spanish on request), reviews, and the backend issues
it; it prints. Not registered in Mataró: a plain explanation and what to do instead."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, RadioButton, RadioSet, Static

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


def address_line(address: dict[str, Any] | None) -> str:
    if not address:
        return ""
    street = f"{address.get('street', '')}, {address.get('number', '')}"
    rest = " ".join(p for p in (address.get("floor", ""), address.get("door", "")) if p)
    place = f"{address.get('postal_code', '')} {address.get('municipality', '')}".strip()
    return ", ".join(p for p in (street, rest, place) if p)


class RegistrationStep(StepScreen):
    """Where the citizen is registered; or why no document can be issued here."""

    STEP = STEPS[0]

    class Loaded(Message):
        def __init__(self, registration: dict[str, Any]) -> None:
            super().__init__()
            self.registration = registration

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def compose_body(self) -> ComposeResult:
        registration = self.flow.data.get("registration")
        if registration is None:
            yield Static(_("Looking up your registration in the padró…"), id="registration-loading")
            return
        if not registration["registered"]:
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
            (_("Address"), address_line(registration.get("address"))),
            (_("Registered since"), api.local_date(registration.get("registered_since"))),
            (_("People at this address"), str(registration.get("inhabitants", ""))),
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
            self.post_message(self.Loaded(api.payload(found)))

    @on(Loaded)
    async def _loaded(self, event: Loaded) -> None:
        self.flow.data["registration"] = event.registration
        await self.recompose()
        self.add_chrome()
        next_button = self.query_one("#step-next", Button)
        next_button.disabled = not event.registration["registered"]
        (next_button if not next_button.disabled else self.query_one("#step-cancel", Button)).focus()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.flow.cancel()
        self.kiosk.show_error(event.message)

    def next(self) -> None:
        if self.flow.data.get("registration", {}).get("registered"):
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
        registration = self.flow.data.get("registration") or {}
        yield N_("Document"), _(KIND_NAMES[self.flow.data["kind"]])
        yield N_("Language"), _(LANGUAGES[self.flow.data["language"]])
        yield N_("Address"), address_line(registration.get("address"))
        if self.flow.data["kind"] != "volant_individual":
            yield N_("People at this address"), str(registration.get("inhabitants", ""))

    def submit(self) -> Any:
        token = self.token
        kind, language = self.flow.data["kind"], self.flow.data["language"]
        key = self.flow.idempotency_key("padro", [kind, language])
        return api.client(self.app).issue_padro_document(token, kind, language, idempotency_key=key)

    def result_screen(self, result: Any) -> StepScreen:
        return PadroResult(self.flow, api.payload(result))


class PadroResult(ResultStep):
    STEP = STEPS[3]

    def headline(self) -> str:
        return _("Your document has been issued.")

    def rows(self) -> Iterable[tuple[str, str]]:
        d = self.document
        yield N_("Document"), _(KIND_NAMES.get(str(d.get("kind")), str(d.get("kind"))))
        yield N_("Address"), address_line(d.get("address"))
        if d.get("kind") != "volant_individual":
            yield N_("People at this address"), str(len(d.get("inhabitants") or []))
        yield N_("Issued"), api.local_time(d.get("issued_at"))
        yield N_("Verification code (CSV)"), str(d.get("csv", ""))
