"""Padró: the citizen's registration, and the volant (individual, col·lectiu) and certificat de
convivència, each recorded under a CSV."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Row, Table, bindparam, select
from starlette.concurrency import run_in_threadpool

from contract.documents import PADRO_KINDS, Address, Holder, Inhabitant, PadroDocument
from contract.errors import ErrorCode
from contract.v1 import PadroDocumentIn, RegistrationOut
from municipal import timeutil
from municipal.api.auth import require_identification
from municipal.api.common import (
    CITIZEN_REFUSALS,
    KIOSK,
    Citizen,
    CitizenByCertificate,
    Ctx,
    citizen_refusals,
    touch_session,
)
from municipal.api.writes import IdempotentWrite, Write
from municipal.context import Context
from municipal.errors import ApiError
from municipal.models import Address as AddressRow
from municipal.models import Person, Registration

router = APIRouter(prefix="/v1/padro", tags=["padró"], dependencies=[KIOSK])


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


#: A row of `HOUSEHOLD`.
Resident = Row[*tuple[Any, ...]]


def _household(ctx: Context, id_number: str) -> tuple[list[Resident], Resident | None]:
    """Everyone registered at the citizen's address (nobody if the citizen is not registered), and the
    citizen among them."""
    with ctx.read() as session:
        rows = list(session.connection().execute(HOUSEHOLD, {"id_number": id_number}).all())
    return rows, next((r for r in rows if r.id_number == id_number), None)


def _surnames(row: Resident) -> str:
    return f"{row.surname1} {row.surname2}".strip()


@router.get("/registration", response_model=RegistrationOut, responses=CITIZEN_REFUSALS)
def registration(ctx: Ctx, citizen: CitizenByCertificate) -> RegistrationOut:
    """Whether and where the citizen is registered, and how many people live at the address."""
    require_identification(citizen, *PADRO_KINDS)
    rows, holder = _household(ctx, citizen.id_number)
    with ctx.transaction() as session:
        touch_session(session, citizen)
    return RegistrationOut(
        registered=holder is not None,
        address=Address.model_validate(holder, from_attributes=True) if holder else None,
        registered_since=holder.registered_since if holder else None,
        inhabitants=len(rows),
    )


@router.post(
    "/documents",
    status_code=201,
    response_model=PadroDocument,
    responses=citizen_refusals("Not registered in the padró, or idempotency key reused"),
)
async def issue_document(body: PadroDocumentIn, citizen: CitizenByCertificate, write: Write) -> PadroDocument:
    """Issue a volant individual, volant col·lectiu or certificat de convivència for the citizen."""
    require_identification(citizen, body.kind)
    # The database work blocks: off the event loop, in one trip through the thread pool (a sync route
    # costs a second one, for FastAPI's check of the answer).
    return await run_in_threadpool(_issue, body, citizen, write)


def _issue(body: PadroDocumentIn, citizen: Citizen, write: IdempotentWrite) -> PadroDocument:
    # Everything is read and the document built outside the write transaction.
    rows, holder = _household(write.ctx, citizen.id_number)
    if holder is None:
        raise ApiError(409, ErrorCode.NOT_REGISTERED)
    living = [holder] if body.kind == "volant_individual" else rows
    document = PadroDocument(
        **write.document_head(body.language, timeutil.now()),
        kind=body.kind,
        address=Address.model_validate(holder, from_attributes=True),
        holder=Holder(
            id_number=citizen.id_number,
            given_name=holder.given_name,
            surnames=_surnames(holder),
            birth_date=holder.birth_date,
        ),
        registered_since=holder.registered_since,
        inhabitants=tuple(
            Inhabitant(
                given_name=r.given_name,
                surnames=_surnames(r),
                id_number=r.id_number,
                birth_date=r.birth_date,
                registered_since=r.registered_since,
            )
            for r in living
        ),
    )
    with write.transaction(body, citizen) as tx:
        text = tx.record_document(body.kind, document, citizen.id_number)
        return tx.answer(document, text)
