"""Cita prèvia: the services of the OAC that take appointments, their free slots for the next days, and a
booking, answered with its printable justificant (reference CP/<year>/<6 digits>).

A slot is taken once: the unique constraint on the appointment's slot lets one of two racing bookings
commit, and the other gets 409 `slot_taken`. A citizen has at most one appointment to come per service
(409 `appointment_exists`): the check runs under a lock of that citizen's bookings (PostgreSQL: an
advisory lock; SQLite: the write transaction is the lock). The confirmation to the contact the citizen
left (with their consent) goes into the outbox in the booking's transaction.

Slots are stored in UTC and made from the office's hours in Mataró's local time, day by day, so a
daylight-saving change moves no appointment (8.30 is 8.30 in March and in November).

The citizen sees their appointments to come (`GET /mine`) and cancels one (`POST /cancellations`): the
row stays (its justificant's CSV still verifies) and gives its slot back at once; the notice goes to the
contact the booking's justificant holds (left with consent), in the cancellation's transaction. At the
office, a check-in (`POST /checkins`) finds the citizen's appointment of today within `CHECKIN_OPENS`
before and `CHECKIN_CLOSES` after its start (elapsed time: the DST night changes nothing) and gives it the
next turn number of its service and day, once: a second check-in prints the same number. A cancellation
and a check-in of one citizen are serialised by the same lock as their bookings; the turn numbers of a
service and day by a lock of their own (and a unique constraint).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract.documents import Applicant, CitaJustificant, CitaService, CitaTicket, Contact
from contract.errors import ErrorCode, ErrorOut
from contract.v1 import (
    CitaAppointment,
    CitaAppointmentsOut,
    CitaCancelIn,
    CitaCancelled,
    CitaCheckInIn,
    CitaIn,
    CitaServicesOut,
    CitaSlotsOut,
    ContactIn,
)
from municipal import locks, outbox, timeutil
from municipal.api.auth import require_identification
from municipal.api.common import KIOSK, CitizenByCertificate, Ctx, Language, citizen_refusals, row_by_code
from municipal.api.writes import Write, yearly_number
from municipal.errors import ApiError
from municipal.models import Appointment, AppointmentService, AppointmentSlot, IssuedDocument

router = APIRouter(prefix="/v1/cites", tags=["cita prèvia"], dependencies=[KIOSK])

PROCEDURE = "cita_previa"
#: The advisory-lock namespace of one citizen's bookings (auth's are 0x4F56_0001..3).
_LOCK_BOOKINGS = 0x4F56_0010
#: The advisory-lock namespace of one service's turn numbers of one day.
_LOCK_TURNS = 0x4F56_0011
#: A check-in is taken from this long before the appointment's start to this long after it.
CHECKIN_OPENS = timedelta(minutes=30)
CHECKIN_CLOSES = timedelta(minutes=10)
_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such service"}}


# --- the schedule (pure) -----------------------------------------------------------------------------


def slot_times(day: date, hours: Iterable[tuple[str, str]], minutes: int) -> list[datetime]:
    """The slots of `day` in Mataró's local time: every `minutes` from each opening to its closing (a
    slot ends by the closing). Built from the wall clock, so DST changes nothing."""
    zone = timeutil.LOCAL
    out: list[datetime] = []
    for opens, closes in hours:
        start = datetime.combine(day, time.fromisoformat(opens), tzinfo=zone)
        end = datetime.combine(day, time.fromisoformat(closes), tzinfo=zone)
        at = start
        while at + timedelta(minutes=minutes) <= end:
            out.append(at)
            at += timedelta(minutes=minutes)  # aware + timedelta is wall-clock arithmetic
    return out


def opening_slots(
    first: date, days: int, hours: dict[int, tuple[tuple[str, str], ...]], minutes: int
) -> list[datetime]:
    """The slots of `days` days from `first` (included), on the weekdays `hours` names."""
    return [
        slot
        for n in range(days)
        for day in [first + timedelta(days=n)]
        for slot in slot_times(day, hours.get(day.weekday(), ()), minutes)
    ]


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """From `now` to the end of the `days`-th local day (today is the first), as aware UTC moments: the
    end is local midnight, whatever the offsets in between."""
    today = now.astimezone(timeutil.LOCAL).date()
    end = datetime.combine(today + timedelta(days=days), time(0), tzinfo=timeutil.LOCAL)
    return now, end.astimezone(now.tzinfo)


class Arrival(StrEnum):
    """Where `now` falls against an appointment's check-in window."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


