"""Golden screens of the pagament de rebuts' steps, at 120x40 and 80x24 and in the two low-vision modes,
against the pinned backend: Carmen's pending bills (the property tax and the waste collection fee of the
demo data), the bill chosen, the review, the result with its payment document, the print step and the
result after it."""

from __future__ import annotations

from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from devstack.backend import BackendInfo
from kiosk.procedures.rebuts import BillStep, ListStep, RebutsResult, RebutsReview
from tests.e2e.procedures.helpers import pick
from tests.e2e.snapshots.conftest import Pki, Shots
from tests.e2e.snapshots.test_low_vision_screens import low_vision
from tests.e2e.snapshots.test_procedure_screens import certificate_login, logged_in, print_it, start
from tests.harness import Driver


def apart(driver: Driver) -> None:
    """At 80x24 a bill's concept and period, wrapped in the label's column, end before its detail begins
    (they ran into each other: "Impost sobre béns immoblesC/ de la Riera")."""
    rows = driver.app.screen.query(".bill")
    assert rows
    for row in rows:
        label, value = row.query_one(".review-label").content_region, row.query_one(".review-value").region
        assert label.right < value.x, (label, value)


async def rebuts(driver: Driver, shots: Shots) -> None:
    """The pagament de rebuts from its list of bills to the result after printing, each step shot."""
    await driver.wait_screen(ListStep)
    await driver.wait_for("359,75")
    await shots.take(driver, "1-bills")
    apart(driver)
    step = await shots.next(driver, BillStep)
    await pick(driver, step, "bill", "bills", 2)  # the second: the property tax, due later
    await shots.take(driver, "2-bill")
    await shots.next(driver, RebutsReview, "3-review")
    await shots.next(
        driver, RebutsResult, "4-result", showing=lambda result: result.document.payment.reference
    )
    await print_it(driver, shots, "4-result")


async def test_rebuts(tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots) -> None:
    async with logged_in(tmp_path, server, snapshot_pki) as (app, driver):
        await start(app, driver, "pagament_tributs")
        await rebuts(driver, shots)
    shots.check()


async def test_rebuts_low_vision(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, snapshot: SnapshotAssertion
) -> None:
    async with low_vision(tmp_path, server, snapshot) as (app, driver, shots):
        await certificate_login(app, snapshot_pki)
        await start(app, driver, "pagament_tributs")
        await rebuts(driver, shots)
