"""Pagament de rebuts i multes (`/v1/rebuts`): the identified citizen's pending bills (rebuts: IBI, the
waste collection fee, a parking fine...) and the payment document of one, laid out as an AEB Cuaderno 60
carta de pago that any partner bank or ATM reads by its barcode. The kiosk never handles money or cards.

Amounts are euro cents as integers, never floats; dates are the city's calendar days. The printable
document and its parts are in `contract.documents` (`PaymentDocument`, `Bill`, `PaymentFields`)."""

from __future__ import annotations

from pydantic import BaseModel

from contract.documents import Bill, BillKind, DocumentLanguage, PaymentDocument, PaymentFields
from contract.v1 import StrictIn


class BillsOut(BaseModel):
    """The citizen's pending bills, the soonest due first (none: an empty list)."""

    bills: list[Bill]


class PaymentDocumentIn(StrictIn):
    language: DocumentLanguage = "ca"


__all__ = ["Bill", "BillKind", "BillsOut", "PaymentDocument", "PaymentDocumentIn", "PaymentFields"]
