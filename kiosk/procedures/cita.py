"""Cita prèvia at the OAC, one catalogue entry whose first step asks what the citizen wants: book, see
and cancel their appointments, or check in on arrival (the citizen thinks "cita prèvia", not of three
procedures; the three share the identification, the services and the backend's routes).

Book: the service; a day and time from the free slots the backend offers (said plainly when there are
none); an optional contact for the confirmation, with the consent; review; the reference and the printed
justificant. A slot taken by someone else before Send (`slot_taken`) brings the citizen back to the
times, loaded again. The slots' pick-list is loaded for the chosen service: one slot step per service,
the one that applies is the chosen service's; the list is loaded again when the service changes.

Cancel: the appointments to come (loaded with the citizen's token), one chosen, a confirmation step that
says what will happen, the backend's answer. Check in: one press; the backend finds today's appointment
in its window (30 minutes before to 10 after) and answers the turn ticket, printed at once (a second
check-in prints the same number). Too early, too late or none today are the backend's plain messages.

With a certificate login or a phone hand-off (the catalogue's `accepts`), for all three: not the weak
identification (ID number, birth date and postal code are known to many, and an appointment says where
and when someone will be), nor the appointment's reference alone (numbered in sequence, so guessable).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Select, Static

from contract.documents import CitaJustificant, CitaTicket
from contract.errors import ErrorCode
from contract.v1 import CitaCancelled
from kiosk.backend.client import BackendClient
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.bustia import EMAIL, PHONE, ConsentedContactStep, ContactState, contact_rows
from kiosk.procedures.fields import Choice, Field, PickList, Tick
from kiosk.procedures.flow import Procedure, Submission, fresh
from kiosk.procedures.frame import Doing, NothingToPrint, ResultStep, ReviewStep, StepScreen
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


#: What the citizen can do (the first step).
ACTIONS = {
    "book": N_("Book an appointment"),
    "cancel": N_("See or cancel my appointments"),
    "checkin": N_("I have an appointment now: check in and get my turn"),
}
NO_APPOINTMENTS = N_("You have no appointments to come. Go back to book one, or ask at the OAC counter.")


@dataclass(frozen=True)
class CitaState(ContactState):
    action: str = "book"
    service: str = "padro"
    slots: tuple[tuple[str, str], ...] = ()
    """The free slots' pick-list options (ISO moment, label), of the service `slots_for`."""
    slots_for: str = ""
    slot: str | None = None
    no_slots: bool = False
    """The backend answered that the service has no free slot."""
    slots_stale: bool = False
    """The time chosen was taken by someone else: the slot step loads its list again when shown."""
    mine: tuple[tuple[str, str], ...] = ()
    """The citizen's appointments to come, as pick-list options (reference, label)."""
    cancel: str | None = None
    """The reference of the appointment to cancel."""
    no_appointments: bool = False


def slot_label(moment: datetime) -> str:
    """`Dimarts 09/12/2026 10:15`: the office's local time, as the backend sent it."""
    return f"{_(WEEKDAYS[moment.weekday()])} {api.local_time(moment)}"


def slot_options(backend: BackendClient, service: str, language: str) -> list[tuple[str, str]]:
    answer = backend.cita_slots(service, days=DAYS_AHEAD, language=language)
    return [(moment.isoformat(), slot_label(moment)) for moment in answer.slots]


class ActionStep(StepScreen[CitaState]):
    STEP = N_("What to do")
    FIELDS = (Choice("action", N_("What do you want to do?"), ACTIONS),)

    def compose_body(self) -> ComposeResult:
        yield Static(_("Appointments at the OAC Centre, la Riera, 48."), classes="intro")
        yield from super().compose_body()


class ServiceStep(Doing, StepScreen[CitaState]):
    ACTION = "book"
    STEP = N_("Service")
    FIELDS = (Choice("service", N_("What is your appointment for?"), SERVICES),)

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
        return bool(state.action == "book" and state.service == cls.SERVICE)

    def on_screen_resume(self) -> None:
        # Back here after the time was refused (slot_taken): the list is loaded again.
        if self.state.slots_stale:
            self.flow.update(slots_stale=False)
            self.query_one("#slot", Select).clear()
            spec = self.FIELDS[0]
            assert isinstance(spec, PickList)
            self.load_options(spec)

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
    def load(backend: BackendClient, token: str, language: str) -> Sequence[tuple[str, str]]:
        return slot_options(backend, service, language)

    picker = PickList(
        "slot",
        "slots",
        load=load,
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


class ContactStep(Doing, ConsentedContactStep[CitaState]):
    ACTION = "book"
    INTRO = N_("If you want a confirmation, leave an email or a phone number. It is optional.")
    CONSENT = CONSENT
    AGREED = AGREED
    FIELDS = (EMAIL, PHONE, AGREED)


def _chosen(state: CitaState) -> str:
    return next((label for code, label in state.slots if code == state.slot), "")


class CitaReview(Doing, ReviewStep[CitaState]):
    ACTION = "book"

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Service"), _(SERVICES[self.state.service])
        yield N_("Day and time"), _chosen(self.state)
        yield from contact_rows(self.state)

    def refused(self, code: str) -> None:
        if code != ErrorCode.SLOT_TAKEN:
            return
        # Someone else took the time: back to the times, loaded again (the message is shown over them).
        self.flow.update(slots=(), slot=None, no_slots=False, slots_stale=True)
        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, SlotStep):
                break
            self.flow.back(screen)


