"""Golden screens of staff access: the PIN modal, the staff menu, and the wait after a wrong PIN, at
120x40 and 80x24."""

from __future__ import annotations

from pathlib import Path

from devstack.backend import BackendInfo
from kiosk.screens.staff import StaffMenu, StaffPinModal
from tests.e2e.snapshots.conftest import Shots, snapshot_app
from tests.fixtures.app import STAFF_PIN
from tests.harness import drive


async def test_staff_screens(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    # A long wait after a wrong PIN, so that the wait is still on screen when it is shot.
    app = snapshot_app(tmp_path, server, staff={"wrong_pin_delay_seconds": 60})
    async with drive(app, size=(80, 24)) as driver:
        await driver.press("ctrl+f12")
        await driver.wait_screen(StaffPinModal)
        await shots.take(driver, "pin")
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_screen(StaffMenu)
        await shots.take(driver, "menu")
        await driver.click("#staff-back")
        await driver.wait_for(lambda: not isinstance(app.screen, StaffMenu), what="the menu closed")
        await driver.press("ctrl+f12")
        await driver.wait_screen(StaffPinModal)
        await driver.press(*"00000000", "enter")
        await driver.wait_for("Espereu")
        await driver.wait_for(lambda: not app.staff_lock.checking, what="the PIN check")
        await shots.take(driver, "pin-wrong-wait")
    shots.check()
