"""The shell's screens tell the app what the citizen or staff chose, and the app acts on it (Pilot, no
card readers): Start posts `StartVisit`, a language button `LanguageChosen`, the Finish bar
`FinishSession`, the staff menu's exit `StaffExit`."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from kiosk.catalogue import CatalogueScreen
from kiosk.screens.goodbye import GoodbyeScreen
from kiosk.screens.staff import StaffMenu, StaffPinModal
from kiosk.services import FinishSession, LanguageChosen, StaffExit, StartVisit
from tests.fixtures.app import STAFF_PIN, make_settings
from tests.harness import drive, make_app


def posted(messages: list[Message]) -> list[Message]:
    """Each message once (the hook sees a message again at each node it bubbles through)."""
    return list({id(m): m for m in messages}.values())


async def test_start_language_and_finish_go_to_the_app(tmp_path: Path) -> None:
    messages: list[Message] = []
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, message_hook=messages.append) as driver:
        await driver.click("#lang-es")
        await driver.wait_for("Introduzca la tarjeta", words=True)
        assert [m.language for m in posted(messages) if isinstance(m, LanguageChosen)] == ["es"]
        await driver.click("#start")
        await driver.wait_screen(CatalogueScreen)
        assert sum(isinstance(m, StartVisit) for m in posted(messages)) == 1
        assert app.session is not None
        await driver.click("#finish")
        await driver.wait_screen(GoodbyeScreen)
        assert sum(isinstance(m, FinishSession) for m in posted(messages)) == 1
        assert app.session is None


async def test_staff_exit_goes_to_the_app(tmp_path: Path) -> None:
    messages: list[Message] = []
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with drive(app, message_hook=messages.append) as driver:
        await driver.press("ctrl+f12")
        await driver.wait_screen(StaffPinModal)
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_screen(StaffMenu)
        await driver.click("#staff-exit")
        await driver.wait_for(lambda: not app.is_running)
    assert sum(isinstance(m, StaffExit) for m in posted(messages)) == 1
    assert app.return_code == 0
