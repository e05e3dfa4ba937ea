"""The fault matrix's backend and TLS faults at every backend call of the pagament de rebuts, after a card
login, for a citizen who chose Spanish: the pending bills (a loading step: the procedure ends with the
message and is started again) and the payment document (Send again on the review, each time).

At each: a plain message in Spanish that says what to do; the citizen stays identified and the bill chosen
is kept; the backend issues at most one payment document for the bill (exactly one in the end, whatever
reached it: the same document, with the same payment reference, on every Send) and no bill is marked
paid (the kiosk takes no money)."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.rebuts import BillStep, ListStep, RebutsResult, RebutsReview
from tests.e2e.faults.conftest import CardFaults
from tests.e2e.faults.matrix import CALLS
from tests.e2e.faults.test_card_faults import card_kiosk, faults_at_load
from tests.e2e.faults.walks import faults_at_send
from tests.e2e.procedures.helpers import card_login, db_rows, launch, new_visit, next_step, pick
from tests.fixtures.faults import FAULTS, Fault
from tests.harness import drive

HOLDER = ("dnie2-valid", "87654321X")  # a traffic fine and the vehicle tax to pay, in the demo data


async def test_rebuts_survive_every_backend_fault_at_each_call(
    tmp_path: Path, card_faults: CardFaults
) -> None:
    listing, document = CALLS["rebuts"]
    pcsc, server, proxy = card_faults.pcsc, card_faults.backend, card_faults.proxy
    card, id_number = HOLDER
    app = card_kiosk(tmp_path, card_faults, tmp_path / "media")

    def documents(bill: int) -> list[str]:
        """The CSVs of the payment documents issued for `bill`."""
        rows = db_rows(server, "select csv, payload from issued_documents where kind = 'pagament'")
        return [r.csv for r in rows if json.loads(r.payload)["bill"]["id"] == bill]

    def paid() -> int:
        sql = "select count(*) as n from bills where id_number = :i and paid_on is not null"
        return int(db_rows(server, sql, i=id_number)[0].n)

    try:
        async with drive(app, size=(80, 24)) as driver:
            await new_visit(driver)
            await app.change_language("es")  # the citizen chose Spanish: the messages are in Spanish
            assert launch(app, "pagament_tributs")
            await driver.wait_screen(InsertCardScreen)
            # 1. The pending bills: each fault ends the procedure; started again, it meets the next one.
            await faults_at_load(driver, proxy, listing, "rebuts", "pagament_tributs",
                                 lambda: card_login(driver, pcsc, card=card), "es")  # fmt: skip
            await driver.wait_screen(ListStep, timeout=10)
            await driver.wait_for("Impuesto sobre vehículos", timeout=10)
            step = await next_step(driver, BillStep)
            chosen = await pick(driver, step, "bill", "bills", 2)  # the vehicle tax, 144,36 €
            bill, before, paid_before = int(chosen), documents(int(chosen)), paid()
            review = await next_step(driver, RebutsReview)
            label = dict(review.state.bills)[chosen]

            # 2. The payment document: Send again is safe (the same key: the same document).
            def kept(fault: Fault) -> None:
                assert review.state.bill == chosen and dict(review.state.bills)[chosen] == label
                issued = [csv for csv in documents(bill) if csv not in before]
                assert len(issued) <= 1 and (not FAULTS[fault][1] or len(issued) == 1), (fault, issued)
                assert paid() == paid_before

            await faults_at_send(driver, proxy, document, "rebuts", kept, "es")
            result = await next_step(driver, RebutsResult, timeout=15)
            await driver.wait_for(result.document.payment.reference)
            assert result.document.bill.id == bill and result.document.bill.concept.startswith("Impuesto")
        assert [csv for csv in documents(bill) if csv not in before] == [result.document.csv]
        assert paid() == paid_before
    finally:
        pcsc.control.remove()
