"""Inscripcions a activitats: the civic centres' courses and workshops with limited places. A citizen
identified with a certificate or a phone hand-off sees the activities open for pre-registration and their
own applications; applies (one application per citizen and activity: 409 `application_exists`), answered
with the printable justificant and its application number (IA-<year>-<6 digits>); and may give up an
application (`withdraw`): a place given up goes to the first on the waiting list, who is told through the
outbox.

An application is taken while the pre-registration window is open, however many have applied (the places
are given by the draw, not by who came first); before or after it, 409 `activity_closed`. Two applications
of one citizen racing from several kiosks: the check runs under a lock of that citizen's applications to
the activity (PostgreSQL: an advisory lock; SQLite: the write transaction is the lock), and the unique
constraint lets only one commit in any case.

The draw itself is staff's (`python -m municipal draw ACTIVITY --seed SEED`, `municipal.draw`); the
recorded draw is public here (`GET /v1/activitats/{code}/draw`) so anyone can compute it again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract.activities import (
    ActivitiesOut,
    Application,
    ApplicationIn,
    ApplicationState,
    DrawOut,
    WithdrawIn,
)
from contract.documents import Activity, ActivityJustificant, Applicant, Contact
from contract.errors import ErrorCode, ErrorOut
from municipal import catalogue_data, draw, locks, timeutil
from municipal.api.auth import require_identification
from municipal.api.common import (
    KIOSK,
    CitizenByCertificate,
    CitizenOrNone,
    Ctx,
    Language,
    citizen_refusals,
    row_by_code,
)
from municipal.api.writes import Write, yearly_number
from municipal.errors import ApiError
from municipal.models import Activity as ActivityRow
from municipal.models import ActivityApplication, ActivityDraw

router = APIRouter(prefix="/v1/activitats", tags=["inscripcions a activitats"], dependencies=[KIOSK])

PROCEDURE = "activitats"
SERIES = "IA"
_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such activity"}}
Code = Annotated[str, Path(max_length=40)]


def activity_part(row: ActivityRow, language: str) -> Activity:
    """The activity as the contract has it: the row's columns of the same names, with its name and schedule
    in `language` (the row keeps each text in the three languages)."""
    texts = {"name": row.name(language), "schedule": row.schedule(language)}
    columns = {field: getattr(row, field) for field in Activity.model_fields.keys() - texts.keys()}
    return Activity.model_validate(columns | texts)


def application_out(session: Session, row: ActivityApplication, activity: ActivityRow, language: str
                    ) -> Application:  # fmt: skip
    state = cast(ApplicationState, row.state)
    return Application(number=row.number, activity=activity_part(activity, language), state=state,
                       applied_at=row.applied_at, waiting_position=draw.waiting_position(session, row),
                       fee_cents=activity.fee_cents if state == "place" else None)  # fmt: skip


def _activity_row(session: Session, code: str) -> ActivityRow:
    return row_by_code(session, ActivityRow, code, ErrorCode.ACTIVITY_UNKNOWN, "activity")


@router.get("", response_model=ActivitiesOut)
def activities(ctx: Ctx, citizen: CitizenOrNone, lang: Language) -> ActivitiesOut:
    """The activities open for pre-registration now; with a citizen's session, their applications too."""
    if citizen is not None:
        require_identification(citizen, PROCEDURE)
    now = timeutil.now()
    with ctx.read() as session:
        mine: list[Application] = []
        applied: set[str] = set()
        if citizen is not None:
            rows = session.execute(
                select(ActivityApplication, ActivityRow)
                .join(ActivityRow, ActivityRow.code == ActivityApplication.activity_code)
                .where(ActivityApplication.id_number == citizen.id_number)
                .order_by(ActivityApplication.applied_at.desc())
            ).all()
            mine = [application_out(session, a, activity, lang) for a, activity in rows]
            applied = {a.activity_code for a, _ in rows}
        open_rows = session.execute(
            select(ActivityRow)
            .where(ActivityRow.opens_at <= now, ActivityRow.closes_at > now)
            .order_by(ActivityRow.position)
        ).scalars()
        shown = [activity_part(r, lang) for r in open_rows if r.code not in applied]
        return ActivitiesOut(language=lang, activities=shown, applications=mine)


