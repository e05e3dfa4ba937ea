"""Pagament de rebuts at the kiosk, without the stack: amounts in the citizen's language from integer
cents, a bill's pick-list label, and the sample payment document's Cuaderno 60 fields and barcode."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from contract.documents import Bill, PaymentDocument
from kiosk.i18n import set_language
from kiosk.procedures import rebuts
from municipal.payments import cuaderno60 as c60
from printing import render, samples
from tests.unit.printing.test_cuaderno60_barcode import _read


@pytest.mark.parametrize(("cents", "language", "text"), [
    (35975, "ca", "359,75\u00a0€"),
    (123456789, "es", "1.234.567,89\u00a0€"),
    (123456, "fr", "1\u202f234,56\u00a0€"),
    (123456, "ro", "1.234,56\u00a0€"),
    (123456, "en", "€1,234.56"),
    (5, "ca", "0,05\u00a0€"),
    (100, "en", "€1.00"),
])  # fmt: skip
def test_amounts_in_the_citizens_language(cents: int, language: str, text: str) -> None:
    assert rebuts.amount(cents, language) == text


def test_a_bills_label() -> None:
    set_language("ca")  # the kiosk's first language
    try:
        bill = Bill(id=3, kind="rebut", concept="Taxa de recollida de residus", detail="Camí Ral, 300",
                    period="2n semestre 2026", amount_cents=9000, due_date=date(2026, 12, 31))  # fmt: skip
        assert (
            rebuts.bill_label(bill)
            == "Taxa de recollida de residus · 2n semestre 2026 · 90,00\u00a0€ · fins al 31/12/2026"
        )
    finally:
        set_language("ca")


def test_the_sample_documents_fields_are_the_norms() -> None:
    doc = PaymentDocument.from_payload(samples.pagament())
    fields = c60.payment_fields(c60.MATARO_EMISORA, 2_026_000_001, "100", 2026, date(2026, 3, 31), 35975)
    assert (doc.payment.emisora, doc.payment.reference, doc.payment.identification, doc.payment.barcode) == (
        fields.emisora, fields.reference, fields.identification, fields.barcode)  # fmt: skip


def test_the_printed_documents_barcode_decodes(tmp_path: Path) -> None:
    for language in ("ca", "es"):
        doc = PaymentDocument.from_payload(samples.pagament(language=language))
        pdf = render.render(doc)
        assert _read(pdf, tmp_path, 300) == [doc.payment.barcode]
        assert _read(render.render(doc, training=True), tmp_path, 300) == [doc.payment.barcode]
