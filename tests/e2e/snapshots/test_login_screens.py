"""Golden screens of the card login, at 120x40 and 80x24: reading, PIN pad, wrong PIN with tries left,
PIN locked, expired certificate, untrusted and revoked certificates, unsupported card, contactless
reading and finalised DNIe, and the greeting.

The login screen reads the card through the card provider the app is given (`make_app(settings, cards=...)`):
here `FakeCards`, whose certificates have fixed dates (the test cards' are made relative to the day the
stack was provisioned, so their "valid until" and expiry dates change from day to day). The signature
and the certificate chain are checked by the pinned backend for real: untrusted, revoked and accepted
are its answers.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from devstack.backend import BackendInfo
from eid.atr import parse_atr
from eid.errors import PinLocked, WrongPin
from kiosk.login import CardBridge
from kiosk.login.screen import LoginScreen
from tests.e2e.snapshots.conftest import (
    REVOKED_SERIAL,
    FakeCards,
    FakeCardToken,
    Pki,
    Shots,
    certificate,
    snapshot_app,
)
from tests.harness import Driver, drive

DNIE3 = parse_atr("3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 01 55 04 21 03 90 00")
FINALISED = parse_atr("3B 7F 96 00 00 00 6A 44 4E 49 65 00 01 01 55 04 21 0F 65 81")
CONTACTLESS = parse_atr("3B 88 80 01 E1 F3 5E 11 77 81 A1 00 03")
READER = "Virtual PCD 00 00"
PIN = "Prova2026"


async def insert(driver: Driver, cards: FakeCards, atr: bytes = DNIE3) -> LoginScreen:
    """A card goes in: the login screen starts on it (as the bridge does when the watcher reports it)."""
    app = driver.app
    app.cards = cards
    app.begin_session()
    screen = LoginScreen(CardBridge(app, start_watcher=False), READER, atr)
    await app.push_screen(screen)
    await driver.pause()
    return screen


async def remove(driver: Driver) -> None:
    """The card comes out: the session ends and every screen above the attract screen goes."""
    from kiosk.session import EndReason

    driver.app.end_session(EndReason.CARD_REMOVED)
    await driver.wait_for(lambda: len(driver.app.screen_stack) == 1, what="the attract screen")


async def said(driver: Driver, phrase: str, where: str = "#login-error") -> None:
    """Wait until the login screen's `where` says `phrase` (read from the widget: no wrapping)."""
    await driver.wait_for(
        lambda: isinstance(driver.app.screen, LoginScreen) and phrase in driver.text_of(where),
        what=repr(phrase),
    )


async def pin(driver: Driver, value: str) -> None:
    await driver.wait_for(lambda: driver.app.screen.query_one("PinPad").display, what="the PIN pad")
    await driver.press(*value, "enter")


async def test_login_states(tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots) -> None:
    der, key = certificate(snapshot_pki.trusted)
    app = snapshot_app(tmp_path, server)
    async with drive(app, size=(80, 24)) as driver:
        # Reading: the card takes its time.
        ready = threading.Event()
        answers: dict[str, Any] = {PIN: "ok", "11111111": WrongPin(2), "22222222": WrongPin(1)}
        await insert(driver, FakeCards(FakeCardToken(der, key, answers), ready))
        await said(driver, "S'està llegint la targeta", "#login-status")
        await shots.take(driver, "reading")
        ready.set()
        await driver.wait_for(lambda: app.screen.query_one("PinPad").display, what="the PIN pad")
        await shots.take(driver, "pin-pad")
        await driver.press(*"1234")
        await shots.take(driver, "pin-pad-typing")
        await driver.press("backspace", "backspace", "backspace", "backspace")
        await pin(driver, "11111111")
        await said(driver, "Us queden 2 intents")
        await shots.take(driver, "wrong-pin-2-tries-left")
        await pin(driver, "22222222")
        await said(driver, "un sol intent")
        await shots.take(driver, "wrong-pin-last-try")
        await pin(driver, PIN)
        await said(driver, "Hola,", "#login-title")
        await shots.take(driver, "greeting")
        await remove(driver)

        # The PIN is locked.
        await insert(driver, FakeCards(FakeCardToken(der, key, {PIN: PinLocked()})))
        await pin(driver, PIN)
        await said(driver, "bloquejat")
        await shots.take(driver, "locked")
        await remove(driver)

        # Expired: said before any PIN.
        old, old_key = certificate(
            snapshot_pki.trusted,
            not_before=dt.datetime(2020, 1, 10, tzinfo=dt.UTC),
            not_after=dt.datetime(2025, 1, 10, tzinfo=dt.UTC),
            serial=0x5A9B0000000000000000000000000200,
        )
        await insert(driver, FakeCards(FakeCardToken(old, old_key, {PIN: "ok"})))
        await said(driver, "10/01/2025")
        await shots.take(driver, "expired")
        await remove(driver)

        # Untrusted (a CA the city does not recognise) and revoked: the backend's answers.
        stranger, stranger_key = certificate(
            snapshot_pki.untrusted, serial=0x5A9B0000000000000000000000000300
        )
        await insert(driver, FakeCards(FakeCardToken(stranger, stranger_key, {PIN: "ok"})))
        await pin(driver, PIN)
        await said(driver, "no l'ha emès")
        await shots.take(driver, "untrusted")
        await remove(driver)
        revoked, revoked_key = certificate(snapshot_pki.trusted, serial=REVOKED_SERIAL)
        await insert(driver, FakeCards(FakeCardToken(revoked, revoked_key, {PIN: "ok"})))
        await pin(driver, PIN)
        await said(driver, "revocat")
        await shots.take(driver, "revoked")
        await remove(driver)

        # A card with no certificate the kiosk can use; a DNIe read through its antenna; a finalised DNIe.
        await insert(driver, FakeCards(None))
        await said(driver, "no serveix per identificar")
        await shots.take(driver, "unsupported")
        await remove(driver)
        await insert(driver, FakeCards(None), CONTACTLESS)
        await said(driver, "antena")
        await shots.take(driver, "contactless")
        await remove(driver)
        await insert(driver, FakeCards(None), FINALISED)
        await said(driver, "desactivat")
        await shots.take(driver, "finalised")
        await remove(driver)
    shots.check()
