"""The second line behind plain text: the kiosk runs only the actions it uses, whoever asks for them.

Should a text ever reach a widget as markup, `[@click=app.quit]` and the like must still do nothing:
the app refuses every App action but its own (staff access, the swallowed keys) and Tab / Shift+Tab,
and a kiosk screen refuses Textual's screen actions (`dismiss` with a result, `focus`, ...).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from kiosk.app import KioskApp
from kiosk.screens.attract import AttractScreen
from kiosk.screens.staff import StaffMenu, StaffPinModal
from tests.fixtures.app import STAFF_PIN, make_settings
from tests.harness import Driver, drive, make_app

REFUSED = [
    "app.quit",
    "app.screenshot('config.toml','{folder}')",
    "app.suspend_process",
    "app.simulate_key('ctrl+q')",
    "app.pop_screen",
    "app.push_screen('attract-screen')",
    "app.switch_screen('attract-screen')",
    "app.back",
    "app.bell",
    "app.notify('[@click=app.quit]x[/]')",
    "app.add_class('Screen','x')",
    "app.toggle_dark",
    "app.command_palette",
    "app.change_theme",
    "app.show_help_panel",
    "app.focus('start')",
]


def shots_folder(tmp_path: Path) -> Path:
    """Where a screenshot would land if an action were let through (it must stay empty)."""
    folder = tmp_path / "shots"
    folder.mkdir()
    return folder


@asynccontextmanager
async def visiting(tmp_path: Path) -> AsyncIterator[tuple[KioskApp, Driver]]:
    """The kiosk with a visit started (the catalogue on the attract screen)."""
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        app.start_visit()
        await driver.pause()
        yield app, driver


@pytest.mark.parametrize("action", REFUSED)
async def test_app_actions_a_citizen_must_never_reach_are_refused(
    action: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.app")
    folder = shots_folder(tmp_path)
    async with visiting(tmp_path) as (app, driver):
        stack = list(app.screen_stack)
        assert not await app.run_action(action.format(folder=folder))
        await driver.pause()
        assert app.is_running and app.return_code is None
        assert app.screen_stack == stack and app.session is not None
        assert not app._notifications
    assert list(folder.iterdir()) == []
    name = action.removeprefix("app.").split("(")[0]
    [line] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert line == f"app action refused: {name!r}"  # the name only, never the parameters


async def test_markup_that_slipped_through_does_nothing_when_touched(tmp_path: Path) -> None:
    folder = shots_folder(tmp_path)
    async with visiting(tmp_path) as (app, driver):
        screen = app.screen
        for markup in (
            "[@click=app.quit]TOCA AQUI[/]",
            f"[@click=app.screenshot('config.toml','{folder}')]TOCA AQUI[/]",
            "[@click=app.pop_screen]TOCA AQUI[/]",
            "[@click=screen.dismiss]TOCA AQUI[/]",
        ):
            # A Static given a str parses it as markup: the way a missed sink would show it.
            await screen.mount(Static(markup, id="slipped"))
            await driver.pause()
            await driver.click("#slipped", offset=(1, 0))
            await driver.pause()
            assert app.is_running and app.screen is screen, markup
            await screen.query_one("#slipped").remove()
    assert list(folder.iterdir()) == []


async def test_a_modal_cannot_be_answered_from_markup(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        await driver.press("ctrl+f12")
        await driver.pause()
        modal = app.screen
        assert isinstance(modal, StaffPinModal)
        await modal.mount(Static("[@click=screen.dismiss(True)]ENTRA[/]", id="slipped"))
        await driver.pause()
        await driver.click("#slipped", offset=(1, 0))
        await driver.pause()
        assert app.screen is modal and not isinstance(app.screen, StaffMenu)


async def test_the_kiosk_own_actions_still_run(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        assert isinstance(app.screen, AttractScreen)
        first = app.focused
        await driver.press("tab")  # app.focus_next
        await driver.pause()
        assert app.focused is not first
        await driver.press("ctrl+f12")  # app.staff
        await driver.pause()
        assert isinstance(app.screen, StaffPinModal)
        await driver.wait_for(lambda: not app.screen.query_one("#staff-pin", Input).disabled)
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_for(lambda: isinstance(app.screen, StaffMenu))
        await driver.press("escape")  # the staff menu's own action_back
        await driver.pause()
        assert isinstance(app.screen, AttractScreen)
        await driver.press("ctrl+f12")
        await driver.pause()
        await driver.wait_for(lambda: not app.screen.query_one("#staff-pin", Input).disabled)
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_for(lambda: isinstance(app.screen, StaffMenu))
        await driver.click("#staff-exit")  # the staff exit: KioskApp.shutdown(), no action needed
        await driver.pause()
    assert not app.is_running
