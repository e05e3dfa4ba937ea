"""PKCS#11 token access: read the authentication certificate, log in, sign one challenge, log out.

The module path comes from the kiosk's config: OpenSC's `opensc-pkcs11.so` on a real kiosk (one slot per
reader, slot description = reader name). The layer is narrow on purpose: `TokenProvider.find(reader) ->
CardToken`, `CardToken.authentication_certificate()` and `CardToken.sign_challenge(pin, challenge)`.
PKCS#11 errors become the typed errors of `eid.errors`; the tries left after a wrong PIN come from the
token flags (COUNT_LOW / FINAL_TRY / LOCKED), which a real card updates only after a failure.

This module knows nothing of the virtual test cards: they are a `TokenProvider` of their own (the
top-level `testcards` package, over SoftHSM2), which the kiosk's composition root (`kiosk.cli`) picks
from the config in training mode only.

The PIN is an argument of one call and nothing else: never stored, never logged.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pkcs11
import pkcs11.exceptions as p11
from cryptography import x509
from pkcs11 import Attribute, Mechanism, ObjectClass, TokenFlag

from eid.errors import CardRemoved, PinLocked, TokenNotFound, UnsupportedCard, WrongPin

log = logging.getLogger(__name__)

#: Labels OpenSC gives the DNIe's authentication certificate and key.
AUTH_CERT_LABEL = "CertAutenticacion"
#: A DNIe allows three tries: COUNT_LOW without FINAL_TRY then means two are left.
DNIE_MAX_TRIES = 3

#: PKCS#11 libraries are not assumed to be thread-safe (we initialise them without locking callbacks):
#: every call into one, by any token provider, holds this lock.
PKCS11_LOCK = threading.RLock()

#: What python-pkcs11 raises when the card (or its reader) left during a call.
CARD_GONE = (
    p11.TokenNotPresent,
    p11.DeviceRemoved,
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.TokenNotRecognised,
    p11.SlotIDInvalid,
    p11.DeviceError,
)


@dataclass(frozen=True)
class CardCertificate:
    """A certificate object on the card and the CKA_ID that pairs it with its private key."""

    label: str
    key_id: bytes
    der: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)


def tries_from_flags(flags: TokenFlag, max_tries: int | None) -> int | None:
    """Tries left as the token flags tell them after a failure; None when they do not say."""
    if flags & TokenFlag.USER_PIN_LOCKED:
        return 0
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return 1
    if flags & TokenFlag.USER_PIN_COUNT_LOW and max_tries == DNIE_MAX_TRIES:
        return DNIE_MAX_TRIES - 1
    return None


def is_authentication_certificate(cert: x509.Certificate) -> bool:
    """digitalSignature without nonRepudiation, and not a CA: the certificate a card logs in with."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except x509.ExtensionNotFound:
        pass
    return usage.digital_signature and not usage.content_commitment


