"""Who the citizen is, read from the X.509 subject of their authentication certificate.

DNIe: `serialNumber` is the bare DNI (`12345678Z`), `SN` the first surname only, `GN` the given name and
`CN` = `SURNAME1 SURNAME2, NAME (AUTENTICACIÓN)`. AOC (idCAT, T-CAT) and FNMT put `IDCES-<NIF>` in
`serialNumber` and `<names> - DNI <NIF>` in `CN`, usually with both surnames in `SN`. Check letters are
validated; a certificate's validity period is reported, never silently accepted.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID

from eid.errors import CertificateExpired, CertificateNotYetValid, InvalidIdentity

CHECK_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_NIE_PREFIX = {"X": "0", "Y": "1", "Z": "2"}
_ID_RE = re.compile(r"^(?:[XYZ]\d{7}|\d{8})[A-Z]$")
#: ETSI EN 319 412-1 semantics identifiers seen in Spanish certificates' serialNumber.
_SERIAL_PREFIX = re.compile(r"^(?:IDC|PNO|TIN|NIF)ES-", re.IGNORECASE)
_CN_ID = re.compile(r"\b(?:DNI|NIF|NIE)[:\s]+([0-9XYZ][0-9]{7}[A-Z])\b", re.IGNORECASE)
_CN_SUFFIX = re.compile(r"\s*\((?:AUTENTICACI[OÓ]N|FIRMA)\)\s*$", re.IGNORECASE)


def check_letter(digits: str) -> str:
    """The check letter of a DNI number (8 digits) or NIE (X/Y/Z + 7 digits)."""
    number = _NIE_PREFIX.get(digits[:1], digits[:1]) + digits[1:]
    return CHECK_LETTERS[int(number) % 23]


def is_valid_id(value: str) -> bool:
    """Whether `value` is a DNI (`12345678Z`) or NIE (`X1234567L`) with the right check letter."""
    return bool(_ID_RE.match(value)) and check_letter(value[:-1]) == value[-1]


def normalise_id(raw: str) -> str:
    """`IDCES-12345678Z`, `12345678-z`, `PNOES-X1234567L` → the bare, upper-case ID number, checked."""
    value = _SERIAL_PREFIX.sub("", raw.strip())
    value = re.sub(r"[\s.-]", "", value).upper()
    if not is_valid_id(value):
        raise InvalidIdentity("the certificate's ID number is malformed or has a wrong check letter")
    return value


class IssuerKind(enum.Enum):
    DNIE = "dnie"
    AOC = "aoc"
    FNMT = "fnmt"
    OTHER = "other"


class Validity(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"


@dataclass(frozen=True)
class Citizen:
    """The holder of a certificate. `repr` hides the personal data (it may end up in a log)."""

    id_number: str = field(repr=False)
    given_name: str = field(repr=False)
    surnames: str = field(repr=False)
    issuer: str
    issuer_kind: IssuerKind
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


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return ""
    value = values[0].value
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


def _squash(text: str) -> str:
    return " ".join(text.split())


def _issuer_kind(issuer: x509.Name) -> IssuerKind:
    cn = _attr(issuer, NameOID.COMMON_NAME).upper()
    org = _attr(issuer, NameOID.ORGANIZATION_NAME).upper()
    if cn.startswith("AC DNIE") or "DIRECCION GENERAL DE LA POLICIA" in org:
        return IssuerKind.DNIE
    if "AOC" in org or "CONSORCI" in org or cn.startswith("EC-"):
        return IssuerKind.AOC
    if "FNMT" in org or "FNMT" in cn:
        return IssuerKind.FNMT
    return IssuerKind.OTHER


def _names(subject: x509.Name, id_number: str) -> tuple[str, str]:
    """(given name, surnames) from GN/SN, completed from CN when SN holds only the first surname."""
    given = _squash(_attr(subject, NameOID.GIVEN_NAME))
    sn = _squash(_attr(subject, NameOID.SURNAME))
    cn = _squash(_CN_SUFFIX.sub("", _attr(subject, NameOID.COMMON_NAME)))
    cn_surnames = ""
    if "," in cn:  # DNIe: "SURNAME1 SURNAME2, NAME"
        before, _, after = cn.partition(",")
        cn_surnames = before.strip()
        given = given or after.strip()
    else:  # AOC / FNMT: "NAME SURNAME1 SURNAME2 - DNI 12345678Z" (or surnames first)
        names = _squash(re.split(r"\s+-\s+", cn, maxsplit=1)[0]).replace(id_number, "").strip()
        if given and names.startswith(given + " "):
            cn_surnames = names[len(given) + 1 :]
        elif given and names.endswith(" " + given):
            cn_surnames = names[: -len(given) - 1]
    if sn and cn_surnames.startswith(sn + " "):
        surnames = cn_surnames
    else:
        surnames = sn or cn_surnames
    if not given or not surnames:
        raise InvalidIdentity("the certificate's subject has no usable given name and surname")
    return given, surnames


def citizen_from_certificate(cert: x509.Certificate | bytes) -> Citizen:
    """The citizen a certificate (object or DER) identifies. Raises `InvalidIdentity` when it names no one.

    The validity period is kept, not judged: call `Citizen.require_valid()` (or `.validity()`).
    """
    if isinstance(cert, bytes):
        try:
            cert = x509.load_der_x509_certificate(cert)
        except ValueError:
            raise InvalidIdentity("the certificate cannot be parsed") from None
    subject = cert.subject
    raw_id = _attr(subject, NameOID.SERIAL_NUMBER)
    if not raw_id:
        found = _CN_ID.search(_attr(subject, NameOID.COMMON_NAME))
        raw_id = found.group(1) if found else ""
    if not raw_id:
        raise InvalidIdentity("the certificate's subject has no ID number")
    id_number = normalise_id(raw_id)
    given, surnames = _names(subject, id_number)
    return Citizen(
        id_number=id_number,
        given_name=given,
        surnames=surnames,
        issuer=_attr(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string(),
        issuer_kind=_issuer_kind(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial_number=cert.serial_number,
    )
