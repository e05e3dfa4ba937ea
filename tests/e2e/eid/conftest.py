"""The card login end to end: real pcscd + vpcd + SoftHSM2 test cards, the reference backend trusting the
test cards' CAs (and reading their CRLs, which list the revoked card), and the kiosk app driven by
tests.harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import backend
from devstack.pcsc import PcscInfo
from kiosk.config import Settings
from tests.fixtures.app import make_settings


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
