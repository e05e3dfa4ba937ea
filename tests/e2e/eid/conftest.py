"""The card login end to end: real pcscd + vpcd + SoftHSM2 test cards, the reference backend trusting the
test cards' CAs (and reading their CRLs, which list the revoked card), and the kiosk app driven by Pilot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack import backend
from devstack.pcsc import PcscInfo
from kiosk.config import Settings
from tests.fixtures.app import make_settings, screen_text


@pytest.fixture(scope="session")
def eid_backend(pcsc_stack: PcscInfo) -> Iterator[backend.BackendInfo]:
    with backend.running(
        trust_anchors=pcsc_stack.cards.ca_dir,
        crls=pcsc_stack.cards.crl_dir,
        training=True,
    ) as info:
        yield info


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


def flat_text(app: Any) -> str:
    """The screen's text with every run of whitespace as one space, so wrapped sentences can be found."""
    return " ".join(screen_text(app).split())


async def wait_for_words(pilot: Any, app: Any, text: str, timeout: float = 10.0) -> str:
    """Like `wait_for_text`, across line wraps."""
    deadline = time.monotonic() + timeout
    shown = flat_text(app)
    while text not in shown:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear; the screen shows:\n{screen_text(app)}")
        await pilot.pause(0.05)
        shown = flat_text(app)
    return shown