def arrival(now: datetime, starts_at: datetime) -> Arrival:
    """EARLY before `CHECKIN_OPENS` ahead of the start, LATE after `CHECKIN_CLOSES` past it (both ends
    in): elapsed time, in UTC (two moments of one zone would compare and add by the wall clock, and a
    DST change in between would count as no hour or two)."""
    now, starts_at = now.astimezone(UTC), starts_at.astimezone(UTC)
    if now < starts_at - CHECKIN_OPENS:
        return Arrival.EARLY
    if now > starts_at + CHECKIN_CLOSES:
        return Arrival.LATE
    return Arrival.ON_TIME


def local_day(moment: datetime) -> date:
    """The day of `moment` on Mataró's clock."""
    return moment.astimezone(timeutil.LOCAL).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight of `day` and of the next day, as aware moments (23 or 25 hours apart at DST)."""
    start = datetime.combine(day, time(0), tzinfo=timeutil.LOCAL)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=timeutil.LOCAL)
    return start.astimezone(UTC), end.astimezone(UTC)


def checkin_choice(now: datetime, starts: Sequence[datetime]) -> tuple[int, Arrival] | None:
    """Which of today's appointments (`starts`, on Mataró's day of `now`) a check-in is for: the first
    one on time; else the next one to come (EARLY); else the last one gone (LATE); None: none today."""
    today = [n for n, at in enumerate(starts) if local_day(at) == local_day(now)]
    if not today:
        return None
    seen = [(n, arrival(now, starts[n])) for n in sorted(today, key=lambda n: starts[n])]
    for wanted in (Arrival.ON_TIME, Arrival.EARLY):
        found = next(((n, a) for n, a in seen if a is wanted), None)
        if found is not None:
            return found
    return seen[-1]


def turn_label(service: str, turn: int) -> str:
    """`P-012`: the service's initial and the turn number of its day."""
    return f"{service[:1].upper()}-{turn:03d}"


# --- routes ------------------------------------------------------------------------------------------


def _service(row: AppointmentService, language: str) -> CitaService:
    name, office, minutes = row.name(language), row.office, row.slot_minutes
    return CitaService(code=row.code, name=name, office=office, slot_minutes=minutes)


def _service_row(session: Session, code: str) -> AppointmentService:
    return row_by_code(session, AppointmentService, code, ErrorCode.SERVICE_UNKNOWN, "service")


@router.get("/services", response_model=CitaServicesOut)
def services(ctx: Ctx, lang: Language) -> CitaServicesOut:
    """The services that take appointments."""
    with ctx.read() as session:
        rows = session.execute(select(AppointmentService).order_by(AppointmentService.position)).scalars()
        return CitaServicesOut(language=lang, services=[_service(r, lang) for r in rows])


@router.get("/services/{code}/slots", response_model=CitaSlotsOut, responses=_UNKNOWN)
def free_slots(
    ctx: Ctx,
    code: Annotated[str, Path(max_length=40)],
    lang: Language,
    days: Annotated[int, Query(ge=1, le=31, description="Today and the days after it")] = 14,
) -> CitaSlotsOut:
    """The service's free slots from now to the end of the `days`-th day, soonest first."""
    start, end = window(timeutil.now(), days)
    taken = select(Appointment.slot_id).where(Appointment.slot_id.is_not(None))  # a NULL in NOT IN: none
    with ctx.read() as session:
        service = _service_row(session, code)
        slots = session.execute(
            select(AppointmentSlot.starts_at)
            .where(
                AppointmentSlot.service_code == code,
                AppointmentSlot.starts_at >= start,
                AppointmentSlot.starts_at < end,
                AppointmentSlot.id.not_in(taken),
            )
            .order_by(AppointmentSlot.starts_at)
        ).scalars()
        return CitaSlotsOut(service=_service(service, lang), slots=list(slots))


def _notify(session: Session, kind: str, language: str, reference: str, service: AppointmentService,
            starts_at: datetime, contact: Contact | ContactIn) -> None:  # fmt: skip
    """A notice of appointment `reference` (its booking or cancellation) to the contact the citizen left
    with their consent, into the outbox in the caller's transaction."""
    local = starts_at.astimezone(timeutil.LOCAL)
    outbox.enqueue(
        session,
        kind=kind,
        language=language,
        values={
            "reference": reference,
            "service": service.name(language),
            "office": service.office,
            "date": local.strftime("%d/%m/%Y"),
            "time": local.strftime("%H:%M"),
        },
        consent="cita:contact",
        email=contact.email,
        phone=contact.phone,
    )


def _lock_citizen(session: Session, id_number: str) -> None:
    """Serialise one citizen's bookings, cancellations and check-ins."""
    locks.advisory_lock(session, _LOCK_BOOKINGS, id_number)


