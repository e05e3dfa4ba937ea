"""Who the citizen is, read from the X.509 subject of their authentication certificate.

The subject is read by `contract.certificates.read_subject`, the same reading the backend makes of the
certificate the kiosk sends it (`municipal.certificates.identity`), so that the name on the kiosk's screen
is the name in the backend's session: which issuer writes what where, and why it is not read through
`cryptography`'s `x509.Name`, is said there. This module adds what is the card's side: the certificate's
validity period (reported, never silently accepted), its serial number, and the card layer's errors
(`InvalidIdentity`, `CertificateExpired`, `CertificateNotYetValid`). Whatever a certificate holds, the
answer is a `Citizen` or `InvalidIdentity`, never a library's exception (tests/corpus/certificates).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from contract import certificates
from contract.certificates import (
    CHECK_LETTERS,
    NAME_MAX,
    CertificateSubject,
    IssuerKind,
    SubjectRefused,
    check_letter,
    is_valid_id,
)
from eid.errors import CertificateExpired, CertificateNotYetValid, InvalidIdentity

__all__ = [
    "CHECK_LETTERS",
    "NAME_MAX",
    "Citizen",
    "IssuerKind",
    "Validity",
    "check_letter",
    "citizen_from_certificate",
    "is_valid_id",
    "normalise_id",
]


def normalise_id(raw: str) -> str:
    """`IDCES-12345678Z`, `12345678-z`, `PNOES-X1234567L` → the bare, upper-case ID number, checked
    (`InvalidIdentity` otherwise)."""
    try:
        return certificates.normalise_id(raw)
    except SubjectRefused as refused:
        raise InvalidIdentity(str(refused)) from None


class Validity(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"


@dataclass(frozen=True)
class Citizen(CertificateSubject):
    """The holder a certificate names (`repr` hides the personal data: it may end up in a log), with the
    certificate's validity period and serial number."""

    not_before: datetime
    not_after: datetime
    serial_number: int = field(repr=False)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surnames}".strip()

    @property
    def display_name(self) -> str:
        """The given name as a person would write it: `MARIA ROSA` → `Maria Rosa`."""
        return " ".join(w.capitalize() for w in self.given_name.split())

    def validity(self, now: datetime | None = None) -> Validity:
        now = now or datetime.now(UTC)
        if now > self.not_after:
            return Validity.EXPIRED
        if now < self.not_before:
            return Validity.NOT_YET_VALID
        return Validity.VALID

    def require_valid(self, now: datetime | None = None) -> None:
        """Raise `CertificateExpired` / `CertificateNotYetValid` unless the certificate is in its period."""
        state = self.validity(now)
        if state is Validity.EXPIRED:
            raise CertificateExpired(self.not_after)
        if state is Validity.NOT_YET_VALID:
            raise CertificateNotYetValid(self.not_before)


def citizen_from_certificate(cert: x509.Certificate | bytes) -> Citizen:
    """The citizen a certificate (object or DER) identifies. Raises `InvalidIdentity` when it names no one,
    and for anything in it that cannot be read (nothing else, whatever the certificate holds).

    The validity period is kept, not judged: call `Citizen.require_valid()` (or `.validity()`).
    """
    try:
        if isinstance(cert, bytes):
            der, cert = cert, x509.load_der_x509_certificate(cert)
        else:
            der = cert.public_bytes(Encoding.DER)
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
        serial_number = cert.serial_number
    except (ValueError, x509.InvalidVersion):  # what cryptography raises for DER it cannot read
        raise InvalidIdentity("the certificate cannot be parsed") from None
    try:
        subject = certificates.read_subject(der)
    except SubjectRefused as refused:
        raise InvalidIdentity(str(refused)) from None
    return Citizen(**vars(subject), not_before=not_before, not_after=not_after, serial_number=serial_number)
