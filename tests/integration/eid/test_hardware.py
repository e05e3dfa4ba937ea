"""A real card in a real reader, for a city's IT team: skipped unless OVAC_HARDWARE_READER names a reader.

    OVAC_HARDWARE_READER="<reader name or prefix, see pcsc_scan>" \
    OVAC_PKCS11_MODULE=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so \
    [OVAC_HARDWARE_PIN=...  # only to test the signature too; the PIN is used once and never printed] \
    .venv/bin/pytest -m hardware tests/integration/eid/test_hardware.py -s

Needs the system pcscd running with the reader plugged in, and the card inserted before the test starts
(or within 30 s). Checks what the virtual cards cannot: the card's real ATR is classified as a supported
DNIe (or a card PKCS#11 can read), OpenSC's slot for that reader holds `CertAutenticacion`, the subject
parses into a citizen with a valid check letter, and (with a PIN) one SHA256-RSA signature made by the
authentication key verifies against the certificate.
"""

from __future__ import annotations

import os
import queue
from pathlib import Path
from typing import Any

import pytest

from eid.atr import CardKind, classify, format_atr
from eid.identity import citizen_from_certificate, is_valid_id
from eid.pcsc import CardInserted, PcscWatcher
from eid.token import Pkcs11Tokens

READER = os.environ.get("OVAC_HARDWARE_READER", "")
MODULE = Path(os.environ.get("OVAC_PKCS11_MODULE", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"))

pytestmark = [
    pytest.mark.hardware,
    pytest.mark.skipif(not READER, reason="set OVAC_HARDWARE_READER to a reader with a real card in it"),
]


def _inserted_card() -> CardInserted:
    events: queue.Queue[Any] = queue.Queue()
    watcher = PcscWatcher(events.put, readers=[READER])
    watcher.start()
    try:
        while True:
            event = events.get(timeout=30)
            if isinstance(event, CardInserted):
                return event
    finally:
        watcher.stop()


def test_real_card_end_to_end() -> None:
    card = _inserted_card()
    kind = classify(card.atr)
    print(f"\nreader {card.reader}: ATR {format_atr(card.atr)} -> {kind.value}")
    assert kind not in (CardKind.CONTACTLESS, CardKind.DNIE_FINALISED), "insert a usable card, chip first"
    token = Pkcs11Tokens(MODULE).find(card.reader)
    certificate = token.authentication_certificate()
    citizen = citizen_from_certificate(certificate.der)
    assert is_valid_id(citizen.id_number)
    assert citizen.given_name and citizen.surnames
    print(
        f"certificate '{certificate.label}' issued by {citizen.issuer}, "
        f"valid until {citizen.not_after:%Y-%m-%d}"
    )
    pin = os.environ.get("OVAC_HARDWARE_PIN")
    if not pin:
        pytest.skip("no OVAC_HARDWARE_PIN: certificate read and parsed; signature not tested")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    nonce = os.urandom(32)
    signature = token.sign_challenge(pin, nonce, certificate)
    key = certificate.certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
