"""Login with a card through the app (Pilot), on the real stack: pcscd + vpcd + SoftHSM2 + backend."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from eid.testcards.citizens import load_cards
from eid.testcards.control import TestCardControl
from kiosk.app import KioskApp
from kiosk.backend.client import BackendClient, BackendError
from contract.v1 import SessionOut as Login
from kiosk.login import LoginScreen
from kiosk.screens.attract import AttractScreen
from kiosk.session import EndReason
from tests.e2e.eid.conftest import card_settings, flat_text, wait_for_words
from tests.fixtures.app import screen_text, wait_until

CARDS = load_cards()
PIN = "Prova2026"
WRONG = "Dolent123"


def citizen_traces(name: str) -> list[str]:
    citizen = CARDS[name].citizen
    assert citizen is not None
    return [citizen.id_number, citizen.given_name, citizen.surname1, citizen.given_name.title().split()[0]]


def assert_nothing_of(app: KioskApp, name: str) -> None:
    shown = screen_text(app)
    for trace in citizen_traces(name):
        assert trace not in shown, f"{trace!r} still on screen after the card left"
    assert app.session is None
    assert isinstance(app.screen, AttractScreen)


async def type_pin(pilot: Any, pin: str) -> None:
    await pilot.press(*pin)
    await pilot.press("enter")


def token_alive(server: BackendInfo, settings: Any, token: str) -> bool:
    try:
        BackendClient(settings).registration(token)
    except BackendError:
        return False
    return True


@pytest.fixture
def stack(
    pcsc_stack: PcscInfo, eid_backend: BackendInfo, testcards: TestCardControl
) -> tuple[PcscInfo, BackendInfo]:
    return pcsc_stack, eid_backend


async def test_valid_dnie_login_then_card_out(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc, server = stack
    settings = card_settings(tmp_path, server, pcsc, language="ca")
    app = KioskApp(settings)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause(0.3)
        pcsc.control.insert("dnie3-valid")
        await wait_for_words(pilot, app, "ESPAÑOLA ESPAÑOLA")
        assert isinstance(app.screen, LoginScreen)
        await type_pin(pilot, PIN)
        await wait_for_words(pilot, app, "Hola, Carmen")
        session = app.session
        assert session is not None and session.token is not None
        token = session.token
        assert token_alive(server, settings, token)
        await wait_until(pilot, lambda: not isinstance(app.screen, LoginScreen))
        assert "ESPAÑOLA" not in screen_text(app)  # the greeting is gone, the catalogue (home) is up
        started = time.monotonic()
        pcsc.control.remove()
        await wait_until(pilot, lambda: app.session is None, timeout=3)
        assert time.monotonic() - started < 1.0 + 0.5  # wiped within a second (plus the test's polling)
        assert session.ended is EndReason.CARD_REMOVED
        assert_nothing_of(app, "dnie3-valid")
        deadline = time.monotonic() + 5
        while token_alive(server, settings, token):
            assert time.monotonic() < deadline, "the backend session was not revoked"
            await pilot.pause(0.1)


async def test_aoc_card_login(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("aoc-valid")
        await wait_for_words(pilot, app, "LLOPIS GÜELL")
        await type_pin(pilot, PIN)
        await wait_for_words(pilot, app, "Hello, Maria Rosa")
        pcsc.control.remove()
        await wait_until(pilot, lambda: app.session is None, timeout=3)
        assert_nothing_of(app, "aoc-valid")


async def test_wrong_pin_then_right_pin_and_no_pin_in_logs(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("dnie2-valid")
        await wait_for_words(pilot, app, "PUIG FERRER")
        await type_pin(pilot, WRONG)
        await wait_for_words(pilot, app, "You have 2 tries left")
        await type_pin(pilot, WRONG)
        await wait_for_words(pilot, app, "one try left")  # the warning before the last try
        await type_pin(pilot, PIN)
        await wait_for_words(pilot, app, "Hello, Jordi")
        assert app.session is not None and app.session.token
        pcsc.control.remove()
        await wait_until(pilot, lambda: app.session is None, timeout=3)
    assert caplog.records, "the flow logs what happens (without the PIN)"
    for pin in (PIN, WRONG):
        assert pin not in caplog.text
        for record in caplog.records:
            assert pin not in repr(record.args) and pin not in str(record.msg)


async def test_pin_last_try_locks(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("pin-last-try")
        await wait_for_words(pilot, app, "FONT GARCIA")
        await type_pin(pilot, WRONG)
        await wait_for_words(pilot, app, "PIN of your card is locked")
        assert "Punto de Actualización del DNIe" in flat_text(app)
        assert app.session is not None and app.session.token is None


async def test_locked_card(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("pin-locked")
        await wait_for_words(pilot, app, "BOSCH RIERA")
        await type_pin(pilot, PIN)
        shown = await wait_for_words(pilot, app, "PIN of your card is locked")
        assert "Punto de Actualización del DNIe" in shown
        assert app.session is not None and app.session.token is None
        pcsc.control.remove()
        await wait_until(pilot, lambda: app.session is None, timeout=3)
        assert_nothing_of(app, "pin-locked")


async def test_expired_certificate(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("expired")
        shown = await wait_for_words(pilot, app, "expired on")
        assert "Type the PIN" not in shown
        assert isinstance(app.screen, LoginScreen) and app.screen.state == "failed"


@pytest.mark.parametrize(
    ("card", "text"),
    [("untrusted", "not issued by an authority"), ("revoked", "has been revoked")],
)
async def test_backend_refuses_the_certificate(
    card: str, text: str, stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert(card)
        await wait_for_words(pilot, app, "Type the PIN")
        await type_pin(pilot, PIN)
        await wait_for_words(pilot, app, text)
        assert app.session is not None and app.session.token is None


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
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert(card)
        shown = await wait_for_words(pilot, app, text)
        assert "Type the PIN" not in shown


async def test_card_pulled_during_pin_entry(stack: tuple[PcscInfo, BackendInfo], tmp_path: Path) -> None:
    pcsc, server = stack
    app = KioskApp(card_settings(tmp_path, server, pcsc))
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("nie-valid")
        await wait_for_words(pilot, app, "EL IDRISSI")
        await pilot.press(*"Prova")
        pad = app.screen.query_one("#login-pinpad")
        assert getattr(pad, "length", 0) == 5
        pcsc.control.remove()
        await wait_until(pilot, lambda: app.session is None, timeout=3)
        assert_nothing_of(app, "nie-valid")
        assert not app.query("#login-pinpad")  # the pad, and what was typed, went with the screen
        assert not pad.is_attached


class _PullCardBeforeReply:
    """The backend client, but the card is pulled after the signature, before the session reply."""

    def __init__(self, real: BackendClient, control: TestCardControl, app: KioskApp) -> None:
        self.real = real
        self.control = control
        self.app = app
        self.logins: list[Login] = []

    def create_challenge(self) -> Any:
        return self.real.create_challenge()

    def login_with_certificate(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> Login:
        self.control.remove()
        deadline = time.monotonic() + 5
        while self.app.session is not None and time.monotonic() < deadline:
            time.sleep(0.02)  # the app ends the session while the reply is on its way
        login = self.real.login_with_certificate(challenge_id, certificate_der, signature)
        self.logins.append(login)
        return login

    def logout(self, token: str) -> None:
        self.real.logout(token)


async def test_card_pulled_between_signing_and_session_reply(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc, server = stack
    settings = card_settings(tmp_path, server, pcsc)
    app = KioskApp(settings)
    backend = _PullCardBeforeReply(BackendClient(settings), pcsc.control, app)
    app.backend = backend  # type: ignore[assignment]
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("dnie3-valid")
        await wait_for_words(pilot, app, "ESPAÑOLA ESPAÑOLA")
        await type_pin(pilot, PIN)
        await wait_until(pilot, lambda: bool(backend.logins), timeout=10)
        await pilot.pause(0.3)
        assert app.session is None
        assert_nothing_of(app, "dnie3-valid")
        token = backend.logins[0].token
        deadline = time.monotonic() + 5
        while token_alive(server, settings, token):
            assert time.monotonic() < deadline, "a session created after the card left was not revoked"
            await pilot.pause(0.1)


class _CountingBackend:
    """The backend client, recording the challenges it fetched and the one each login attempt used."""

    def __init__(self, real: BackendClient) -> None:
        self.real = real
        self.fetched: list[str] = []
        self.used: list[str] = []

    def create_challenge(self) -> Any:
        challenge = self.real.create_challenge()
        self.fetched.append(challenge.challenge_id)
        return challenge

    def login_with_certificate(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> Login:
        self.used.append(challenge_id)
        return self.real.login_with_certificate(challenge_id, certificate_der, signature)

    def logout(self, token: str) -> None:
        self.real.logout(token)


async def test_challenge_fetched_while_the_pin_is_typed_is_used_once(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc, server = stack
    settings = card_settings(tmp_path, server, pcsc)
    app = KioskApp(settings)
    backend = _CountingBackend(BackendClient(settings))
    app.backend = backend  # type: ignore[assignment]
    async with app.run_test(size=(110, 40)) as pilot:
        pcsc.control.insert("dnie3-valid")
        await wait_for_words(pilot, app, "ESPAÑOLA ESPAÑOLA")
        await wait_until(pilot, lambda: len(backend.fetched) == 1)  # before any PIN is typed
        await type_pin(pilot, WRONG)
        await wait_for_words(pilot, app, "You have 2 tries left")
        await wait_until(pilot, lambda: len(backend.fetched) == 2)  # a new one for the next attempt
        await type_pin(pilot, PIN)
        await wait_for_words(pilot, app, "Hello, Carmen")
        # The wrong PIN was refused by the card: its challenge was dropped, never sent, never reused.
        assert backend.used == [backend.fetched[1]]
        assert len(set(backend.fetched)) == 2
        pcsc.control.remove()
        await wait_until(pilot, lambda: app.session is None, timeout=3)
