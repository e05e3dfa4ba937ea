"""A notice shown during a session ends with it: the next citizen never sees it on the attract screen."""

from __future__ import annotations

from pathlib import Path

from kiosk.app import KioskApp
from kiosk.screens.attract import AttractScreen
from kiosk.session import EndReason
from tests.fixtures.app import make_settings
from tests.harness import drive, make_app


def notices(app: KioskApp) -> list[str]:
    """The notices the app holds to show (the toasts; `run_test` draws none of them)."""
    return [notice.message for notice in app._notifications]


async def test_a_notice_raised_in_a_session_is_gone_once_the_attract_screen_is_back(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 32)) as driver:
        app.start_visit()
        await driver.pause()
        app.notify("No card reader is connected.", severity="warning", timeout=30, markup=False)
        await driver.pause()
        assert notices(app) == ["No card reader is connected."]
        app.end_session(EndReason.IDLE)
        await driver.wait_for(lambda: isinstance(app.screen, AttractScreen))
        await driver.pause(0.3)
        assert notices(app) == []  # the attract screen's toast rack would show what is left here
