"""Pagament de rebuts i multes: the identified citizen's pending bills (`GET /v1/rebuts`) and the payment
document of one (`POST /v1/rebuts/{id}/document`), an AEB Cuaderno 60 carta de pago under a CSV, which
the citizen pays at any partner bank or ATM by its barcode. The city learns a bill was paid from the
banks' collections files (`python -m municipal import-cobros`, `municipal.payments.bills`); a paid bill
is not listed and gets no document (409 `bill_paid`), nor does another citizen's (404 `bill_unknown`,
as if there were none)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from contract.documents import Applicant
from contract.errors import ErrorCode
from contract.payments import BillsOut, PaymentDocument, PaymentDocumentIn
from municipal import timeutil
from municipal.api.auth import require_identification
from municipal.api.common import KIOSK, CitizenByCertificate, Ctx, Language, citizen_refusals
from municipal.api.writes import Write
from municipal.errors import ApiError
from municipal.models import Bill
from municipal.payments import bills

router = APIRouter(prefix="/v1/rebuts", tags=["pagament de rebuts"], dependencies=[KIOSK])

PROCEDURE = "pagament_tributs"


@router.get("", response_model=BillsOut, responses=citizen_refusals("The identification does not allow this"))
def pending(ctx: Ctx, citizen: CitizenByCertificate, lang: Language) -> BillsOut:
    """The citizen's bills not paid yet, the soonest due first."""
    require_identification(citizen, PROCEDURE)
    with ctx.read() as session:
        rows = session.execute(
            select(Bill)
            .where(Bill.id_number == citizen.id_number, Bill.paid_on.is_(None))
            .order_by(Bill.due_date, Bill.id)
        ).scalars()
        return BillsOut(bills=[bills.bill_out(row, lang) for row in rows])


@router.post(
    "/{bill_id}/document",
    status_code=201,
    response_model=PaymentDocument,
    responses=citizen_refusals("The bill is paid already (bill_paid), or the key was reused; not one of the "
                               "citizen's bills: 404 bill_unknown"),
)  # fmt: skip
def document(
    bill_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: PaymentDocumentIn,
    citizen: CitizenByCertificate,
    write: Write,
) -> PaymentDocument:
    """The payment document of one of the citizen's pending bills."""
    require_identification(citizen, PROCEDURE)
    with write.transaction(body, citizen) as tx:
        session = tx.session
        bill = session.get(Bill, bill_id)
        if bill is None or bill.id_number != citizen.id_number:  # someone else's: as if there were none
            raise ApiError(404, ErrorCode.BILL_UNKNOWN)
        if bill.paid_on is not None:
            raise ApiError(409, ErrorCode.BILL_PAID)
        out = PaymentDocument(
            **write.document_head(body.language, timeutil.now()),
            bill=bills.bill_out(bill, body.language),
            holder=Applicant(
                id_number=citizen.id_number, given_name=citizen.given_name, surnames=citizen.surnames
            ),
            payment=bills.payment_out(bill),
        )
        text = tx.record_document("pagament", out, citizen.id_number)
        return tx.answer(out, text)