@router.post(
    "/{code}/applications",
    status_code=201,
    response_model=ActivityJustificant,
    responses={
        **citizen_refusals("The citizen has applied already (application_exists), the pre-registration is "
                           "closed (activity_closed), or the key was reused"),
        **_UNKNOWN,
    },
)  # fmt: skip
def apply(
    code: Code, body: ApplicationIn, citizen: CitizenByCertificate, write: Write
) -> ActivityJustificant:
    """Apply for activity `code` (pre-registration), with a certificate or a phone hand-off."""
    require_identification(citizen, PROCEDURE)
    contact = body.given_contact
    with write.transaction(body, citizen) as tx:
        session = tx.session
        now = timeutil.now()
        activity = _activity_row(session, code)
        if not activity.opens_at <= now < activity.closes_at:
            raise ApiError(409, ErrorCode.ACTIVITY_CLOSED)
        locks.advisory_lock(session, draw.LOCK_APPLICANT, f"{code}:{citizen.id_number}")
        exists = session.execute(
            select(ActivityApplication.id).where(
                ActivityApplication.activity_code == code, ActivityApplication.id_number == citizen.id_number
            )
        ).first()
        if exists is not None:
            raise ApiError(409, ErrorCode.APPLICATION_EXISTS)
        number = yearly_number(session, SERIES, now, "-")
        justificant = ActivityJustificant(
            **write.document_head(body.language, now),
            application_number=number,
            activity=activity_part(activity, body.language),
            applied_at=now,
            applicant=Applicant(
                id_number=citizen.id_number, given_name=citizen.given_name, surnames=citizen.surnames
            ),
            contact=Contact(email=contact.email, phone=contact.phone) if contact else None,
        )
        try:
            with session.begin_nested():  # the unique constraint decides a race the lock did not see
                session.add(
                    ActivityApplication(number=number, activity_code=code, id_number=citizen.id_number,
                                        kiosk_id=write.kiosk_id, applied_at=now, csv=justificant.csv,
                                        state="applied",
                                        email=contact.email if contact else None,
                                        phone=contact.phone if contact else None, language=body.language)
                )  # fmt: skip
        except IntegrityError:
            raise ApiError(409, ErrorCode.APPLICATION_EXISTS) from None
        document = tx.record_document("activitat", justificant, citizen.id_number)
        return tx.answer(justificant, document)


@router.post(
    "/applications/{number}/withdraw",
    response_model=Application,
    responses={
        **citizen_refusals("The application was withdrawn already (application_withdrawn), or the key was "
                           "reused"),
        404: {"model": ErrorOut, "description": "Not one of the citizen's applications"},
    },
)  # fmt: skip
def withdraw(
    number: Annotated[str, Path(max_length=20)], body: WithdrawIn, citizen: CitizenByCertificate, write: Write
) -> Application:
    """Give up an application; a place it held goes to the first on the waiting list (who is told)."""
    require_identification(citizen, PROCEDURE)
    with write.transaction(body, citizen) as tx:
        session = tx.session
        row = session.execute(
            select(ActivityApplication).where(
                ActivityApplication.number == number, ActivityApplication.id_number == citizen.id_number
            )
        ).scalar_one_or_none()
        if row is None:
            raise ApiError(404, ErrorCode.APPLICATION_UNKNOWN)
        if row.state == "withdrawn":
            raise ApiError(409, ErrorCode.APPLICATION_WITHDRAWN)
        draw.give_up(session, row, timeutil.now())
        activity = _activity_row(session, row.activity_code)
        return tx.answer(application_out(session, row, activity, body.language))


@router.get("/{code}/draw", response_model=DrawOut, responses=_UNKNOWN)
def recorded_draw(ctx: Ctx, code: Code) -> DrawOut:
    """The draw as recorded: the public seed, the method and every application number in the order drawn,
    with its SHA-256 key, so that anyone can compute the order again."""
    with ctx.read() as session:
        _activity_row(session, code)
        done = session.get(ActivityDraw, code)
        if done is None:
            raise ApiError(404, ErrorCode.ACTIVITY_NOT_DRAWN)
        return draw.recorded(done)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timeutil.LOCAL)


def activities_for_seed(today: date) -> list[ActivityRow]:
    """The demo's activities (`catalogue_data.ACTIVITIES`), their windows counted from `today`."""
    rows = []
    for position, entry in enumerate(catalogue_data.ACTIVITIES):
        code, names, centre, schedules, places, fee, reduced, opens, closes, drawn = entry
        rows.append(
            ActivityRow(code=code, position=position, name_ca=names[0], name_es=names[1], name_en=names[2],
                        centre=centre, schedule_ca=schedules[0], schedule_es=schedules[1],
                        schedule_en=schedules[2], places=places, fee_cents=fee, reduced_fee_cents=reduced,
                        opens_at=_local(today + timedelta(days=opens), time(0)),
                        closes_at=_local(today + timedelta(days=closes), time(0)),
                        draw_at=_local(today + timedelta(days=drawn), time(12)))
        )  # fmt: skip
    return rows
