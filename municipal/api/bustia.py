"""Bústia de queixes i suggeriments: a complaint, suggestion or thanks, with optional contact and with
or without identification; the answer is a reference number QS/<year>/<6 digits>."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
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
    next_number,
    record_document,
    request_hash,
    require_citizen,
)
from municipal.api.padro import CITIZEN_REFUSALS
from municipal.models import BustiaMessage
from municipal.schemas import BustiaIn, BustiaReceiptOut, ErrorOut

router = APIRouter(prefix="/v1", tags=["bústia"])


@router.post(
    "/bustia",
    status_code=201,
    response_model=BustiaReceiptOut,
    responses={**CITIZEN_REFUSALS, 409: {"model": ErrorOut, "description": "Idempotency key reused"}},
)
def submit(
    body: BustiaIn, request: Request, ctx: Ctx, kiosk_id: KioskId, token: Token, key: IdempotencyKey = None
) -> Response:
    """Send a queixa, suggeriment or agraiment. Identification is optional (a token of either scope)."""

    def authenticate(session: Session) -> Citizen | None:
        return require_citizen(session, ctx, kiosk_id, token, full=False, touch=False) if token else None

    def work(session: Session, citizen: Citizen | None, prepared: Any) -> tuple[int, dict[str, Any]]:
        now = timeutil.now()
        year = timeutil.local_year(now)
        reference = f"QS/{year}/{next_number(session, 'QS', year):06d}"
        contact = body.contact
        receipt = BustiaReceiptOut.model_validate(
            {
                **document_head(ctx, request, body.language, now),
                "reference": reference,
                "kind": body.kind,
                "topic": body.topic,
                "text": body.text,
                "submitted_at": now,
                "contact": {"email": contact.email, "phone": contact.phone} if contact else None,
            }
        )
        payload = receipt.model_dump(mode="json")
        payload["issued_at"] = payload["submitted_at"] = timeutil.local_iso(now)
        session.add(
            BustiaMessage(
                reference=reference,
                kind=body.kind,
                topic=body.topic,
                text=body.text,
                contact_email=contact.email if contact else None,
                contact_phone=contact.phone if contact else None,
                id_number=citizen.id_number if citizen else None,
                kiosk_id=kiosk_id,
                submitted_at=now,
                csv=payload["csv"],
            )
        )
        record_document(session, "bustia", payload, citizen.id_number if citizen else "", kiosk_id, now)
        return 201, payload

    fingerprint = request_hash(request.url.path, body.model_dump(mode="json"))
    return idempotent_write(ctx, kiosk_id, key, fingerprint, authenticate, work, token=token)