@router.post(
    "",
    status_code=201,
    response_model=CitaJustificant,
    responses={
        **citizen_refusals("The slot is taken (slot_taken), an appointment to come exists for the service "
                           "(appointment_exists), or the key was reused"),
        **_UNKNOWN,
    },
)  # fmt: skip
def book(body: CitaIn, citizen: CitizenByCertificate, write: Write) -> CitaJustificant:
    """Book the slot of `service` starting at `appointment_at`, with a certificate or a phone hand-off."""
    require_identification(citizen, PROCEDURE)
    contact = body.contact if body.contact and (body.contact.email or body.contact.phone) else None
    with write.transaction(body, citizen) as tx:
        session = tx.session
        now = timeutil.now()
        service = _service_row(session, body.service)
        slot = session.execute(
            select(AppointmentSlot).where(
                AppointmentSlot.service_code == body.service, AppointmentSlot.starts_at == body.appointment_at
            )
        ).scalar_one_or_none()
        if slot is None or slot.starts_at <= now:
            raise ApiError(409, ErrorCode.SLOT_TAKEN, "no such slot to come")
        _lock_citizen(session, citizen.id_number)
        booked = session.execute(
            select(Appointment.id).where(
                Appointment.id_number == citizen.id_number,
                Appointment.service_code == body.service,
                Appointment.starts_at > now,
                Appointment.cancelled_at.is_(None),
            )
        ).first()
        if booked is not None:
            raise ApiError(409, ErrorCode.APPOINTMENT_EXISTS)
        if session.execute(select(Appointment.id).where(Appointment.slot_id == slot.id)).first() is not None:
            raise ApiError(409, ErrorCode.SLOT_TAKEN)
        reference = yearly_number(session, "CP", now)
        justificant = CitaJustificant(
            **write.document_head(body.language, now),
            reference=reference,
            service=_service(service, body.language),
            appointment_at=slot.starts_at,
            booked_at=now,
            holder=Applicant(
                id_number=citizen.id_number, given_name=citizen.given_name, surnames=citizen.surnames
            ),
            contact=Contact(email=contact.email, phone=contact.phone) if contact else None,
        )
        try:
            # Another booking of this slot may be committing now: the unique constraint lets one win.
            with session.begin_nested():
                session.add(
                    Appointment(
                        reference=reference,
                        slot_id=slot.id,
                        service_code=service.code,
                        starts_at=slot.starts_at,
                        id_number=citizen.id_number,
                        kiosk_id=write.kiosk_id,
                        booked_at=now,
                        csv=justificant.csv,
                    )
                )
        except IntegrityError:
            raise ApiError(409, ErrorCode.SLOT_TAKEN) from None
        if contact:  # the confirmation, with the citizen's consent, in this same transaction
            _notify(session, "cita_booked", body.language, reference, service, slot.starts_at, contact)
        document = tx.record_document("cita", justificant, citizen.id_number)
        return tx.answer(justificant, document)


_MINE = citizen_refusals("The identification does not allow this procedure")


@router.get("/mine", response_model=CitaAppointmentsOut, responses=_MINE)
def mine(ctx: Ctx, citizen: CitizenByCertificate, lang: Language) -> CitaAppointmentsOut:
    """The citizen's appointments to come (not cancelled), soonest first."""
    require_identification(citizen, PROCEDURE)
    with ctx.read() as session:
        rows = session.execute(
            select(Appointment, AppointmentService)
            .join(AppointmentService, AppointmentService.code == Appointment.service_code)
            .where(
                Appointment.id_number == citizen.id_number,
                Appointment.cancelled_at.is_(None),
                Appointment.starts_at > timeutil.now(),
            )
            .order_by(Appointment.starts_at)
        ).all()
        return CitaAppointmentsOut(
            appointments=[
                CitaAppointment(
                    reference=row.reference,
                    service=_service(service, lang),
                    appointment_at=row.starts_at,
                    checked_in=row.checked_in_at is not None,
                )
                for row, service in rows
            ]
        )


def _booked_contact(session: Session, csv: str) -> Contact | None:
    """The contact the booking's justificant holds (left by the citizen with their consent)."""
    payload = session.execute(select(IssuedDocument.payload).where(IssuedDocument.csv == csv)).scalar()
    return CitaJustificant.model_validate_json(payload).contact if payload else None