def submit(s: Submission[CitaState]) -> CitaJustificant | CitaCancelled | CitaTicket:
    state = s.state
    if state.action == "cancel":
        assert state.cancel is not None, "the appointments step requires one"
        what = ["cancel", state.cancel, s.language]
        return s.backend.cancel_cita(s.token or "", state.cancel, idempotency_key=s.key(what),
                                     language=s.language)  # fmt: skip
    if state.action == "checkin":
        # No key: a second check-in is answered with the same turn by the backend itself.
        return s.backend.check_in_cita(s.token or "", language=s.language)
    assert state.slot is not None, "the slot step requires a slot"
    contact = state.contact()
    body = [state.service, state.slot, contact, s.language]
    return s.backend.book_cita(
        s.token or "", state.service, datetime.fromisoformat(state.slot), contact,
        idempotency_key=s.key(body), language=s.language,
    )  # fmt: skip


class CitaResult(Doing, ResultStep[CitaState, CitaJustificant]):
    ACTION = "book"

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


# --- my appointments: cancel one -------------------------------------------------------------------


def appointment_label(service: str, moment: datetime) -> str:
    """`Padró d'habitants, dimarts 09/12/2026 10:15`."""
    return f"{service}, {slot_label(moment)}"


def my_appointments(backend: BackendClient, token: str, language: str) -> tuple[tuple[str, str], ...]:
    answer = backend.my_citas(token, language=language)
    return tuple(
        (a.reference, appointment_label(a.service.name, a.appointment_at))
        for a in answer.appointments
        if not a.checked_in  # a checked-in appointment is the counter's now
    )


MINE = PickList(
    "cancel",
    "mine",
    load=my_appointments,
    label=N_("Your appointments"),
    prompt=N_("Choose the appointment to cancel"),
    loading_prompt=N_("Loading your appointments…"),
    required=N_("Choose the appointment you want to cancel."),
)


class MineStep(Doing, StepScreen[CitaState]):
    """The citizen's appointments to come, one to cancel."""

    ACTION = "cancel"
    STEP = N_("Your appointments")
    FIELDS: ClassVar[tuple[Field, ...]] = (MINE,)

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        message = Static(plain(_(NO_APPOINTMENTS)), id="no-appointments", classes="warning-box")
        message.display = self.state.no_appointments
        yield message

    async def fetched(self, name: str) -> None:
        await super().fetched(name)
        self.flow.update(no_appointments=not self.state.mine)
        self.query_one("#no-appointments", Static).display = self.state.no_appointments
        if self.state.no_appointments:
            self.query_one("#cancel", Select).prompt = _("No appointments")
            self.app.notify(_(NO_APPOINTMENTS), severity="warning", timeout=8, markup=False)


class CancelReview(Doing, ReviewStep[CitaState]):
    """The confirmation: what will be cancelled, and that the time goes to others."""

    ACTION = "cancel"
    STEP = N_("Confirm")
    NEXT_LABEL = N_("Cancel the appointment")
    INTRO = N_("Do you want to cancel this appointment? Its time will be offered to other people at once.")

    def cancel_label(self) -> str:
        return _("Keep it")

    def rows(self) -> Iterable[tuple[str, str]]:
        chosen = next((label for code, label in self.state.mine if code == self.state.cancel), "")
        yield N_("Appointment"), chosen
        yield N_("Reference"), self.state.cancel or ""


class CancelResult(Doing, NothingToPrint[CitaState]):
    ACTION = "cancel"

    @property
    def cancelled(self) -> CitaCancelled:
        assert isinstance(self.result, CitaCancelled)
        return self.result

    def headline(self) -> str:
        return _("Your appointment of {when} is cancelled.").format(
            when=slot_label(self.cancelled.appointment_at)
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Reference"), self.cancelled.reference
        yield N_("Service"), self.cancelled.service.name
        yield N_("Day and time"), slot_label(self.cancelled.appointment_at)


# --- check in on arrival ---------------------------------------------------------------------------


class CheckInStep(Doing, ReviewStep[CitaState]):
    """One press (no rows): the backend finds today's appointment and gives its turn."""

    ACTION = "checkin"
    STEP = N_("Check in")
    NEXT_LABEL = N_("Check in")
    INTRO = N_(
        "Press Check in: the kiosk looks for your appointment of today and prints your turn ticket. You can "
        "check in from 30 minutes before your appointment until 10 minutes after it."
    )


class TicketResult(Doing, ResultStep[CitaState, CitaTicket]):
    """The turn, its ticket printed at once (Print gives another copy of the same number)."""

    ACTION = "checkin"

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.proceed)

    def headline(self) -> str:
        return _("Your turn is {turn}. Please wait in the room until the screen calls it.").format(
            turn=self.document.turn
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Turn"), self.document.turn
        yield N_("Service"), self.document.service.name
        yield N_("Day and time"), slot_label(self.document.appointment_at)


SPEC = Procedure(
    codes=("cita_previa",),
    title=N_("Appointment at the OAC"),
    steps=(
        ActionStep,
        ServiceStep, *SLOT_STEPS, ContactStep, CitaReview, CitaResult,
        MineStep, CancelReview, CancelResult,
        CheckInStep, TicketResult,
    ),
    start=fresh(CitaState),
    submit=submit,
)  # fmt: skip
