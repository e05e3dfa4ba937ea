"""A home-made card whose certificate names hold markup and a terminal control, on the real stack
(pcscd + vpcd + SoftHSM2 + the reference backend): the login screen and the greeting show the names as
they are, nothing in them runs.

The card is test-only (`testcards.extra`): provisioned by this test into the stack's folder with the
folder's trusted test CA and removed after it, so the trainers' list never shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from eid.identity import citizen_from_certificate
from kiosk.login import LoginScreen
from testcards import extra
from testcards.control import TestCardControl
from testcards.pki import make_ca
from tests.e2e.eid.conftest import card_settings
from tests.harness import drive, make_app
from widgets.plain import shown

CARD = extra.HOSTILE_NAMES
PIN = "Prova2026"
#: Where the screenshot link in the card's given name would write.
SCREENSHOT_DIR = Path("/some/dir")


@pytest.fixture
def hostile_card(
    pcsc_stack: PcscInfo, eid_backend: BackendInfo, testcards: TestCardControl
) -> Iterator[tuple[PcscInfo, BackendInfo, str, str, str]]:
    """The card provisioned under a name of its own (a token is made once per name and stack folder):
    (stack, backend, card name, holder's full name, greeting name) as the kiosk reads them."""
    card = replace(CARD, name=f"{CARD.name}-{uuid.uuid4().hex[:6]}")
    with extra.added(pcsc_stack.cards, card) as creds:
        citizen = citizen_from_certificate(creds.auth_cert.public_bytes(Encoding.DER))
        yield pcsc_stack, eid_backend, card.name, citizen.full_name, citizen.display_name


def test_the_card_carries_the_hostile_names() -> None:
    assert CARD.citizen is not None
    creds = extra.credentials(CARD.citizen, make_ca("dnie"))
    citizen = citizen_from_certificate(creds.auth_cert.public_bytes(Encoding.DER))
    for markup in (extra.QUIT_MARKUP, extra.SCREENSHOT_MARKUP, extra.LONE_CLOSE, extra.MISMATCHED):
        assert markup in citizen.full_name
    assert extra.CLEAR_SCREEN in citizen.full_name
    assert extra.SCREENSHOT_MARKUP.lower() in citizen.display_name.lower()
    cn = creds.auth_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert extra.CN_MARKUP in str(cn) and extra.CLEAR_SCREEN in str(cn)


async def test_hostile_names_are_shown_literally_and_run_nothing(
    hostile_card: tuple[PcscInfo, BackendInfo, str, str, str], tmp_path: Path
) -> None:
    pcsc, server, card, full_name, greeting_name = hostile_card
    assert not SCREENSHOT_DIR.exists()
    settings = card_settings(tmp_path, server, pcsc, language="ca")
    app = make_app(settings)
    async with drive(app, size=(110, 40)) as driver:
        await driver.pause(0.3)
        pcsc.control.insert(card)
        # The holder, literally: every bracket as written, ESC as its visible picture.
        literal = shown(full_name)
        assert "\N{SYMBOL FOR ESCAPE}[2J" in literal
        await driver.wait_for(literal, words=True)
        assert isinstance(app.screen, LoginScreen)
        assert "\x1b" not in driver.text()

        # Touch the would-be links: nothing runs.
        for target in ("TOCA", "FOTO"):
            x, y = driver.where(target)
            await driver.click(offset=(x + 1, y))
            await driver.pause(0.2)
            assert app.is_running and app.return_code is None
            assert isinstance(app.screen, LoginScreen)
        assert not SCREENSHOT_DIR.exists()

        # The PIN goes to the backend, which accepts the chain (the trusted test CA issued the card): the
        # greeting shows the given name literally too.
        await driver.press(*PIN)
        await driver.press("enter")
        await driver.wait_for(f"Hola, {shown(greeting_name)}", words=True)
        session = app.session
        assert session is not None and session.token is not None
        x, y = driver.where("foto")
        await driver.click(offset=(x + 1, y))
        await driver.pause(0.2)
        assert app.is_running and app.return_code is None
        assert not SCREENSHOT_DIR.exists()

        await driver.wait_for(lambda: not isinstance(app.screen, LoginScreen))
        pcsc.control.remove()
        await driver.wait_for(lambda: app.session is None, timeout=3)
        assert "TOCA AQUI" not in driver.words()
    assert app.return_code in (None, 0)
    assert not SCREENSHOT_DIR.exists()
