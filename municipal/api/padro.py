"""Padró: the citizen's registration, and the volant (individual, col·lectiu) and certificat de
convivència, each recorded under a CSV."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from contract.documents import Address, Holder, Inhabitant, PadroDocument
from contract.errors import ErrorCode, ErrorOut
from contract.v1 import PadroDocumentIn, RegistrationOut
from municipal import timeutil
from municipal.api.common import Citizen, CitizenByCertificate, Ctx, KioskId, touch_session
from municipal.api.writes import IdempotentWrite, Write, document_head, record_document
from municipal.context import Context
from municipal.errors import ApiError
from municipal.models import Address as AddressRow
from municipal.models import Person, Registration

router = APIRouter(prefix="/v1/padro", tags=["padró"])
CITIZEN_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Kiosk not authorised, or no valid citizen session"},
    403: {"model": ErrorOut, "description": "The session does not allow this (weak identification)"},
    422: {"model": ErrorOut, "description": "Malformed request"},
}


def current_registration(session: Session, id_number: str) -> Registration | None:
    return session.execute(
        select(Registration)
        .join(Person, Registration.person_id == Person.id)
        .where(Person.id_number == id_number, Registration.left_on.is_(None))
    ).scalar_one_or_none()


def inhabitants(session: Session, address_id: int) -> list[Registration]:
    return list(
        session.execute(
            select(Registration)
            .join(Person, Registration.person_id == Person.id)
            .where(Registration.address_id == address_id, Registration.left_on.is_(None))
            .order_by(Person.birth_date, Person.id)
        ).scalars()
    )


_R = Registration.__table__
_P = Person.__table__
_A = AddressRow.__table__
assert isinstance(_R, Table) and isinstance(_P, Table) and isinstance(_A, Table)
_HOLDER_ADDRESS = (
    select(_R.c.address_id)
    .join(_P, _R.c.person_id == _P.c.id)
    .where(_P.c.id_number == bindparam("id_number"), _R.c.left_on.is_(None))
    .scalar_subquery()
)
#: Everyone registered now at the citizen's address, with the address: one statement, built once.
HOUSEHOLD = (
    select(
        _P.c.id_number, _P.c.given_name, _P.c.surname1, _P.c.surname2, _P.c.birth_date, _R.c.registered_since,
        _A.c.street, _A.c.number, _A.c.floor, _A.c.door, _A.c.postal_code, _A.c.municipality,
    )
    .select_from(_R.join(_P, _R.c.person_id == _P.c.id).join(_A, _R.c.address_id == _A.c.id))
    .where(_R.c.address_id == _HOLDER_ADDRESS, _R.c.left_on.is_(None))
    .order_by(_P.c.birth_date, _P.c.id)
)  # fmt: skip


def _address(registration: Registration) -> Address:
    a = registration.address
    return Address(
        street=a.street,
        number=a.number,
        floor=a.floor,
        door=a.door,
        postal_code=a.postal_code,
        municipality=a.municipality,
    )


@router.get("/registration", response_model=RegistrationOut, responses=CITIZEN_REFUSALS)
def registration(ctx: Ctx, citizen: CitizenByCertificate) -> RegistrationOut:
    """Whether and where the citizen is registered, and how many people live at the address."""
    with ctx.read() as session:
        found = current_registration(session, citizen.id_number)
        result = RegistrationOut(
            registered=found is not None,
            address=_address(found) if found else None,
            registered_since=found.registered_since if found else None,
            inhabitants=len(inhabitants(session, found.address_id)) if found else 0,
        )
    with ctx.transaction() as session:
        touch_session(session, citizen)
    return result


@router.post(
    "/documents",
    status_code=201,
    response_model=PadroDocument,
    responses={
        **CITIZEN_REFUSALS,
        409: {"model": ErrorOut, "description": "Not registered in the padró, or idempotency key reused"},
    },
)
async def issue_document(
    body: PadroDocumentIn,
    request: Request,
    ctx: Ctx,
    kiosk_id: KioskId,
    citizen: CitizenByCertificate,
    write: Write,
) -> PadroDocument:
    """Issue a volant individual, volant col·lectiu or certificat de convivència for the citizen."""
    # The database work blocks: off the event loop, in one trip through the thread pool (a sync route
    # costs a second one, for FastAPI's check of the answer).
    return await run_in_threadpool(_issue, body, request, ctx, kiosk_id, citizen, write)


def _issue(
    body: PadroDocumentIn,
    request: Request,
    ctx: Context,
    kiosk_id: str,
    citizen: Citizen,
    write: IdempotentWrite,
) -> PadroDocument:
    # Everything is read and the document built outside the write transaction.
    with ctx.read() as session:
        rows = session.connection().execute(HOUSEHOLD, {"id_number": citizen.id_number}).all()
    holder = next((r for r in rows if r.id_number == citizen.id_number), None)
    if holder is None:
        raise ApiError(409, ErrorCode.NOT_REGISTERED)
    living = [holder] if body.kind == "volant_individual" else rows
    document = PadroDocument(
        **document_head(ctx, request, body.language, timeutil.now()),
        kind=body.kind,
        address=Address(
            street=holder.street,
            number=holder.number,
            floor=holder.floor,
            door=holder.door,
            postal_code=holder.postal_code,
            municipality=holder.municipality,
        ),
        holder=Holder(
            id_number=citizen.id_number,
            given_name=holder.given_name,
            surnames=f"{holder.surname1} {holder.surname2}".strip(),
            birth_date=holder.birth_date,
        ),
        registered_since=holder.registered_since,
        inhabitants=tuple(
            Inhabitant(
                given_name=r.given_name,
                surnames=f"{r.surname1} {r.surname2}".strip(),
                id_number=r.id_number,
                birth_date=r.birth_date,
                registered_since=r.registered_since,
            )
            for r in living
        ),
    )
    with write.transaction(body, citizen) as tx:
        text = record_document(tx.session, body.kind, document, citizen.id_number, kiosk_id)
        return tx.answer(document, text)
