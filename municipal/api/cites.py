"""Cita prèvia: the services of the OAC that take appointments, their free slots for the next days, and a
booking, answered with its printable justificant (reference CP/<year>/<6 digits>).

A slot is taken once: the unique constraint on the appointment's slot lets one of two racing bookings
commit, and the other gets 409 `slot_taken`. A citizen has at most one appointment to come per service
(409 `appointment_exists`): the check runs under a lock of that citizen's bookings (PostgreSQL: an
advisory lock; SQLite: the write transaction is the lock). The confirmation to the contact the citizen
left (with their consent) goes into the outbox in the booking's transaction.

Slots are stored in UTC and made from the office's hours in Mataró's local time, day by day, so a
daylight-saving change moves no appointment (8.30 is 8.30 in March and in November).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract.documents import Applicant, CitaJustificant, CitaService, Contact
from contract.errors import ErrorCode, ErrorOut
from contract.v1 import CitaIn, CitaServicesOut, CitaSlotsOut
from municipal import outbox, timeutil
from municipal.api.auth import require_identification
from municipal.api.common import (
    KIOSK,
    CitizenByCertificate,
    Ctx,
    KioskId,
    citizen_refusals,
    language_param,
)
from municipal.api.writes import Write, document_head, next_number, record_document
from municipal.errors import ApiError
from municipal.models import Appointment, AppointmentService, AppointmentSlot

router = APIRouter(prefix="/v1/cites", tags=["cita prèvia"], dependencies=[KIOSK])

PROCEDURE = "cita_previa"
#: The advisory-lock namespace of one citizen's bookings (auth's are 0x4F56_0001..3).
_LOCK_BOOKINGS = 0x4F56_0010
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")
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


# --- routes ------------------------------------------------------------------------------------------


def _service(row: AppointmentService, language: str) -> CitaService:
    name, office, minutes = row.name(language), row.office, row.slot_minutes
    return CitaService(code=row.code, name=name, office=office, slot_minutes=minutes)


def _service_row(session: Session, code: str) -> AppointmentService:
    row = session.get(AppointmentService, code)
    if row is None:
        raise ApiError(404, ErrorCode.SERVICE_UNKNOWN, {"service": code[:40]})
    return row


LanguageQuery = Annotated[str | None, Query(max_length=5, description="ca, es or en")]


@router.get("/services", response_model=CitaServicesOut)
def services(request: Request, ctx: Ctx, language: LanguageQuery = None) -> CitaServicesOut:
    """The services that take appointments."""
    lang = language_param(request, language)
    with ctx.read() as session:
        rows = session.execute(select(AppointmentService).order_by(AppointmentService.position)).scalars()
        return CitaServicesOut(language=lang, services=[_service(r, lang) for r in rows])


@router.get("/services/{code}/slots", response_model=CitaSlotsOut, responses=_UNKNOWN)
def free_slots(
    request: Request,
    ctx: Ctx,
    code: Annotated[str, Path(max_length=40)],
    days: Annotated[int, Query(ge=1, le=31, description="Today and the days after it")] = 14,
    language: LanguageQuery = None,
) -> CitaSlotsOut:
    """The service's free slots from now to the end of the `days`-th day, soonest first."""
    lang = language_param(request, language)
    start, end = window(timeutil.now(), days)
    taken = select(Appointment.slot_id)
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


def _lock_citizen(session: Session, id_number: str) -> None:
    """Serialise one citizen's bookings (PostgreSQL; SQLite's write transaction already does)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(id_number.encode()).digest()[:4], "big", signed=True)
        session.execute(_ADVISORY_LOCK, {"space": _LOCK_BOOKINGS, "key": key})


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
def book(
    body: CitaIn, request: Request, kiosk_id: KioskId, citizen: CitizenByCertificate, write: Write
) -> CitaJustificant:
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
            )
        ).first()
        if booked is not None:
            raise ApiError(409, ErrorCode.APPOINTMENT_EXISTS)
        if session.execute(select(Appointment.id).where(Appointment.slot_id == slot.id)).first() is not None:
            raise ApiError(409, ErrorCode.SLOT_TAKEN)
        year = timeutil.local_year(now)
        reference = f"CP/{year}/{next_number(session, 'CP', year):06d}"
        justificant = CitaJustificant(
            **document_head(write.ctx, request, body.language, now),
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
                        kiosk_id=kiosk_id,
                        booked_at=now,
                        csv=justificant.csv,
                    )
                )
        except IntegrityError:
            raise ApiError(409, ErrorCode.SLOT_TAKEN) from None
        if contact:  # the confirmation, with the citizen's consent, in this same transaction
            local = slot.starts_at.astimezone(timeutil.LOCAL)
            outbox.enqueue(
                session,
                kind="cita_booked",
                language=body.language,
                values={
                    "reference": reference,
                    "service": service.name(body.language),
                    "office": service.office,
                    "date": local.strftime("%d/%m/%Y"),
                    "time": local.strftime("%H:%M"),
                },
                consent="cita:contact",
                email=contact.email,
                phone=contact.phone,
            )
        document = record_document(session, "cita", justificant, citizen.id_number, kiosk_id)
        return tx.answer(justificant, document)


def slots_for_seed(first: date, days: int, hours: dict[int, tuple[tuple[str, str], ...]], minutes: int,
                   services: Sequence[str]) -> list[AppointmentSlot]:  # fmt: skip
    """The slot rows of `services` for `days` days from `first` (the demo database's)."""
    moments = opening_slots(first, days, hours, minutes)
    return [AppointmentSlot(service_code=code, starts_at=at) for code in services for at in moments]
