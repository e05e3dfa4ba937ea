"""PKCS#11 on the test cards: SoftHSM2's real C_Login / C_Sign behind the test cards' provider (reader →
inserted card → token), through eid's `CardToken` as for a real card."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pkcs11 import TokenFlag

from devstack.pcsc import PcscInfo
from eid.errors import CardRemoved, PinLocked, TokenNotFound, WrongPin
from eid.identity import Validity, citizen_from_certificate
from eid.token import (
    AUTH_CERT_LABEL,
    CardCertificate,
    CardToken,
    TokenProvider,
    open_tokens,
    tries_from_flags,
)
from testcards.citizens import load_cards
from testcards.control import TestCardControl
from testcards.tokens import TestCardTokens
from testcards.vpcd import VPCD_READERS

READER0 = VPCD_READERS[0]
CARDS = load_cards()
WITH_TOKEN = [name for name, card in CARDS.items() if card.citizen is not None]
NONCE = b"\x01\x02nonce-from-the-backend\xff"


@pytest.fixture
def tokens(pcsc_stack: PcscInfo) -> TokenProvider:
    return TestCardTokens(pcsc_stack.pkcs11_module, pcsc_stack.root)


def _insert(
    name: str, testcards: TestCardControl, tokens: TokenProvider
) -> tuple[CardToken, CardCertificate]:
    """Insert test card `name` into reader 0: its token and authentication certificate."""
    testcards.insert(name)
    token = tokens.find(READER0)
    return token, token.authentication_certificate()


def _verify(der: bytes, signature: bytes) -> None:
    from cryptography import x509

    key = x509.load_der_x509_certificate(der).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, NONCE, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("name", WITH_TOKEN)
def test_certificate_read_without_pin_names_the_holder(
    name: str, testcards: TestCardControl, tokens: TokenProvider
) -> None:
    testcards.insert(name)
    cert = tokens.find(READER0).authentication_certificate()
    citizen = citizen_from_certificate(cert.der)
    expected = CARDS[name].citizen
    assert expected is not None
    assert citizen.id_number == expected.id_number
    assert citizen.given_name == expected.given_name
    assert citizen.surnames == expected.surnames
    assert (citizen.validity() is Validity.EXPIRED) == (expected.cert == "expired")
    if expected.issuer == "aoc":
        assert cert.label != AUTH_CERT_LABEL  # found by key usage, not by the DNIe label
        assert citizen.id_number in str(citizen_from_certificate(cert.der).id_number)


@pytest.mark.parametrize("name", ["dnie3-valid", "dnie2-valid", "aoc-valid", "nie-valid"])
def test_login_and_sign_with_the_authentication_key(
    name: str, testcards: TestCardControl, tokens: TokenProvider
) -> None:
    token, cert = _insert(name, testcards, tokens)
    citizen = CARDS[name].citizen
    assert citizen is not None
    signature = token.sign_challenge(citizen.pin, NONCE, cert)
    _verify(cert.der, signature)  # signed by the authentication key, never the signature (FIRMA) key


def test_wrong_pin_reports_tries_left_then_locks(testcards: TestCardControl, tokens: TokenProvider) -> None:
    token, cert = _insert("dnie3-valid", testcards, tokens)
    with pytest.raises(WrongPin) as first:
        token.sign_challenge("Wrong0000", NONCE, cert)
    assert first.value.tries_left == 2 and not first.value.final_try
    with pytest.raises(WrongPin) as second:
        token.sign_challenge("Wrong0000", NONCE, cert)
    assert second.value.tries_left == 1 and second.value.final_try
    with pytest.raises(PinLocked):
        token.sign_challenge("Wrong0000", NONCE, cert)
    with pytest.raises(PinLocked):  # locked: even the right PIN is refused
        token.sign_challenge("Prova2026", NONCE, cert)


def test_a_right_pin_resets_the_counter(testcards: TestCardControl, tokens: TokenProvider) -> None:
    token, cert = _insert("dnie2-valid", testcards, tokens)
    with pytest.raises(WrongPin):
        token.sign_challenge("Wrong0000", NONCE, cert)
    _verify(cert.der, token.sign_challenge("Prova2026", NONCE, cert))
    with pytest.raises(WrongPin) as again:
        token.sign_challenge("Wrong0000", NONCE, cert)
    assert again.value.tries_left == 2


def test_pin_at_its_last_try(testcards: TestCardControl, tokens: TokenProvider) -> None:
    token, cert = _insert("pin-last-try", testcards, tokens)
    with pytest.raises(PinLocked):
        token.sign_challenge("Wrong0000", NONCE, cert)


def test_pin_at_its_last_try_accepts_the_right_pin(testcards: TestCardControl, tokens: TokenProvider) -> None:
    token, cert = _insert("pin-last-try", testcards, tokens)
    _verify(cert.der, token.sign_challenge("Prova2026", NONCE, cert))


def test_locked_pin(testcards: TestCardControl, tokens: TokenProvider) -> None:
    token, cert = _insert("pin-locked", testcards, tokens)  # certificates stay readable on a locked card
    with pytest.raises(PinLocked):
        token.sign_challenge("Prova2026", NONCE, cert)


@pytest.mark.parametrize("name", ["contactless", "unsupported"])
def test_cards_without_a_token(name: str, testcards: TestCardControl, tokens: TokenProvider) -> None:
    testcards.insert(name)
    with pytest.raises(TokenNotFound):
        tokens.find(READER0)


def test_empty_reader_has_no_token(testcards: TestCardControl, tokens: TokenProvider) -> None:
    with pytest.raises(TokenNotFound):
        tokens.find(READER0)


def test_card_pulled_before_signing(testcards: TestCardControl, tokens: TokenProvider) -> None:
    token, cert = _insert("dnie3-valid", testcards, tokens)
    testcards.remove()
    with pytest.raises(CardRemoved):
        token.sign_challenge("Prova2026", NONCE, cert)


def test_eid_reads_no_test_card_whatever_the_environment(
    pcsc_stack: PcscInfo, testcards: TestCardControl, tokens: TokenProvider
) -> None:
    """The stack sets OVAC_TESTCARDS_DIR and SOFTHSM2_CONF in this process, and a test card is in the
    reader: eid's own provider still looks for a slot named after the reader (as OpenSC names them), and
    finds none; only the test cards' provider, chosen by the config, maps the reader to its token."""
    assert os.environ.get("OVAC_TESTCARDS_DIR") == str(pcsc_stack.root)
    testcards.insert("dnie3-valid")
    assert tokens.find(READER0).authentication_certificate()
    with pytest.raises(TokenNotFound):
        open_tokens(pcsc_stack.pkcs11_module).find(READER0)


def test_tries_from_flags() -> None:
    assert tries_from_flags(TokenFlag(0), 3) is None
    assert tries_from_flags(TokenFlag.USER_PIN_COUNT_LOW, 3) == 2
    assert tries_from_flags(TokenFlag.USER_PIN_COUNT_LOW, None) is None
    assert tries_from_flags(TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY, 3) == 1
    assert tries_from_flags(TokenFlag.USER_PIN_LOCKED, None) == 0
