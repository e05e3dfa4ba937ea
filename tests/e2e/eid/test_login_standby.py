"""The login screen built ahead of the next card (real pcscd + vpcd + SoftHSM2 + backend, Pilot).

It must hold nothing of anybody until a card goes in, be used for one citizen only, follow the language
chosen on the attract screen, and go with the session even when the card leaves before it was shown.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from eid.token import CardToken, TokenProvider
from kiosk.app import KioskApp
from kiosk.login import LoginScreen
from kiosk.login import screen as login_screen
from kiosk.screens.attract import AttractScreen
from testcards.tokens import TestCardTokens
from tests.e2e.eid.conftest import PIN, card_kiosk, card_out, type_pin
from tests.e2e.eid.test_card_login import assert_nothing_of
from tests.harness import Driver


def standby_of(app: KioskApp) -> LoginScreen | None:
    bridge = app.card_bridge
    assert bridge is not None
    return bridge.standby


@contextlib.asynccontextmanager
async def kiosk_ready(
    stack: tuple[PcscInfo, BackendInfo],
    tmp_path: Path,
    language: str = "en",
    cards: TokenProvider | None = None,
) -> AsyncIterator[tuple[KioskApp, Driver]]:
    """The kiosk on its attract screen, its login screen built ahead; reading the cards with `cards`."""
    async with card_kiosk(stack, tmp_path, language=language, cards=cards) as driver:
        await driver.wait_for(lambda: standby_of(driver.app) is not None, timeout=5)
        yield driver.app, driver


def standby_text(screen: LoginScreen) -> str:
    from textual.widgets import Static

    return " ".join(str(static.render()) for static in screen.query(Static))


class SlowCards:
    """The test cards' tokens, read as slowly as a real DNIe through OpenSC (about a second)."""

    def __init__(self, inner: TokenProvider, delay: float) -> None:
        self._inner = inner
        self._delay = delay

    def find(self, reader: str) -> CardToken:
        time.sleep(self._delay)
        return self._inner.find(reader)


def slow_cards(pcsc: PcscInfo, delay: float) -> SlowCards:
    return SlowCards(TestCardTokens(pcsc.pkcs11_module, pcsc.root), delay)


async def test_screen_built_ahead_holds_nobody_and_serves_one_citizen(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc = stack[0]
    async with kiosk_ready(stack, tmp_path, "ca") as (app, driver):
        first = standby_of(app)
        assert first is not None and first.state == "standby" and first.session is None
        assert isinstance(app.screen, AttractScreen)  # built, not shown
        # Not laid out either: its first real resume lays it out and draws it at once (no refresh tick).
        assert first.outer_size.area == 0
        assert "ESPAÑOLA" not in standby_text(first) and first.query_one("#login-holder").render() == ""

        pcsc.control.insert("dnie3-valid")
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        shown: Any = app.screen
        assert shown is first and app.card_bridge is not None and app.card_bridge.standby is None
        await type_pin(driver, PIN)
        await driver.wait_for("Hola, Carmen", words=True)
        await card_out(driver, pcsc)
        assert_nothing_of(driver, "dnie3-valid")
        assert not first.is_attached  # used once, gone with its citizen

        await driver.wait_for(lambda: standby_of(app) is not None, timeout=5)
        second = standby_of(app)
        assert second is not None and second is not first
        assert second.state == "standby" and "ESPAÑOLA" not in standby_text(second)


async def test_screen_built_ahead_follows_the_language(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc = stack[0]
    async with kiosk_ready(stack, tmp_path, "ca") as (app, driver):
        await app.change_language("es")
        await driver.wait_for(lambda: (s := standby_of(app)) is not None and s.language == "es", timeout=5)
        pcsc.control.insert("dnie3-valid")
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        assert "Identificación con la tarjeta" in driver.text()
        await card_out(driver, pcsc)
        # The next citizen starts in the kiosk's own language again, and so does the next login screen.
        await driver.wait_for(lambda: (s := standby_of(app)) is not None and s.language == "ca", timeout=5)


async def test_slow_card_shows_reading_then_the_holder(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc = stack[0]
    async with kiosk_ready(stack, tmp_path, cards=slow_cards(pcsc, 1.0)) as (app, driver):
        pcsc.control.insert("dnie3-valid")
        await driver.wait_for("Reading your card", timeout=5, words=True)
        assert isinstance(app.screen, LoginScreen) and "ESPAÑOLA" not in driver.text()
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        await card_out(driver, pcsc)


async def test_card_out_before_the_screen_built_ahead_was_shown(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path, monkeypatch: Any
) -> None:
    pcsc = stack[0]
    monkeypatch.setattr(login_screen, "READING_SHOWN_AFTER_SECONDS", 30.0)
    async with kiosk_ready(stack, tmp_path, cards=slow_cards(pcsc, 2.0)) as (app, driver):
        screen = standby_of(app)
        assert screen is not None
        pcsc.control.insert("dnie3-valid")
        await driver.wait_for(lambda: screen.state == "reading", timeout=5)
        assert isinstance(app.screen, AttractScreen)  # still reading, not shown yet
        await card_out(driver, pcsc)
        await driver.wait_for(lambda: not screen.is_attached, timeout=3)
        await driver.pause(2.5)  # the read finishes after the card left: nothing may be shown
        assert_nothing_of(driver, "dnie3-valid")
        assert screen not in app.screen_stack


class BrokenCards:
    """A token provider that fails in a way nobody planned for (a driver bug, say)."""

    def find(self, reader: str) -> CardToken:
        raise RuntimeError("driver exploded")


async def test_unexpected_error_while_reading_says_so_and_does_not_hang(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    pcsc = stack[0]
    async with kiosk_ready(stack, tmp_path, cards=BrokenCards()) as (app, driver):
        pcsc.control.insert("dnie3-valid")
        await driver.wait_for("The kiosk could not complete this step", words=True)
        assert "Take your card out of the reader" in driver.text()
        assert "driver exploded" not in driver.text()
        await card_out(driver, pcsc)


def drawn_styles(screen: LoginScreen) -> list[tuple[str, str, str]]:
    return [(str(w), str(w.styles.color), str(w.styles.background)) for w in screen.query("*")]


async def test_screen_built_ahead_takes_a_low_vision_mode_chosen_after_it(
    stack: tuple[PcscInfo, BackendInfo], tmp_path: Path
) -> None:
    """The screen built ahead skips its restyle when shown only if nothing its styles depend on changed:
    high contrast chosen on the attract screen after it was built must show on the login screen."""
    pcsc = stack[0]
    async with kiosk_ready(stack, tmp_path, "ca") as (app, driver):
        built = standby_of(app)
        assert built is not None
        before = drawn_styles(built)
        await driver.click("#high-contrast")
        await driver.wait_for(lambda: app.has_class("-high-contrast"), what="high contrast on")
        pcsc.control.insert("dnie3-valid")
        await driver.wait_for("ESPAÑOLA ESPAÑOLA", words=True)
        shown: Any = app.screen
        assert shown is built
        drawn = drawn_styles(shown)
        assert drawn != before  # the high-contrast colours, not those it was built with
        shown.update_node_styles(animate=False)
        assert drawn_styles(shown) == drawn  # nothing left to restyle
        await card_out(driver, pcsc)
