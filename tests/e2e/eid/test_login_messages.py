"""The card login tells the app what happened, and the app decides where the citizen goes (real pcscd +
vpcd + SoftHSM2 + the reference backend): the login screen asks to be shown (`LoginScreen.Show`) and says
when it is done (`SignedIn`); the bridge says when the session's card left (`CardBridge.CardLeft`) and has
the next login screen built off the stack (`CardBridge.BuildAhead`), never drawn before a card goes in."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.catalogue import CatalogueScreen
from kiosk.login import CardBridge, LoginScreen
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.padro import RegistrationStep
from kiosk.screens.attract import AttractScreen
from kiosk.services import SignedIn
from kiosk.session import EndReason
from tests.e2e.eid.conftest import PIN, card_kiosk, card_out, type_pin


def posted(messages: list[Message]) -> list[Message]:
    """Each message once (the hook sees a message again at each node it bubbles through)."""
    return list({id(m): m for m in messages}.values())


async def test_login_with_a_waiting_procedure_lands_in_it(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc = stack[0]
    messages: list[Message] = []
    async with card_kiosk(stack, tmp_path, language="ca", message_hook=messages.append) as driver:
        app = driver.app
        await driver.wait_for(lambda: app.card_bridge is not None and app.card_bridge.standby is not None)
        [built] = [m.screen for m in posted(messages) if isinstance(m, CardBridge.BuildAhead)]
        app.start_visit()
        await driver.pause()
        app.screen.post_message(CatalogueScreen.ProcedureChosen("volant_individual", needs_certificate=True))
        await driver.wait_screen(InsertCardScreen)
        pcsc.control.insert("dnie3-valid")
        login = await driver.wait_screen(LoginScreen, timeout=20)
        assert login is built  # the screen built ahead, shown when the app was asked to
        assert [m.screen for m in posted(messages) if isinstance(m, LoginScreen.Show)] == [login]
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        await type_pin(driver, PIN)
        await driver.wait_screen(RegistrationStep, timeout=20)
        assert [m.screen for m in posted(messages) if isinstance(m, SignedIn)] == [login]
        # The login screen and the "insert your card" screen are gone; the procedure is on the catalogue.
        assert not login.is_attached
        assert [type(s) for s in app.screen_stack[:2]] == [AttractScreen, CatalogueScreen]
        assert not any(isinstance(s, LoginScreen | InsertCardScreen) for s in app.screen_stack)
        await card_out(driver, pcsc)
    assert [m.reason for m in posted(messages) if isinstance(m, CardBridge.CardLeft)] == [
        EndReason.CARD_REMOVED
    ]


async def test_login_without_a_waiting_procedure_goes_to_the_catalogue(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc = stack[0]
    messages: list[Message] = []
    async with card_kiosk(stack, tmp_path, message_hook=messages.append) as driver:
        app = driver.app
        await driver.wait_for(lambda: app.card_bridge is not None and app.card_bridge.standby is not None)
        pcsc.control.insert("dnie3-valid")
        login = await driver.wait_screen(LoginScreen, timeout=20)
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        await type_pin(driver, PIN)
        await driver.wait_screen(CatalogueScreen, timeout=20)
        assert [m.screen for m in posted(messages) if isinstance(m, SignedIn)] == [login]
        assert not login.is_attached
        assert [type(s) for s in app.screen_stack] == [AttractScreen, CatalogueScreen]
        await card_out(driver, pcsc)
