"""Bústia de queixes i suggeriments: a complaint, suggestion or thanks, with optional contact and with
or without identification; the answer is a reference number QS/<year>/<6 digits>."""

from __future__ import annotations

from fastapi import APIRouter

from contract.documents import BustiaReceipt, Contact
from contract.v1 import BustiaIn
from municipal import outbox, timeutil
from municipal.api.auth import require_identification
from municipal.api.common import KIOSK, CitizenOrNone, citizen_refusals
from municipal.api.writes import Write, yearly_number
from municipal.models import BustiaMessage

router = APIRouter(prefix="/v1", tags=["bústia"], dependencies=[KIOSK])


@router.post(
    "/bustia",
    status_code=201,
    response_model=BustiaReceipt,
    responses=citizen_refusals("Idempotency key reused"),
)
def submit(body: BustiaIn, citizen: CitizenOrNone, write: Write) -> BustiaReceipt:
    """Send a queixa, suggeriment or agraiment. Identification is optional (a token of either scope)."""
    require_identification(citizen, "bustia")
    contact = body.contact
    with write.transaction(body, citizen) as tx:
        now = timeutil.now()
        reference = yearly_number(tx.session, "QS", now)
        receipt = BustiaReceipt(
            **write.document_head(body.language, now),
            reference=reference,
            kind=body.kind,
            topic=body.topic,
            text=body.text,
            submitted_at=now,
            contact=Contact(email=contact.email, phone=contact.phone) if contact else None,
        )
        tx.session.add(
            BustiaMessage(
                reference=reference,
                kind=body.kind,
                topic=body.topic,
                text=body.text,
                contact_email=contact.email if contact else None,
                contact_phone=contact.phone if contact else None,
                id_number=citizen.id_number if citizen else None,
                kiosk_id=write.kiosk_id,
                submitted_at=now,
                csv=receipt.csv,
            )
        )
        if contact:  # the confirmation, to the contact left for the answer (same transaction)
            outbox.enqueue(
                tx.session,
                kind="bustia_received",
                language=body.language,
                values={"reference": reference, "topic": body.topic},
                consent="bustia:contact",
                email=contact.email,
                phone=contact.phone,
            )
        text = tx.record_document("bustia", receipt, citizen.id_number if citizen else "")
        return tx.answer(receipt, text)
