"""Cita prèvia at the OAC: the service; a day and time from the free slots the backend offers (said
plainly when there are none); an optional contact for the confirmation, with the consent; review; the
reference and the printed justificant. With a certificate login or a phone hand-off (the catalogue's
`accepts`); the backend keeps a slot for one booking and one appointment to come per service.

The slots' pick-list is loaded for the chosen service: one slot step per service, the one that applies
is the chosen service's; the list is loaded again when the citizen goes back and changes the service."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Select, Static

from contract.documents import CitaJustificant
from kiosk.backend.client import BackendClient
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.bustia import EMAIL, PHONE, ConsentedContactStep
from kiosk.procedures.fields import Choice, PickList, Tick
from kiosk.procedures.flow import Procedure, Submission
from kiosk.procedures.frame import ResultStep, ReviewStep, StepScreen
from kiosk.procedures.validation import normalise_phone
from kiosk.session import CitizenSession
from widgets.plain import plain

#: The OAC's services that take appointments (the backend's codes).
SERVICES = {
    "padro": N_("Padró (registering, a change of address)"),
    "registre": N_("Registry (handing in documents)"),
}
#: How many days ahead (today included) the free slots are offered.
DAYS_AHEAD = 7
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))  # fmt: skip
NO_SLOTS = N_(
    "There are no free appointments for this service in the next {days} days. Please call 010, or ask at "
    "the OAC counter."
)
CONSENT = N_(
    "The Ajuntament de Mataró will use your contact details only to confirm this appointment, and will keep "
    "them as long as the law on public records requires (RGPD, Regulation (EU) 2016/679). You can ask to "
    "see, correct or erase them at any OAC office."
)
AGREED = Tick("consent", N_("I agree to my contact details being used to confirm the appointment"))


@dataclass(frozen=True)
class CitaState:
    service: str = "padro"
    slots: tuple[tuple[str, str], ...] = ()
    """The free slots' pick-list options (ISO moment, label), of the service `slots_for`."""
    slots_for: str = ""
    slot: str | None = None
    no_slots: bool = False
    """The backend answered that the service has no free slot."""
    email: str = ""
    phone: str = ""
    consent: bool = False


def slot_label(moment: datetime) -> str:
    """`Dimarts 09/12/2026 10:15`: the office's local time, as the backend sent it."""
    return f"{_(WEEKDAYS[moment.weekday()])} {api.local_time(moment)}"


def slot_options(backend: BackendClient, service: str, language: str) -> list[tuple[str, str]]:
    answer = backend.cita_slots(service, days=DAYS_AHEAD, language=language)
    return [(moment.isoformat(), slot_label(moment)) for moment in answer.slots]


class ServiceStep(StepScreen[CitaState]):
    STEP = N_("Service")
    FIELDS = (Choice("service", N_("What is your appointment for?"), SERVICES),)

    def compose_body(self) -> ComposeResult:
        yield Static(_("Appointments at the OAC Centre, la Riera, 48."), classes="intro")
        yield from super().compose_body()

    def proceed(self) -> None:
        if self.state.slots_for != self.state.service:  # another service: its own slots
            self.flow.update(slots=(), slot=None, no_slots=False, slots_for=self.state.service)
        super().proceed()


class SlotStep(StepScreen[CitaState]):
    """The free slots of one service (`SERVICE`): see `_slot_step`."""

    STEP = N_("Day and time")
    SERVICE = ""

    @classmethod
    def applies(cls, state: Any) -> bool:
        return bool(state.service == cls.SERVICE)

    def compose_body(self) -> ComposeResult:
        yield Static(plain(_(SERVICES[self.SERVICE])), classes="intro")
        yield from super().compose_body()
        message = Static(plain(_(NO_SLOTS).format(days=DAYS_AHEAD)), id="no-slots", classes="warning-box")
        message.display = self.state.no_slots
        yield message

    async def fetched(self, name: str) -> None:
        await super().fetched(name)
        self.flow.update(no_slots=not self.state.slots)
        self.query_one("#no-slots", Static).display = self.state.no_slots
        if self.state.no_slots:  # said plainly, and spoken as every notice is
            self.query_one("#slot", Select).prompt = _("No free times")
            self.app.notify(_(NO_SLOTS).format(days=DAYS_AHEAD), severity="warning", timeout=8, markup=False)


def _slot_step(service: str) -> type[SlotStep]:
    def load(backend: BackendClient, language: str) -> Sequence[tuple[str, str]]:
        return slot_options(backend, service, language)

    picker = PickList(
        "slot",
        "slots",
        load,
        label=N_("Day and time"),
        prompt=N_("Choose a day and time"),
        loading_prompt=N_("Loading the free times…"),
        required=N_("Choose a day and time for your appointment."),
    )

    class ServiceSlots(SlotStep):
        SERVICE = service
        FIELDS = (picker,)

    ServiceSlots.__name__ = ServiceSlots.__qualname__ = f"SlotStep_{service}"
    return ServiceSlots


SLOT_STEPS = tuple(_slot_step(code) for code in SERVICES)


class ContactStep(ConsentedContactStep[CitaState]):
    INTRO = N_("If you want a confirmation, leave an email or a phone number. It is optional.")
    CONSENT = CONSENT
    AGREED = AGREED
    FIELDS = (EMAIL, PHONE, AGREED)


def _contact(state: CitaState) -> dict[str, str | None] | None:
    email = state.email.strip() or None
    phone = normalise_phone(state.phone) or None
    return {"email": email, "phone": phone} if (email or phone) and state.consent else None


def _chosen(state: CitaState) -> str:
    return next((label for code, label in state.slots if code == state.slot), "")


class CitaReview(ReviewStep[CitaState]):
    def rows(self) -> Iterable[tuple[str, str]]:
        contact = _contact(self.state) or {}
        yield N_("Service"), _(SERVICES[self.state.service])
        yield N_("Day and time"), _chosen(self.state)
        yield N_("Email"), contact.get("email") or ""
        yield N_("Phone"), contact.get("phone") or ""


def submit(s: Submission[CitaState]) -> CitaJustificant:
    state = s.state
    assert state.slot is not None, "the slot step requires a slot"
    contact = _contact(state)
    body = [state.service, state.slot, contact, s.language]
    return s.backend.book_cita(
        s.token or "", state.service, datetime.fromisoformat(state.slot), contact,
        idempotency_key=s.key(body), language=s.language,
    )  # fmt: skip


class CitaResult(ResultStep[CitaState, CitaJustificant]):
    def headline(self) -> str:
        return _("Your appointment is booked for {when}. Reference: {reference}").format(
            when=slot_label(self.document.appointment_at), reference=self.document.reference
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Reference"), self.document.reference
        yield N_("Service"), self.document.service.name
        yield N_("Place"), self.document.service.office
        yield N_("Day and time"), slot_label(self.document.appointment_at)
        yield N_("Bring"), _("Your DNI, NIE or passport")


def _start(code: str, session: CitizenSession) -> CitaState:
    return CitaState()


SPEC = Procedure(
    codes=("cita_previa",),
    title=N_("Appointment at the OAC"),
    steps=(ServiceStep, *SLOT_STEPS, ContactStep, CitaReview, CitaResult),
    start=_start,
    submit=submit,
)
