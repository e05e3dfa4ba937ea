"""The card login end to end: real pcscd + vpcd + SoftHSM2 test cards, the reference backend trusting the
test cards' CAs (and reading their CRLs, which list the revoked card), and the kiosk app driven by
tests.harness. The kiosk of these tests watches every virtual reader."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.message import Message

from devstack import backend
from devstack.pcsc import PcscInfo
from eid.token import TokenProvider
from kiosk.backend.client import BackendClient
from kiosk.config import Settings
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import card_trusting_backend
from tests.fixtures.app import make_settings
from tests.harness import Driver, drive, make_app

#: The PIN of every test card.
PIN = "Prova2026"
#: The terminal of the card-login tests.
SIZE = (110, 40)


@pytest.fixture(scope="session")
def eid_backend(pcsc_stack: PcscInfo) -> Iterator[backend.BackendInfo]:
    with card_trusting_backend(pcsc_stack) as info:
        yield info


@pytest.fixture
def stack(
    pcsc_stack: PcscInfo, eid_backend: backend.BackendInfo, testcards: TestCardControl
) -> tuple[PcscInfo, backend.BackendInfo]:
    """The readers (emptied and their PIN counters reset after the test) and the backend trusting them."""
    return pcsc_stack, eid_backend


def card_settings(
    tmp_path: Path, server: backend.BackendInfo, pcsc: PcscInfo, language: str = "en"
) -> Settings:
    return make_settings(
        tmp_path,
        kiosk={"id": server.kiosk_id},
        backend={"url": server.url, "kiosk_key": server.kiosk_key},
        eid={"pkcs11_module": str(pcsc.pkcs11_module)},
        ui={"default_language": language},
    )


@asynccontextmanager
async def card_kiosk(
    stack: tuple[PcscInfo, backend.BackendInfo],
    tmp_path: Path,
    *,
    language: str = "en",
    client: BackendClient | None = None,
    cards: TokenProvider | None = None,
    message_hook: Callable[[Message], None] | None = None,
) -> AsyncIterator[Driver]:
    """The kiosk on `stack` (`card_settings`; the backend client `client` and the card provider `cards`
    if given), running."""
    pcsc, server = stack
    settings = card_settings(tmp_path, server, pcsc, language=language)
    app = make_app(settings, backend=client, cards=cards)
    async with drive(app, size=SIZE, message_hook=message_hook) as driver:
        yield driver


async def type_pin(driver: Driver, pin: str) -> None:
    await driver.press(*pin)
    await driver.press("enter")


async def login_with_card(driver: Driver, pcsc: PcscInfo, card: str, shows: str, pin: str = PIN) -> None:
    """Insert `card`; once the login screen shows `shows` (the holder's name as read from the card, or
    the PIN prompt), type `pin`."""
    pcsc.control.insert(card)
    await driver.wait_for(shows, words=True)
    await type_pin(driver, pin)


async def card_out(driver: Driver, pcsc: PcscInfo) -> None:
    """Take the card out of the reader; wait until the kiosk has ended the session."""
    pcsc.control.remove()
    await driver.wait_for(lambda: driver.app.session is None, timeout=3)
