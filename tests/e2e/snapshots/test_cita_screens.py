"""Golden screens of the cita prèvia's steps, at 120x40 and 80x24, against the pinned backend (its clock at
Monday 2 March 2026, 10:00 in Mataró): book (what to do, service, day and time, contact, review, result),
cancel the appointment booked (my appointments, the confirmation, cancelled) and check in for an
appointment of today (the step, the ticket printed at once, the turn)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from devstack.backend import BackendInfo
from kiosk.printstep import PrintScreen
from kiosk.procedures import cita
from municipal.models import Appointment, AppointmentSlot
from tests.e2e.snapshots.conftest import PINNED_NOW, Pki, Shots
from tests.e2e.snapshots.test_procedure_screens import logged_in, start
from tests.harness import Driver


async def pick_first(driver: Driver, step: cita.SlotStep | cita.MineStep, options: str, chosen: str) -> None:
    """Open the step's list once its options came and take the first one, with the keyboard."""
    await driver.wait_for(lambda: bool(getattr(step.state, options)), what=options)
    step.query_one(f"#{chosen}").focus()
    await driver.press("enter", "down", "enter")
    await driver.wait_for(lambda: getattr(step.state, chosen) is not None, what=f"{chosen} chosen")


def appointment_soon(server: BackendInfo) -> None:
    """Carmen's appointment of today, 15 minutes after the pinned clock (the demo's slots begin tomorrow)."""
    at = PINNED_NOW + timedelta(minutes=15)
    engine = create_engine(server.database_url)
    with Session(engine) as session, session.begin():
        slot = AppointmentSlot(service_code="padro", starts_at=at)
        session.add(slot)
        session.flush()
        session.add(Appointment(reference="CP/2026/000500", slot_id=slot.id, service_code="padro",
                                starts_at=at, id_number="12345678Z", kiosk_id="other",
                                booked_at=PINNED_NOW - timedelta(days=3), csv="SNAPCSV"))  # fmt: skip
    engine.dispose()


async def test_cita_book_and_cancel(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots
) -> None:
    async with logged_in(tmp_path, server, snapshot_pki) as (app, driver):
        await start(app, driver, "cita_previa")
        await driver.wait_screen(cita.ActionStep)
        await shots.take(driver, "1-action")
        await shots.next(driver, cita.ServiceStep, "2-service")
        slots = await shots.next(driver, cita.SlotStep)
        await pick_first(driver, slots, "slots", "slot")
        await shots.take(driver, "3-slot")
        await shots.next(driver, cita.ContactStep, "4-contact")
        await shots.next(driver, cita.CitaReview, "5-review")
        await shots.next(
            driver, cita.CitaResult, "6-result", showing=lambda result: result.document.reference
        )
        await driver.click("#step-cancel")  # other procedures
        await driver.pause()
        await start(app, driver, "cita_previa")
        await driver.wait_screen(cita.ActionStep)
        await driver.click("#action-cancel")
        mine = await shots.next(driver, cita.MineStep)
        await pick_first(driver, mine, "mine", "cancel")
        await shots.take(driver, "c1-mine")
        await shots.next(driver, cita.CancelReview, "c2-confirm")
        await shots.next(driver, cita.CancelResult, "c3-cancelled", showing="CP/2026/")
    shots.check()


async def test_cita_check_in(tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots) -> None:
    appointment_soon(server)
    async with logged_in(tmp_path, server, snapshot_pki) as (app, driver):
        await start(app, driver, "cita_previa")
        await driver.wait_screen(cita.ActionStep)
        await driver.click("#action-checkin")
        await shots.next(driver, cita.CheckInStep, "k1-checkin")
        await driver.click("#step-next")
        await driver.wait_screen(PrintScreen, timeout=20)  # printed at once

        def ended() -> bool:
            done = driver.app.screen.query("#print-done")
            return bool(done) and bool(done.first().display)

        await driver.wait_for(ended, what="the print to end")
        await shots.take(driver, "k2-printed")
        await driver.click("#print-done")
        await driver.wait_screen(cita.TicketResult)
        await driver.wait_for("P-001")
        await shots.take(driver, "k3-turn")
    shots.check()
