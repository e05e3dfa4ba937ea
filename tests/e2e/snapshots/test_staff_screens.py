"""Golden screens of staff access: the PIN modal, the staff menu, and the wait after a wrong PIN, at
120x40 and 80x24."""

from __future__ import annotations

from pathlib import Path

from devstack.backend import BackendInfo
from kiosk.screens.staff import StaffMenu, StaffPinModal
from tests.e2e.procedures.helpers import press_button, wait_for, wait_screen, wait_text
from tests.e2e.snapshots.conftest import Shots, snapshot_app
from tests.fixtures.app import STAFF_PIN


async def test_staff_screens(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    # A long wait after a wrong PIN, so that the wait is still on screen when it is shot.
    app = snapshot_app(tmp_path, server, staff={"wrong_pin_delay_seconds": 60})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+f12")
        await wait_screen(pilot, StaffPinModal)
        await shots.take(pilot, "pin")
        await pilot.press(*STAFF_PIN, "enter")
        await wait_screen(pilot, StaffMenu)
        await shots.take(pilot, "menu")
        await press_button(pilot, "#staff-back")
        await wait_for(pilot, lambda: not isinstance(app.screen, StaffMenu), "the menu closed")
        await pilot.press("ctrl+f12")
        await wait_screen(pilot, StaffPinModal)
        await pilot.press(*"00000000", "enter")
        await wait_text(pilot, "Espereu")
        await wait_for(pilot, lambda: not app.staff_lock.checking, "the PIN check")
        await shots.take(pilot, "pin-wrong-wait")
    shots.check()
