"""Golden screens of the card login, at 120x40 and 80x24: reading, PIN pad, wrong PIN with tries left,
PIN locked, expired certificate, untrusted and revoked certificates, unsupported card, contactless
reading and finalised DNIe, and the greeting.

The login screen reads the card through the card provider the app is given (`KioskApp(cards=...)`):
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
from tests.e2e.procedures.helpers import wait_for
from tests.e2e.snapshots.conftest import (
    REVOKED_SERIAL,
    FakeCards,
    FakeCardToken,
    Pki,
    Shots,
    certificate,
    snapshot_app,
)
from tests.harness import Driver

DNIE3 = parse_atr("3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 01 55 04 21 03 90 00")
FINALISED = parse_atr("3B 7F 96 00 00 00 6A 44 4E 49 65 00 01 01 55 04 21 0F 65 81")
CONTACTLESS = parse_atr("3B 88 80 01 E1 F3 5E 11 77 81 A1 00 03")
READER = "Virtual PCD 00 00"
PIN = "Prova2026"


async def insert(pilot: Any, cards: FakeCards, atr: bytes = DNIE3) -> LoginScreen:
    """A card goes in: the login screen starts on it (as the bridge does when the watcher reports it)."""
    app = pilot.app
    app.cards = cards
    app.begin_session()
    screen = LoginScreen(CardBridge(app, start_watcher=False), READER, atr)
    await app.push_screen(screen)
    await pilot.pause()
    return screen


async def remove(pilot: Any) -> None:
    """The card comes out: the session ends and every screen above the attract screen goes."""
    from kiosk.session import EndReason

    pilot.app.end_session(EndReason.CARD_REMOVED)
    await wait_for(pilot, lambda: len(pilot.app.screen_stack) == 1, "the attract screen")


async def said(pilot: Any, phrase: str, where: str = "#login-error") -> None:
    """Wait until the login screen's `where` says `phrase` (read from the widget: no wrapping)."""
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, LoginScreen) and phrase in Driver(pilot).text_of(where),
        repr(phrase),
    )


async def pin(pilot: Any, value: str) -> None:
    await wait_for(pilot, lambda: pilot.app.screen.query_one("PinPad").display, "the PIN pad")
    await pilot.press(*value, "enter")


async def test_login_states(tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots) -> None:
    der, key = certificate(snapshot_pki.trusted)
    app = snapshot_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        # Reading: the card takes its time.
        ready = threading.Event()
        answers: dict[str, Any] = {PIN: "ok", "11111111": WrongPin(2), "22222222": WrongPin(1)}
        await insert(pilot, FakeCards(FakeCardToken(der, key, answers), ready))
        await said(pilot, "S'està llegint la targeta", "#login-status")
        await shots.take(pilot, "reading")
        ready.set()
        await wait_for(pilot, lambda: app.screen.query_one("PinPad").display, "the PIN pad")
        await shots.take(pilot, "pin-pad")
        await pilot.press(*"1234")
        await shots.take(pilot, "pin-pad-typing")
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await pin(pilot, "11111111")
        await said(pilot, "Us queden 2 intents")
        await shots.take(pilot, "wrong-pin-2-tries-left")
        await pin(pilot, "22222222")
        await said(pilot, "un sol intent")
        await shots.take(pilot, "wrong-pin-last-try")
        await pin(pilot, PIN)
        await said(pilot, "Hola,", "#login-title")
        await shots.take(pilot, "greeting")
        await remove(pilot)

        # The PIN is locked.
        await insert(pilot, FakeCards(FakeCardToken(der, key, {PIN: PinLocked()})))
        await pin(pilot, PIN)
        await said(pilot, "bloquejat")
        await shots.take(pilot, "locked")
        await remove(pilot)

        # Expired: said before any PIN.
        old, old_key = certificate(
            snapshot_pki.trusted,
            not_before=dt.datetime(2020, 1, 10, tzinfo=dt.UTC),
            not_after=dt.datetime(2025, 1, 10, tzinfo=dt.UTC),
            serial=0x5A9B0000000000000000000000000200,
        )
        await insert(pilot, FakeCards(FakeCardToken(old, old_key, {PIN: "ok"})))
        await said(pilot, "10/01/2025")
        await shots.take(pilot, "expired")
        await remove(pilot)

        # Untrusted (a CA the city does not recognise) and revoked: the backend's answers.
        stranger, stranger_key = certificate(
            snapshot_pki.untrusted, serial=0x5A9B0000000000000000000000000300
        )
        await insert(pilot, FakeCards(FakeCardToken(stranger, stranger_key, {PIN: "ok"})))
        await pin(pilot, PIN)
        await said(pilot, "no l'ha emès")
        await shots.take(pilot, "untrusted")
        await remove(pilot)
        revoked, revoked_key = certificate(snapshot_pki.trusted, serial=REVOKED_SERIAL)
        await insert(pilot, FakeCards(FakeCardToken(revoked, revoked_key, {PIN: "ok"})))
        await pin(pilot, PIN)
        await said(pilot, "revocat")
        await shots.take(pilot, "revoked")
        await remove(pilot)

        # A card with no certificate the kiosk can use; a DNIe read through its antenna; a finalised DNIe.
        await insert(pilot, FakeCards(None))
        await said(pilot, "no serveix per identificar")
        await shots.take(pilot, "unsupported")
        await remove(pilot)
        await insert(pilot, FakeCards(None), CONTACTLESS)
        await said(pilot, "antena")
        await shots.take(pilot, "contactless")
        await remove(pilot)
        await insert(pilot, FakeCards(None), FINALISED)
        await said(pilot, "desactivat")
        await shots.take(pilot, "finalised")
        await remove(pilot)
    shots.check()
