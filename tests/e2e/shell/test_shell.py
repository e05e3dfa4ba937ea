"""The kiosk shell driven with Pilot: languages, inactivity, wipe, keys a citizen must not use, staff."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from kiosk.app import KioskApp
from kiosk.screens.attract import AttractScreen
from kiosk.screens.goodbye import GoodbyeScreen
from kiosk.screens.idle import IdleWarning
from kiosk.screens.staff import StaffMenu, StaffPinModal
from kiosk.session import EndReason
from tests.fixtures.app import STAFF_PIN, make_settings
from tests.harness import Driver, drive, make_app

SECRET_NAME = "CARMEN ESPAÑOLA ESPAÑOLA"


async def _start_with_citizen_data(app: KioskApp, driver: Driver) -> Path:
    """Start a visit and put a citizen's name on screen and a file in the session's temp folder."""
    app.start_visit()
    await driver.pause()
    assert app.session is not None
    app.session.identity = {"name": SECRET_NAME}
    document = app.session.temp_dir / "volant.pdf"
    document.write_bytes(b"%PDF-1.7 citizen document")
    await app.screen.mount(Static(f"Hola, {SECRET_NAME}", id="hello"))
    await driver.pause()
    await driver.wait_for(SECRET_NAME)
    return document.parent


async def test_attract_screen_speaks_each_language(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        await driver.wait_for("Introduïu la targeta o toqueu la pantalla per començar")
        await driver.click("#lang-es")
        text = await driver.wait_for("Introduzca la tarjeta")
        assert "Introduzca la tarjeta o toque la pantalla para empezar" in text
        assert "Introduïu la targeta" not in text
        await driver.click("#lang-en")
        await driver.wait_for("Insert your card, or touch the screen to start")
        assert "TRAINING MODE" in driver.text()
        await driver.click("#lang-ca")
        await driver.wait_for("Introduïu la targeta")
        assert "MODE FORMACIÓ" in driver.text()


async def test_training_banner_only_in_training_mode(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path, kiosk={"mode": "production"}), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        assert "MODE FORMACIÓ" not in await driver.wait_for("Introduïu la targeta")
        app.start_visit()
        assert "MODE FORMACIÓ" not in await driver.wait_for("Acabar i sortir")


async def test_idle_warning_then_wipe_leaves_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ui={"idle_warning_seconds": 0.5, "idle_wipe_seconds": 1.0})
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        await driver.click("#lang-en")
        await driver.wait_for("Insert your card")
        temp_dir = await _start_with_citizen_data(app, driver)
        session = app.session
        assert session is not None and temp_dir.exists()
        await driver.wait_for("Are you still there?")
        assert isinstance(app.screen, IdleWarning)
        await driver.wait_for(lambda: isinstance(app.screen, AttractScreen))
        text = await driver.wait_for("Introduïu la targeta")
        assert len(app.screen_stack) == 1
        assert app.session is None
        assert session.ended is EndReason.IDLE and session.identity is None and session.token is None
        assert not temp_dir.exists()
        assert not list((tmp_path / "sessions").iterdir())
        assert SECRET_NAME not in text and "Hola" not in text


async def test_more_time_keeps_the_session(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ui={"idle_warning_seconds": 2.0, "idle_wipe_seconds": 2.0})
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        temp_dir = await _start_with_citizen_data(app, driver)
        await driver.wait_for("Necessito més temps")
        await driver.click("#more-time")
        await driver.pause(0.1)
        assert not isinstance(app.screen, IdleWarning)
        assert app.session is not None and temp_dir.exists()
        await driver.wait_for(SECRET_NAME)


async def test_any_key_resets_the_idle_timer(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ui={"idle_warning_seconds": 1.5, "idle_wipe_seconds": 5.0})
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        await _start_with_citizen_data(app, driver)
        for _ in range(10):  # 2 s of activity every 0.2 s: never idle for 1.5 s
            await driver.press("tab")
            await driver.pause(0.2)
            assert not isinstance(app.screen, IdleWarning)
        await driver.wait_for(lambda: isinstance(app.screen, IdleWarning))


async def test_finish_says_goodbye_and_wipes(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        temp_dir = await _start_with_citizen_data(app, driver)
        await driver.click("#finish")
        await driver.wait_for(lambda: isinstance(app.screen, GoodbyeScreen))
        text = await driver.wait_for("No oblideu els papers impresos.")
        assert "No oblideu els papers impresos." in text
        assert SECRET_NAME not in text
        assert not temp_dir.exists() and app.session is None
        await driver.pause(1.1)
        await driver.press("enter")
        await driver.wait_for(lambda: isinstance(app.screen, AttractScreen))


async def test_citizen_cannot_quit_or_open_the_palette(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        for key in ("ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "ctrl+backslash", "escape"):
            await driver.press(key)
            await driver.pause()
            assert app.is_running, key
            assert isinstance(app.screen, AttractScreen), key
        assert app.return_code is None


async def test_staff_exit_needs_the_right_pin(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        await driver.press("ctrl+f12")
        await driver.pause()
        assert isinstance(app.screen, StaffPinModal)
        await driver.press(*"00000000", "enter")
        await driver.wait_for("PIN incorrecte")
        assert isinstance(app.screen, StaffPinModal) and app.is_running
        # Wait for the delay after the wrong PIN, then the right one.
        await driver.wait_for(lambda: not app.screen.query_one("#staff-pin", Input).disabled)
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_for(lambda: isinstance(app.screen, StaffMenu))
        text = await driver.wait_for("mataro-demo-01")
        assert "mataro-demo-01" in text and "formació" in text
        await driver.click("#staff-exit")
        await driver.pause()
    assert not app.is_running
    assert "wrong staff PIN" in caplog.text
    assert "00000000" not in caplog.text and STAFF_PIN not in caplog.text


async def test_staff_chord_with_f12_three_times(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        await driver.press("f12", "f12")
        await driver.pause()
        assert isinstance(app.screen, AttractScreen)
        await driver.press("f12")
        await driver.pause()
        assert isinstance(app.screen, StaffPinModal)
        await driver.press("escape")
        await driver.pause()
        assert isinstance(app.screen, AttractScreen)
