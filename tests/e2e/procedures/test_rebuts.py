"""Pagament de rebuts i multes at the kiosk, on the real stack: a card login on the virtual reader, the
citizen's pending bills from the backend (the tax office's text shown as it is, never as markup), one
chosen, its payment document printed on the CUPS file: queue, and the printed barcode read by zbarimg
equal to what the backend issued; a bill paid at a bank meanwhile said plainly in Catalan."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from textual.widgets import Button

from devstack.cups import CupsInfo
from kiosk.procedures.rebuts import BillStep, ListStep, RebutsResult, RebutsReview
from kiosk.screens.error import ErrorModal
from municipal.payments import cuaderno60 as c60
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin_with_card,
    db_rows,
    next_step,
    pick,
    print_and_continue,
)
from tests.harness import drive
from tests.unit.printing.pdftools import page_png


def barcodes(pdf: Path) -> list[str]:
    """What zbarimg reads as Code 128 on the first page, rendered at 300 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        png = page_png(pdf, 1, Path(tmp), dpi=300)
        out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Scode128.enable", png],
                             capture_output=True, text=True)  # fmt: skip
    return [line for line in out.stdout.splitlines() if line]


def _execute(card_stack: CardStack, sql: str, **params: Any) -> None:
    engine = create_engine(card_stack.backend.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


async def test_print_the_payment_document_of_a_bill(tmp_path: Path, card_stack: CardStack,
                                                    cups_stack: CupsInfo) -> None:  # fmt: skip
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, card_stack.pcsc, "pagament_tributs", ListStep, card="dnie2-valid")
        await driver.wait_for("Multa de trànsit")
        shown = driver.text()
        assert "Pagament de rebuts i multes" in shown and "Pas 1 de 4" in shown
        assert "[b]KLM[/b]" in shown  # the tax office's text as it is, not bold
        assert "90,00 €" in shown and "144,36 €" in shown
        step = await next_step(driver, BillStep)
        chosen = await pick(driver, step, "bill", "bills", 2)  # the second: the vehicle tax, due later
        review = await next_step(driver, RebutsReview)
        assert "144,36 €" in driver.text() and review.state.bill == chosen
        result = await next_step(driver, RebutsResult, timeout=20)
        document = result.document
        await driver.wait_for(document.payment.reference)
        assert "Pas 4 de 4" in driver.text() and "El document de pagament és a punt" in driver.text()
        printed = await print_and_continue(driver, cups_stack)
    assert "Document de pagament" in printed and "144,36 €" in printed
    assert document.payment.reference in printed and document.payment.emisora in printed
    assert barcodes(cups_stack.file_output) == [document.payment.barcode]
    assert c60.parse_barcode(document.payment.barcode).cents == 14436
    [row] = db_rows(card_stack.backend, "select kind from issued_documents where csv = :c", c=document.csv)
    assert row.kind == "pagament"


async def test_a_bill_paid_meanwhile_is_said_plainly(tmp_path: Path, card_stack: CardStack) -> None:
    app = card_stack.app(tmp_path, None)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, card_stack.pcsc, "pagament_tributs", ListStep, card="dnie2-valid")
        await driver.wait_for("Multa de trànsit")
        step = await next_step(driver, BillStep)
        chosen = await pick(driver, step, "bill", "bills", 1)
        await next_step(driver, RebutsReview)
        _execute(card_stack, "update bills set paid_on = current_date where id = :i", i=int(chosen))
        try:
            await next_step(driver, ErrorModal)
            assert "Aquest rebut ja està pagat" in driver.text()
            await driver.click("#error-ok")
            await driver.wait_screen(RebutsReview)
        finally:
            _execute(card_stack, "update bills set paid_on = null where id = :i", i=int(chosen))


async def test_no_bill_to_pay_is_said_plainly(tmp_path: Path, card_stack: CardStack) -> None:
    app = card_stack.app(tmp_path, None)
    async with drive(app, size=SIZE) as driver:  # Amina (NIE) has no bill in the demo data
        step = await begin_with_card(driver, card_stack.pcsc, "pagament_tributs", ListStep, card="nie-valid")
        await driver.wait_for("No teniu cap rebut pendent de pagar")
        assert step.query_one("#step-next", Button).disabled  # nothing to go on to
