"""Login with a card through the app (Pilot), on the real stack: pcscd + vpcd + SoftHSM2 + backend."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from contract.v1 import ChallengeOut as Challenge
from contract.v1 import SessionOut as Login
from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.app import KioskApp
from kiosk.backend.client import BackendClient, BackendError
from kiosk.config import Settings
from kiosk.login import LoginScreen
from kiosk.screens.attract import AttractScreen
from kiosk.session import EndReason
from testcards.citizens import load_cards
from testcards.control import TestCardControl
from tests.e2e.eid.conftest import PIN, card_kiosk, card_out, card_settings, login_with_card, type_pin
from tests.harness import Driver

CARDS = load_cards()
WRONG = "Dolent123"


def citizen_traces(name: str) -> list[str]:
    citizen = CARDS[name].citizen
    assert citizen is not None
    return [citizen.id_number, citizen.given_name, citizen.surname1, citizen.given_name.title().split()[0]]


def assert_nothing_of(driver: Driver, name: str) -> None:
    app = driver.app
    shown = driver.text()
    for trace in citizen_traces(name):
        assert trace not in shown, f"{trace!r} still on screen after the card left"
    assert app.session is None
    assert isinstance(app.screen, AttractScreen)


def token_alive(server: BackendInfo, settings: Any, token: str) -> bool:
    try:
        BackendClient(settings).registration(token)
    except BackendError:
        return False
    return True


async def test_valid_dnie_login_then_card_out(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc, server = stack
    async with card_kiosk(stack, tmp_path, language="ca") as driver:
        app, settings = driver.app, driver.app.settings
        await driver.pause(0.3)
        pcsc.control.insert("dnie3-valid")
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        assert isinstance(app.screen, LoginScreen)
        await type_pin(driver, PIN)
        await driver.wait_for("Hola, Carmen", words=True)
        session = app.session
        assert session is not None and session.token is not None
        token = session.token
        assert token_alive(server, settings, token)
        await driver.wait_for(lambda: not isinstance(app.screen, LoginScreen))
        assert "ESPAÑOLA" not in driver.text()  # the greeting is gone, the catalogue (home) is up
        started = time.monotonic()
        pcsc.control.remove()
        await driver.wait_for(lambda: app.session is None, timeout=3)
        assert time.monotonic() - started < 1.0 + 0.5  # wiped within a second (plus the test's polling)
        assert session.ended is EndReason.CARD_REMOVED
        assert_nothing_of(driver, "dnie3-valid")
        deadline = time.monotonic() + 5
        while token_alive(server, settings, token):
            assert time.monotonic() < deadline, "the backend session was not revoked"
            await driver.pause(0.1)


async def test_aoc_card_login(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc = stack[0]
    async with card_kiosk(stack, tmp_path) as driver:
        await login_with_card(driver, pcsc, "aoc-valid", "LLOPIS GÜELL")
        await driver.wait_for("Hello, Maria Rosa", words=True)
        await card_out(driver, pcsc)
        assert_nothing_of(driver, "aoc-valid")


async def test_wrong_pin_then_right_pin_and_no_pin_in_logs(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pcsc = stack[0]
    async with card_kiosk(stack, tmp_path) as driver:
        await login_with_card(driver, pcsc, "dnie2-valid", "PUIG FERRER", WRONG)
        await driver.wait_for("You have 2 tries left", words=True)
        await type_pin(driver, WRONG)
        await driver.wait_for("one try left", words=True)  # the warning before the last try
        await type_pin(driver, PIN)
        await driver.wait_for("Hello, Jordi", words=True)
        assert driver.app.session is not None and driver.app.session.token
        await card_out(driver, pcsc)
    assert caplog.records, "the flow logs what happens (without the PIN)"
    for pin in (PIN, WRONG):
        assert pin not in caplog.text
        for record in caplog.records:
            assert pin not in repr(record.args) and pin not in str(record.msg)


async def test_pin_last_try_locks(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    async with card_kiosk(stack, tmp_path) as driver:
        await login_with_card(driver, stack[0], "pin-last-try", "FONT GARCIA", WRONG)
        await driver.wait_for("PIN of your card is locked", words=True)
        assert "Punto de Actualización del DNIe" in driver.words()
        assert driver.app.session is not None and driver.app.session.token is None


async def test_locked_card(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc = stack[0]
    async with card_kiosk(stack, tmp_path) as driver:
        await login_with_card(driver, pcsc, "pin-locked", "BOSCH RIERA")
        shown = await driver.wait_for("PIN of your card is locked", words=True)
        assert "Punto de Actualización del DNIe" in shown
        assert driver.app.session is not None and driver.app.session.token is None
        await card_out(driver, pcsc)
        assert_nothing_of(driver, "pin-locked")


async def test_expired_certificate(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    async with card_kiosk(stack, tmp_path) as driver:
        stack[0].control.insert("expired")
        shown = await driver.wait_for("expired on", words=True)
        assert "Type the PIN" not in shown
        assert isinstance(driver.app.screen, LoginScreen) and driver.app.screen.state == "failed"


@pytest.mark.parametrize(
    ("card", "text"),
    [("untrusted", "not issued by an authority"), ("revoked", "has been revoked")],
)
async def test_backend_refuses_the_certificate(
    card: str, text: str, stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    async with card_kiosk(stack, tmp_path) as driver:
        await login_with_card(driver, stack[0], card, "Type the PIN")
        await driver.wait_for(text, words=True)
        assert driver.app.session is not None and driver.app.session.token is None


@pytest.mark.parametrize(
    ("card", "text"),
    [
        ("finalised", "chip has been deactivated"),
        ("contactless", "card chip first into the reader"),
        ("unsupported", "cannot be used to identify you"),
    ],
)
async def test_cards_that_cannot_log_in(
    card: str, text: str, stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    async with card_kiosk(stack, tmp_path) as driver:
        stack[0].control.insert(card)
        shown = await driver.wait_for(text, words=True)
        assert "Type the PIN" not in shown


async def test_card_pulled_during_pin_entry(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc = stack[0]
    async with card_kiosk(stack, tmp_path) as driver:
        app = driver.app
        pcsc.control.insert("nie-valid")
        await driver.wait_for("EL IDRISSI", words=True)
        await driver.press(*"Prova")
        pad = app.screen.query_one("#login-pinpad")
        assert getattr(pad, "length", 0) == 5
        await card_out(driver, pcsc)
        assert_nothing_of(driver, "nie-valid")
        assert not app.query("#login-pinpad")  # the pad, and what was typed, went with the screen
        assert not pad.is_attached


class _PullCardBeforeReply(BackendClient):
    """The backend client, but the card is pulled after the signature, before the session reply."""

    def __init__(self, settings: Settings, control: TestCardControl) -> None:
        super().__init__(settings)
        self.control = control
        self.app: KioskApp | None = None  # the kiosk it serves, whose session must end first
        self.logins: list[Login] = []

    def login_with_certificate(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> Login:
        self.control.remove()
        deadline = time.monotonic() + 5
        while self.app is not None and self.app.session is not None and time.monotonic() < deadline:
            time.sleep(0.02)  # the app ends the session while the reply is on its way
        login = super().login_with_certificate(challenge_id, certificate_der, signature)
        self.logins.append(login)
        return login


async def test_card_pulled_between_signing_and_session_reply(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc, server = stack
    settings = card_settings(tmp_path, server, pcsc)
    backend = _PullCardBeforeReply(settings, pcsc.control)
    async with card_kiosk(stack, tmp_path, client=backend) as driver:
        app = backend.app = driver.app
        await login_with_card(driver, pcsc, "dnie3-valid", "ESPAÑOLA ESPAÑOLA")
        await driver.wait_for(lambda: bool(backend.logins), timeout=10)
        await driver.pause(0.3)
        assert app.session is None
        assert_nothing_of(driver, "dnie3-valid")
        token = backend.logins[0].token
        deadline = time.monotonic() + 5
        while token_alive(server, settings, token):
            assert time.monotonic() < deadline, "a session created after the card left was not revoked"
            await driver.pause(0.1)


class _CountingBackend(BackendClient):
    """The backend client, recording the challenges it fetched and the one each login attempt used."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.fetched: list[str] = []
        self.used: list[str] = []

    def create_challenge(self) -> Challenge:
        challenge = super().create_challenge()
        self.fetched.append(challenge.challenge_id)
        return challenge

    def login_with_certificate(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> Login:
        self.used.append(challenge_id)
        return super().login_with_certificate(challenge_id, certificate_der, signature)


async def test_challenge_fetched_while_the_pin_is_typed_is_used_once(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc, server = stack
    backend = _CountingBackend(card_settings(tmp_path, server, pcsc))
    async with card_kiosk(stack, tmp_path, client=backend) as driver:
        pcsc.control.insert("dnie3-valid")
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        await driver.wait_for(lambda: len(backend.fetched) == 1)  # before any PIN is typed
        await type_pin(driver, WRONG)
        await driver.wait_for("You have 2 tries left", words=True)
        await driver.wait_for(lambda: len(backend.fetched) == 2)  # a new one for the next attempt
        await type_pin(driver, PIN)
        await driver.wait_for("Hello, Carmen", words=True)
        # The wrong PIN was refused by the card: its challenge was dropped, never sent, never reused.
        assert backend.used == [backend.fetched[1]]
        assert len(set(backend.fetched)) == 2
        await card_out(driver, pcsc)
