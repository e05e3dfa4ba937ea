"""Golden screens of the inscripcions a activitats, at 120x40 and 80x24, against the pinned backend (its
clock at Monday 2 March 2026, 10:00 in Mataró). Carmen has a place in the yoga, someone else is first on
its waiting list: her applications (with what she can do), an open activity chosen, the contact, the
review, the application registered; then her place withdrawn (the application chosen, the confirmation
that says where the place goes, withdrawn)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from devstack.backend import BackendInfo
from kiosk.procedures import activitats
from municipal.models import ActivityApplication
from tests.e2e.procedures.helpers import pick
from tests.e2e.snapshots.conftest import PINNED_NOW, Pki, Shots
from tests.e2e.snapshots.test_procedure_screens import logged_in, start

PLACE = "IA-2026-900001"


def place_in_the_yoga(server: BackendInfo) -> None:
    """Carmen's application to the yoga, drawn with a place; another citizen first on its waiting list."""
    applied = PINNED_NOW - timedelta(days=3)
    engine = create_engine(server.database_url)
    with Session(engine) as session, session.begin():
        drawn = ((PLACE, "12345678Z", "place", 1), ("IA-2026-900002", "00000000T", "waiting", 2))
        for number, id_number, state, rank in drawn:
            row = ActivityApplication(
                number=number,
                activity_code="ioga",
                id_number=id_number,
                state=state,
                rank=rank,
                kiosk_id="other",
                applied_at=applied,
                csv=f"SNAP{rank}",
                language="ca",
            )
            session.add(row)
    engine.dispose()


async def test_activitats_apply_and_withdraw(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots
) -> None:
    place_in_the_yoga(server)
    async with logged_in(tmp_path, server, snapshot_pki) as (app, driver):
        await start(app, driver, "activitats")
        await driver.wait_screen(activitats.ApplicationsStep)
        await driver.wait_for(PLACE)
        await shots.take(driver, "1-applications")
        step = await shots.next(driver, activitats.ActivityStep)
        await pick(driver, step, "activity", "activities", 1)
        await shots.take(driver, "2-activity")
        await shots.next(driver, activitats.ContactStep, "3-contact")
        await shots.next(driver, activitats.ActivitatsReview, "4-review")
        await shots.next(
            driver,
            activitats.ActivitatsResult,
            "5-result",
            showing=lambda result: result.document.application_number,
        )
        await driver.click("#step-cancel")  # other procedures
        await driver.pause()
        await start(app, driver, "activitats")
        await driver.wait_screen(activitats.ApplicationsStep)
        await driver.wait_for(PLACE)
        await driver.click("#action-withdraw")
        mine = await shots.next(driver, activitats.WithdrawStep)
        assert await pick(driver, mine, "withdraw", "mine", 2) == PLACE  # the newest first: the yoga second
        await shots.take(driver, "w1-withdraw")
        await shots.next(driver, activitats.WithdrawReview, "w2-confirm")
        await shots.next(driver, activitats.WithdrawResult, "w3-withdrawn", showing=PLACE)
    shots.check()
