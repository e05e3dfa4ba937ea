"""The wait after wrong staff PINs belongs to the app: closing the PIN modal and opening a new one
(Escape, then Ctrl+F12 or F12 three times) skips none of it. Driven with Pilot, no card readers."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import pytest
from textual.widgets import Input

from kiosk.app import KioskApp
from kiosk.screens.attract import AttractScreen
from kiosk.screens.staff import StaffMenu, StaffPinModal
from tests.fixtures.app import STAFF_PIN, make_settings
from tests.harness import drive, make_app

WRONG = "00000000"


def _wrong_pins(caplog: pytest.LogCaptureFixture) -> int:
    return sum("wrong staff PIN" in record.getMessage() for record in caplog.records)


def _field(app: KioskApp) -> Input:
    return app.screen.query_one("#staff-pin", Input)


async def test_guesses_across_modals_are_limited_by_the_accumulated_wait(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    base = 0.5
    app = make_app(make_settings(tmp_path, staff={"wrong_pin_delay_seconds": base}), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        started = time.monotonic()
        rounds = 0
        while time.monotonic() - started < 5.0:
            # A fresh modal every time, as fast as a person at the keyboard could.
            await driver.press("escape")
            if rounds % 2:
                await driver.press("f12", "f12", "f12")
            else:
                await driver.press("ctrl+f12")

            # The modal ready: its field focused, or disabled while the wait of earlier guesses runs (keys
            # pressed before the focus reached the field went nowhere and the test waited in vain).
            def ready() -> bool:
                field = _field(app)
                return isinstance(app.screen, StaffPinModal) and (field.has_focus or field.disabled)

            await driver.wait_for(ready)
            waiting = _field(app).disabled
            await driver.press("1", "enter")  # one key: a wrong PIN as fast as it can be typed
            if waiting:
                # Typed while the wait of earlier guesses runs: not checked, the wait shown. The wait can
                # end while the keys are on their way: then the field comes back, empty, the wait text
                # gone (waiting for "PIN incorrecte" then was what made this test fail now and then).
                await driver.wait_for(lambda: "PIN incorrecte" in driver.text() or not _field(app).disabled)
            else:
                await driver.wait_for("PIN incorrecte")
            rounds += 1
        elapsed = time.monotonic() - started
        await driver.pause(0.3)  # a check still under way reports its failure
        guesses = _wrong_pins(caplog)
        # Guess n comes only after the waits of the n-1 before it: base * (2**(n-1) - 1) seconds.
        allowed = 1 + math.floor(math.log2(elapsed / base + 1))
        print(f"{guesses} wrong PINs checked in {rounds} modals over {elapsed:.1f} s (at most {allowed})")
        assert 3 <= guesses <= allowed, (guesses, allowed, rounds, elapsed)
        assert rounds > guesses  # most of the fresh modals checked nothing
        # The right PIN still opens the menu once the wait is over.
        await driver.press("escape", "ctrl+f12")
        await driver.wait_for(lambda: isinstance(app.screen, StaffPinModal) and not _field(app).disabled)
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_for(lambda: isinstance(app.screen, StaffMenu))
    assert WRONG not in caplog.text and STAFF_PIN not in caplog.text


async def test_a_reopened_modal_refuses_input_until_the_wait_is_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = make_app(make_settings(tmp_path, staff={"wrong_pin_delay_seconds": 1.5}), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        await driver.press("ctrl+f12")
        await driver.wait_for(lambda: isinstance(app.screen, StaffPinModal))
        typed_at = time.monotonic()  # the wait starts a little later, when the check ends
        await driver.press(*WRONG, "enter")
        await driver.wait_for("PIN incorrecte")
        await driver.press("escape")
        await driver.wait_for(lambda: isinstance(app.screen, AttractScreen))
        await driver.press("ctrl+f12")
        await driver.wait_for(lambda: isinstance(app.screen, StaffPinModal))
        # The new modal shows the wait, its field disabled: the right PIN typed now is not even checked.
        assert _field(app).disabled
        assert "PIN incorrecte" in driver.text()
        await driver.press(*STAFF_PIN, "enter")
        await driver.pause(0.2)
        assert isinstance(app.screen, StaffPinModal) and _wrong_pins(caplog) == 1
        assert "staff access granted" not in caplog.text
        await driver.wait_for(lambda: not _field(app).disabled)
        assert time.monotonic() - typed_at >= 1.5
        assert app.screen.focused is _field(app)
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_for(lambda: isinstance(app.screen, StaffMenu))
    assert "staff access granted" in caplog.text and STAFF_PIN not in caplog.text