@router.post(
    "/cancellations",
    status_code=201,
    response_model=CitaCancelled,
    responses=citizen_refusals(
        "Not one of the citizen's appointments (appointment_unknown), cancelled already "
        "(appointment_cancelled), gone (appointment_past) or checked in (appointment_checked_in)"
    ),
)
def cancel(body: CitaCancelIn, citizen: CitizenByCertificate, write: Write) -> CitaCancelled:
    """Cancel one of the citizen's appointments to come: its slot is free again at once."""
    require_identification(citizen, PROCEDURE)
    with write.transaction(body, citizen) as tx:
        session = tx.session
        now = timeutil.now()
        _lock_citizen(session, citizen.id_number)
        row = session.execute(
            select(Appointment).where(Appointment.reference == body.reference)
        ).scalar_one_or_none()
        if row is None or row.id_number != citizen.id_number:  # someone else's: as if there were none
            raise ApiError(404, ErrorCode.APPOINTMENT_UNKNOWN)
        if row.cancelled_at is not None:
            raise ApiError(409, ErrorCode.APPOINTMENT_CANCELLED)
        if row.checked_in_at is not None:
            raise ApiError(409, ErrorCode.APPOINTMENT_CHECKED_IN)
        if row.starts_at <= now:
            raise ApiError(409, ErrorCode.APPOINTMENT_PAST)
        row.cancelled_at, row.slot_id = now, None
        service = _service_row(session, row.service_code)
        contact = _booked_contact(session, row.csv)
        if contact is not None and (contact.email or contact.phone):  # consented at the booking
            _notify(session, "cita_cancelled", body.language, row.reference, service, row.starts_at, contact)
        out = CitaCancelled(
            reference=row.reference,
            service=_service(service, body.language),
            appointment_at=row.starts_at,
            cancelled_at=now,
        )
        return tx.answer(out)


def _next_turn(session: Session, service: str, day: date) -> int:
    locks.advisory_lock(session, _LOCK_TURNS, f"{service}:{day.isoformat()}")
    last = session.execute(
        select(func.max(Appointment.turn)).where(
            Appointment.service_code == service, Appointment.turn_day == day
        )
    ).scalar()
    return int(last or 0) + 1


@router.post(
    "/checkins",
    status_code=201,
    response_model=CitaTicket,
    responses=citizen_refusals(
        "No appointment today (checkin_none_today), too early (checkin_too_early) or too late "
        "(checkin_too_late)"
    ),
)
def check_in(body: CitaCheckInIn, citizen: CitizenByCertificate, write: Write) -> CitaTicket:
    """Check in for the citizen's appointment of today: its turn ticket (the same turn if checked in)."""
    require_identification(citizen, PROCEDURE)
    with write.transaction(body, citizen) as tx:
        session = tx.session
        now = timeutil.now()
        _lock_citizen(session, citizen.id_number)
        start, end = day_bounds(local_day(now))
        rows = list(
            session.execute(
                select(Appointment)
                .where(
                    Appointment.id_number == citizen.id_number,
                    Appointment.cancelled_at.is_(None),
                    Appointment.starts_at >= start,
                    Appointment.starts_at < end,
                )
                .order_by(Appointment.starts_at)
            ).scalars()
        )
        choice = checkin_choice(now, [row.starts_at for row in rows])
        if choice is None:
            raise ApiError(404, ErrorCode.CHECKIN_NONE_TODAY)
        row = rows[choice[0]]
        detail = {"opens_at": (row.starts_at - CHECKIN_OPENS).isoformat()}
        if choice[1] is Arrival.EARLY:
            raise ApiError(409, ErrorCode.CHECKIN_TOO_EARLY, detail)
        if choice[1] is Arrival.LATE:
            raise ApiError(409, ErrorCode.CHECKIN_TOO_LATE, detail)
        if row.turn is None:  # the first check-in; a second one prints the same number
            row.turn_day = local_day(row.starts_at)
            row.turn = _next_turn(session, row.service_code, row.turn_day)
            row.checked_in_at = now
        assert row.turn is not None and row.checked_in_at is not None
        ticket = CitaTicket(
            **write.document_head(body.language, now),
            turn=turn_label(row.service_code, row.turn),
            reference=row.reference,
            service=_service(_service_row(session, row.service_code), body.language),
            appointment_at=row.starts_at,
            checked_in_at=row.checked_in_at,
        )
        document = tx.record_document("cita_ticket", ticket, citizen.id_number)
        return tx.answer(ticket, document)


def slots_for_seed(first: date, days: int, hours: dict[int, tuple[tuple[str, str], ...]], minutes: int,
                   services: Sequence[str]) -> list[AppointmentSlot]:  # fmt: skip
    """The slot rows of `services` for `days` days from `first` (the demo database's)."""
    moments = opening_slots(first, days, hours, minutes)
    return [AppointmentSlot(service_code=code, starts_at=at) for code in services for at in moments]
