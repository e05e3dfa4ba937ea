"""Padró: the citizen's registration, and the volant (individual, col·lectiu) and certificat de
convivència, each recorded under a CSV."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
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
from municipal.models import Person, Registration
from municipal.schemas import (
    AddressOut,
    ErrorOut,
    HolderOut,
    InhabitantOut,
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
        touch_session(session, token)
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
) -> JSONResponse:
    """Issue a volant individual, volant col·lectiu or certificat de convivència for the citizen."""

    def authenticate(session: Session) -> Citizen:
        return require_citizen(session, ctx, kiosk_id, token, touch=False)

    def prepare(session: Session, citizen: Citizen | None) -> tuple[Registration, list[Registration]]:
        assert citizen is not None
        found = current_registration(session, citizen.id_number)
        if found is None:
            raise ApiError(409, "not_registered")
        living = [found] if body.kind == "volant_individual" else inhabitants(session, found.address_id)
        return found, living

    def work(session: Session, citizen: Citizen | None, prepared: Any) -> tuple[int, dict[str, Any]]:
        assert citizen is not None
        found, living = prepared
        person = found.person
        now = timeutil.now()
        document = PadroDocumentOut.model_validate(
            {
                **document_head(ctx, request, body.language, now),
                "kind": body.kind,
                "address": _address(found),
                "holder": HolderOut(
                    id_number=citizen.id_number,
                    given_name=person.given_name,
                    surnames=person.surnames,
                    birth_date=person.birth_date,
                ),
                "registered_since": found.registered_since,
                "inhabitants": [
                    InhabitantOut(
                        given_name=r.person.given_name,
                        surnames=r.person.surnames,
                        id_number=r.person.id_number,
                        birth_date=r.person.birth_date,
                        registered_since=r.registered_since,
                    )
                    for r in living
                ],
            }
        )
        payload = document.model_dump(mode="json")
        payload["issued_at"] = timeutil.local_iso(now)
        record_document(session, body.kind, payload, citizen.id_number, kiosk_id, now)
        return 201, payload

    fingerprint = request_hash(request.url.path, body.model_dump(mode="json"))
    return idempotent_write(ctx, kiosk_id, key, fingerprint, authenticate, work, prepare, token)
