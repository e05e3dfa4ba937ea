"""Padró: the citizen's registration, and the volant (individual, col·lectiu) and certificat de
convivència, each recorded under a CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from municipal import timeutil
from municipal.api.common import (
    Citizen,
    Ctx,
    IdempotencyKey,
    KioskId,
    Token,
    document_head,
    idempotent_write,
    record_document,
    request_hash,
    require_citizen,
    touch_session,
)
from municipal.errors import ApiError
from municipal.models import Address, Person, Registration
from municipal.schemas import (
    AddressOut,
    ErrorOut,
    PadroDocumentIn,
    PadroDocumentOut,
    RegistrationOut,
)

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
_A = Address.__table__
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


def _address(registration: Registration) -> AddressOut:
    a = registration.address
    return AddressOut(
        street=a.street,
        number=a.number,
        floor=a.floor,
        door=a.door,
        postal_code=a.postal_code,
        municipality=a.municipality,
    )


@router.get("/registration", response_model=RegistrationOut, responses=CITIZEN_REFUSALS)
def registration(ctx: Ctx, kiosk_id: KioskId, token: Token) -> RegistrationOut:
    """Whether and where the citizen is registered, and how many people live at the address."""
    with ctx.read() as session:
        citizen = require_citizen(session, ctx, kiosk_id, token, touch=False)
        found = current_registration(session, citizen.id_number)
        result = RegistrationOut(
            registered=found is not None,
            address=_address(found) if found else None,
            registered_since=found.registered_since if found else None,
            inhabitants=len(inhabitants(session, found.address_id)) if found else 0,
        )
    with ctx.transaction() as session:
        touch_session(session, token, citizen)
    return result


@router.post(
    "/documents",
    status_code=201,
    response_model=PadroDocumentOut,
    responses={
        **CITIZEN_REFUSALS,
        409: {"model": ErrorOut, "description": "Not registered in the padró, or idempotency key reused"},
    },
)
def issue_document(
    body: PadroDocumentIn,
    request: Request,
    ctx: Ctx,
    kiosk_id: KioskId,
    token: Token,
    key: IdempotencyKey = None,
) -> Response:
    """Issue a volant individual, volant col·lectiu or certificat de convivència for the citizen."""

    def authenticate(session: Session) -> Citizen:
        return require_citizen(session, ctx, kiosk_id, token, touch=False)

    def prepare(session: Session, citizen: Citizen | None) -> tuple[dict[str, Any], datetime]:
        # Everything is read and the document built here, outside the write transaction.
        assert citizen is not None
        rows = session.connection().execute(HOUSEHOLD, {"id_number": citizen.id_number}).all()
        holder = next((r for r in rows if r.id_number == citizen.id_number), None)
        if holder is None:
            raise ApiError(409, "not_registered")
        living = [holder] if body.kind == "volant_individual" else rows
        now = timeutil.now()
        document = PadroDocumentOut.model_validate(
            {
                **document_head(ctx, request, body.language, now),
                "kind": body.kind,
                "address": {
                    "street": holder.street,
                    "number": holder.number,
                    "floor": holder.floor,
                    "door": holder.door,
                    "postal_code": holder.postal_code,
                    "municipality": holder.municipality,
                },
                "holder": {
                    "id_number": citizen.id_number,
                    "given_name": holder.given_name,
                    "surnames": f"{holder.surname1} {holder.surname2}".strip(),
                    "birth_date": holder.birth_date,
                },
                "registered_since": holder.registered_since,
                "inhabitants": [
                    {
                        "given_name": r.given_name,
                        "surnames": f"{r.surname1} {r.surname2}".strip(),
                        "id_number": r.id_number,
                        "birth_date": r.birth_date,
                        "registered_since": r.registered_since,
                    }
                    for r in living
                ],
            }
        )
        payload = document.model_dump(mode="json")
        payload["issued_at"] = timeutil.local_iso(now)
        return payload, now

    def work(session: Session, citizen: Citizen | None, prepared: Any) -> tuple[int, dict[str, Any]]:
        assert citizen is not None
        payload, now = prepared
        record_document(session, body.kind, payload, citizen.id_number, kiosk_id, now)
        return 201, payload

    fingerprint = request_hash(request.url.path, body.model_dump(mode="json"))
    return idempotent_write(ctx, kiosk_id, key, fingerprint, authenticate, work, prepare, token)