class CardToken:
    """The PKCS#11 token of the card in one reader."""

    def __init__(self, token: Any, *, max_tries: int | None = DNIE_MAX_TRIES) -> None:
        self._token = token
        self._max_tries = max_tries

    @property
    def label(self) -> str:
        return str(self._token.label)

    # -- the hooks a test token layer overrides ----------------------------------------------------------
    def _check_present(self) -> None:
        """Raise a PKCS#11 'token not present' error if the card has left (a real module does it itself)."""

    def _token_flags(self) -> TokenFlag:
        """The token's flags now (re-read: a card changes them after each failed login)."""
        fresh = self._token.slot.get_token()
        return TokenFlag(fresh.flags)

    def _open_user_session(self, pin: str) -> Any:
        """C_OpenSession + C_Login(CKU_USER)."""
        return self._token.open(user_pin=pin)

    # -- the operations ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
            tries = self._tries_after_failure()
            if tries == 0:
                raise PinLocked() from None
            raise WrongPin(tries) from None
        except p11.PinLocked:
            raise PinLocked() from None
        except CARD_GONE:
            raise CardRemoved("the card left the reader during a PKCS#11 call") from None
        except p11.NoSuchKey:
            raise UnsupportedCard("no private key matches the authentication certificate") from None

    def _tries_after_failure(self) -> int | None:
        try:
            return tries_from_flags(self._token_flags(), self._max_tries)
        except p11.PKCS11Error:
            return None

    def certificates(self, label: str | None = None) -> list[CardCertificate]:
        """Every certificate object on the card (or those labelled `label`), read without the PIN."""
        found: list[CardCertificate] = []
        template: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.CERTIFICATE}
        if label is not None:
            template[Attribute.LABEL] = label
        with PKCS11_LOCK, self._errors():
            self._check_present()
            session = self._token.open()
        with PKCS11_LOCK, self._errors(), session:
            for obj in session.get_objects(template):
                found.append(
                    CardCertificate(
                        label=obj[Attribute.LABEL], key_id=obj[Attribute.ID], der=obj[Attribute.VALUE]
                    )
                )
        return found

    def authentication_certificate(self) -> CardCertificate:
        """`CertAutenticacion`, or else the first certificate fit for authentication (AOC and others)."""
        # Asked for by its label first: a real card then sends one certificate, not all of them.
        labelled = self.certificates(label=AUTH_CERT_LABEL)
        if labelled:
            return labelled[0]
        for cert in self.certificates():
            try:
                if is_authentication_certificate(cert.certificate):
                    return cert
            except ValueError:
                continue
        raise UnsupportedCard("the card holds no authentication certificate")

    def sign_challenge(self, pin: str, challenge: bytes, cert: CardCertificate) -> bytes:
        """Log in with `pin`, sign `challenge` once (RSA PKCS#1 v1.5, SHA-256) with `cert`'s key, log out.

        Raises WrongPin / PinLocked / CardRemoved / UnsupportedCard. Never retries a PIN by itself.
        """
        with PKCS11_LOCK, self._errors():
            self._check_present()
            session = self._open_user_session(pin)
            try:
                key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=cert.key_id)
                if self._always_authenticate(key):
                    # DNIe 3.0/4.0 keys: a context-specific login before each signature.
                    session.reaffirm_credentials(pin)
                self._check_present()
                signature: bytes = key.sign(challenge, mechanism=Mechanism.SHA256_RSA_PKCS)
                return signature
            finally:
                with contextlib.suppress(p11.PKCS11Error):
                    session.close()  # C_Logout + C_CloseSession

    @staticmethod
    def _always_authenticate(key: Any) -> bool:
        try:
            return bool(key[Attribute.ALWAYS_AUTHENTICATE])
        except (p11.AttributeTypeInvalid, p11.AttributeSensitive, p11.FunctionFailed):
            return False


class TokenProvider(Protocol):
    """Where the kiosk finds the card in a reader: `Pkcs11Tokens` (real cards) or the test cards'."""

    def find(self, reader: str) -> CardToken:
        """The token of the card in `reader`. Raises TokenNotFound (or CardRemoved)."""
        ...


class Pkcs11Tokens:
    """Tokens of one PKCS#11 module, loaded at the first use (`load()`), once per process."""

    def __init__(self, module: Path) -> None:
        self.module = module
        self._lib: Any = None

    def load(self) -> Any:
        """The loaded, initialised library (blocking: C_Initialize is slow with OpenSC, which looks at
        every reader; python-pkcs11 keeps one per path for the whole process, so it runs once)."""
        with PKCS11_LOCK:
            if self._lib is None:
                if not self.module.exists():
                    raise TokenNotFound(f"PKCS#11 module {self.module} does not exist")
                self._lib = pkcs11.lib(str(self.module))
            return self._lib

    def present_tokens(self) -> list[Any]:
        """The python-pkcs11 tokens of every slot with a token in it (a card that leaves meanwhile is
        skipped)."""
        tokens = []
        with PKCS11_LOCK:
            for slot in self.load().get_slots(token_present=True):
                try:
                    tokens.append(slot.get_token())
                except CARD_GONE:
                    continue
        return tokens

    def find(self, reader: str) -> CardToken:
        """OpenSC: the slot whose description is the reader's name (the PIN1 token on a DNIe 4.0)."""
        with PKCS11_LOCK:
            try:
                matches = [
                    t for t in self.present_tokens() if str(t.slot.slot_description).startswith(reader)
                ]
            except CARD_GONE:
                raise CardRemoved("the card left the reader while its token was being looked up") from None
        if not matches:
            raise TokenNotFound("no PKCS#11 token for the card in this reader")
        matches.sort(key=lambda t: "PIN1" not in str(t.label))
        return CardToken(matches[0])


def open_tokens(module: Path) -> Pkcs11Tokens:
    """The citizens' cards through the PKCS#11 module `module`, loaded now (blocking)."""
    tokens = Pkcs11Tokens(module)
    tokens.load()
    return tokens
