"""Who a certificate names: the ID number, given name and surnames in the subject of a Spanish citizen's
certificate, read one way for the kiosk (`eid.identity`) and the backend (`municipal.certificates`), so
that both agree on who logged in, whatever the certificate holds.

DNIe: `serialNumber` is the bare DNI (`12345678Z`), `SN` the first surname only, `GN` the given name and
`CN` = `SURNAME1 SURNAME2, NAME (AUTENTICACIÓN)` (some AC DNIE 004 cards write `SURNAMES/ NAME`). AOC
(idCAT, T-CAT) and FNMT put `IDCES-<NIF>` in `serialNumber` and `<names> - DNI <NIF>` in `CN` (some FNMT
ones with an en dash), usually with both surnames in `SN`; the police's and the Seguridad Social's
employee certificates repeat ` - DNI <NIF>` in `SN`. Check letters are validated.

Pure Python over the certificate's DER, without `cryptography` (the contract is a leaf: pydantic and the
standard library only). Not through `cryptography`'s `x509.Name` either: that refuses the T61String
(teletex) values of older CATCert and Camerfirma certificates, and warns about every name longer than
X.520 allows, which FNMT and police certificates are. Whatever a certificate holds, the answer is a
`CertificateSubject` or `SubjectRefused`, never another exception (tests/corpus/certificates: public test
certificates of every issuer family, read by both sides). Dates, keys, signatures and trust are each
side's own business, with its own library.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

CHECK_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_NIE_PREFIX = {"X": "0", "Y": "1", "Z": "2"}
_ID_RE = re.compile(r"^(?:[XYZ]\d{7}|\d{8})[A-Z]$")
#: ETSI EN 319 412-1 semantics identifiers seen in Spanish certificates' serialNumber.
_SERIAL_PREFIX = re.compile(r"^(?:IDC|PNO|TIN|NIF)ES-", re.IGNORECASE)
_CN_ID = re.compile(r"\b(?:DNI|NIF|NIE)[:\s]+([0-9XYZ][0-9]{7}[A-Z])\b", re.IGNORECASE)
#: The key's use, which DNIe and police certificates append to the CN.
_CN_SUFFIX = re.compile(r"\s*\((?:AUTENTICACI[OÓ]N|FIRMA|CIFRADO)\)\s*$", re.IGNORECASE)
#: What FNMT's and Camerfirma's representative certificates append: `(R: <the entity's tax number>)`.
_CN_REPRESENTED = re.compile(r"\s*\(R:[^)]*\)\s*$", re.IGNORECASE)
#: Dashes that stand for the `-` before `DNI <NIF>` (hyphen, en dash, em dash, minus...).
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"))
#: ` - DNI 12345678Z`, ` - NIF:12345678Z`, ` - 12345678Z` and what follows: the tail of an AOC/FNMT CN.
_ID_TAIL = re.compile(r"\s+-\s+(?:(?:DNI|NIF|NIE)\b[:\s]*)?[0-9XYZ][0-9]{7}[A-Z]\b.*$", re.IGNORECASE)
#: The longest given name or surnames kept (the backend's `citizen_sessions` columns), in characters:
#: X.520 allows 64 characters for a whole CN, FNMT's run to 80.
NAME_MAX = 200
#: The longest subject attribute read at all, in bytes (4 per character in UniversalString).
_ATTRIBUTE_MAX = 4 * 4 * NAME_MAX

# The attribute types read (RFC 5280 / X.520 dotted OIDs).
_CN = "2.5.4.3"
_SURNAME = "2.5.4.4"
_SERIAL_NUMBER = "2.5.4.5"
_COUNTRY = "2.5.4.6"
_ORGANIZATION = "2.5.4.10"
_ORGANIZATIONAL_UNIT = "2.5.4.11"
_GIVEN_NAME = "2.5.4.42"


class Refusal(enum.Enum):
    """Why a subject names no one: each side turns it into its own error (the backend, into a code)."""

    #: The DER, a value's type or its encoding cannot be read, or one attribute is there twice, differently.
    UNREADABLE = "unreadable"
    #: No ID number, or one that is malformed or has a wrong check letter.
    ID_NUMBER = "id_number"
    #: No usable given name and surnames.
    NO_NAME = "no_name"
    #: A name that cannot be kept: longer than `NAME_MAX`, or with a NUL or a lone surrogate.
    NOT_STORABLE = "not_storable"


class SubjectRefused(ValueError):
    """The certificate names no one: `reason` says why, the message gives the detail (never a name)."""

    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


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
        raise SubjectRefused(
            Refusal.ID_NUMBER, "the certificate's ID number is malformed or has a wrong check letter"
        )
    return value


class IssuerKind(enum.Enum):
    """The issuer family (the backend's `certificate_kind`, the kiosk's wording of card errors)."""

    DNIE = "dnie"
    AOC = "aoc"
    FNMT = "fnmt"
    OTHER = "other"


@dataclass(frozen=True)
class CertificateSubject:
    """The holder a certificate names, and its issuer. `repr` hides the personal data (logs)."""

    id_number: str = field(repr=False)
    given_name: str = field(repr=False)
    surnames: str = field(repr=False)
    #: The issuer's CN, or its OU/O/C, for the IT team's logs and the screen.
    issuer: str
    issuer_kind: IssuerKind


# -- the subject, read from the DER ----------------------------------------------------------------------

#: How each ASN.1 string type of a DirectoryString is decoded. The 8-bit ones are read as UTF-8 when they
#: are valid UTF-8 (what `cryptography` and OpenSSL write into a T61String) and as Latin-1 otherwise: that
#: is how the older CATCert and Camerfirma certificates wrote their T61Strings (`Pf\xedsica`,
#: `De la Se\xf1a`), and how OpenSSL shows them; T.61's diacritic prefixes are not seen in Spanish
#: certificates. Latin-1 bytes seldom make valid UTF-8 (an accented letter is followed by no continuation
#: byte), so the two do not mix up.
_EIGHT_BIT = "utf-8, else latin-1"
_ENCODINGS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: _EIGHT_BIT,  # PrintableString (ASCII by the book; some issuers put other bytes in it)
    0x14: _EIGHT_BIT,  # T61String
    0x16: _EIGHT_BIT,  # IA5String
    0x1A: _EIGHT_BIT,  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}


class _Malformed(Exception):
    """The DER does not hold what a certificate's Name must."""


def _unreadable(detail: str) -> SubjectRefused:
    return SubjectRefused(Refusal.UNREADABLE, detail)


@dataclass(frozen=True)
class _Attribute:
    oid: str
    tag: int
    raw: bytes = field(repr=False)

    def text(self) -> str:
        encoding = _ENCODINGS.get(self.tag)
        if encoding is None:
            raise _unreadable(f"the certificate's {self.oid} is not a string (tag {self.tag:#04x})")
        try:
            if encoding == _EIGHT_BIT:
                try:
                    return self.raw.decode("utf-8")
                except UnicodeDecodeError:
                    return self.raw.decode("latin-1")
            return self.raw.decode(encoding)
        except UnicodeDecodeError:
            raise _unreadable(f"the certificate's {self.oid} is not valid {encoding}") from None


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start, end) of the DER element at `pos`, which must end by `end`."""
    if pos + 2 > end:
        raise _Malformed
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if tag & 0x1F == 0x1F:  # high tag numbers: none in a certificate's Name
        raise _Malformed
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4 or pos + size > end:
            raise _Malformed
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if pos + length > end:
        raise _Malformed
    return tag, pos, pos + length


def _oid(raw: bytes) -> str:
    if not raw or raw[-1] & 0x80:
        raise _Malformed
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in (first, arcs[0] - 40 * first, *arcs[1:]))


def _name(data: bytes, start: int, end: int) -> list[_Attribute]:
    """The attributes of a Name (RDNSequence) in order, multi-valued RDNs flattened."""
    attributes: list[_Attribute] = []
    pos = start
    while pos < end:
        tag, rdn, rdn_end = _tlv(data, pos, end)
        if tag != 0x31:  # SET
            raise _Malformed
        while rdn < rdn_end:
            tag, atv, atv_end = _tlv(data, rdn, rdn_end)
            if tag != 0x30:  # SEQUENCE { type, value }
                raise _Malformed
            tag, oid_start, oid_end = _tlv(data, atv, atv_end)
            if tag != 0x06:
                raise _Malformed
            tag, value_start, value_end = _tlv(data, oid_end, atv_end)
            if value_end != atv_end:
                raise _Malformed
            attributes.append(_Attribute(_oid(data[oid_start:oid_end]), tag, data[value_start:value_end]))
            rdn = atv_end
        pos = rdn_end
    return attributes


def _issuer_and_subject(der: bytes) -> tuple[list[_Attribute], list[_Attribute]]:
    """The issuer's and the subject's attributes of a Certificate's TBSCertificate (RFC 5280 4.1)."""
    try:
        tag, pos, end = _tlv(der, 0, len(der))  # Certificate
        if tag != 0x30 or end != len(der):
            raise _Malformed
        tag, pos, end = _tlv(der, pos, end)  # TBSCertificate
        if tag != 0x30:
            raise _Malformed
        fields: list[tuple[int, int, int]] = []
        while pos < end and len(fields) < 7:
            fields.append(_tlv(der, pos, end))
            pos = fields[-1][2]
        if fields and fields[0][0] == 0xA0:  # [0] version
            fields.pop(0)
        # serialNumber, signature, issuer, validity, subject
        if len(fields) < 5 or fields[2][0] != 0x30 or fields[4][0] != 0x30:
            raise _Malformed
        return _name(der, fields[2][1], fields[2][2]), _name(der, fields[4][1], fields[4][2])
    except _Malformed:
        raise _unreadable("the certificate's issuer or subject is malformed") from None


def _attr(attributes: list[_Attribute], oid: str) -> str:
    """The value of `oid`, whitespace squashed; "" if absent. The same attribute twice with two values is
    refused (which of them names the holder is anybody's guess), and so is one too long to be a name,
    before any pattern runs over it."""
    values: set[str] = set()
    for attribute in attributes:
        if attribute.oid == oid:
            if len(attribute.raw) > _ATTRIBUTE_MAX:
                raise SubjectRefused(
                    Refusal.NOT_STORABLE, f"the certificate's {oid} is too long to be a name"
                )
            values.add(_squash(attribute.text()))
    if len(values) > 1:
        raise _unreadable(f"the certificate's subject holds {oid} twice, differently")
    return values.pop() if values else ""


def _squash(text: str) -> str:
    return " ".join(text.split())


_SHORT_NAMES = {_CN: "CN", _ORGANIZATIONAL_UNIT: "OU", _ORGANIZATION: "O", _COUNTRY: "C"}


def _issuer_text(issuer: list[_Attribute]) -> str:
    """The issuer's CN, or its OU/O/C (FNMT's root has no CN)."""
    cn = _first(issuer, _CN)
    if cn:
        return cn
    parts = [f"{_SHORT_NAMES[a.oid]}={_text_or_blank(a)}" for a in reversed(issuer) if a.oid in _SHORT_NAMES]
    return ",".join(parts) or "unknown issuer"


def _text_or_blank(attribute: _Attribute) -> str:
    try:
        return _squash(attribute.text())
    except SubjectRefused:
        return ""


def _first(attributes: list[_Attribute], oid: str) -> str:
    """The first value of `oid`, or "" (for the issuer, where a repeated or unreadable value harms no one)."""
    return next((_text_or_blank(a) for a in attributes if a.oid == oid), "")


def _issuer_kind(issuer: list[_Attribute]) -> IssuerKind:
    cn = _first(issuer, _CN).upper()
    org = _first(issuer, _ORGANIZATION).upper()
    if cn.startswith("AC DNIE") or "DIRECCION GENERAL DE LA POLICIA" in org:
        return IssuerKind.DNIE
    if (
        "AOC" in org
        or "CONSORCI" in org
        or "CATCERT" in org
        or "CATALANA DE CERTIFICACIO" in org
        or cn.startswith("EC-")
    ):
        return IssuerKind.AOC
    if "FNMT" in org or "FNMT" in cn:
        return IssuerKind.FNMT
    return IssuerKind.OTHER


# -- the names -------------------------------------------------------------------------------------------


def _without_id(text: str, id_number: str) -> str:
    """A CN or SN without its ` - DNI <NIF>` tail (any dash) and without the bare ID number."""
    text = _ID_TAIL.sub("", text.translate(_DASHES))
    return _squash(re.sub(rf"\b{id_number}\b", " ", text, flags=re.IGNORECASE))


def _cn_surnames(cn: str, given: str, kind: IssuerKind) -> tuple[str, str]:
    """(given name, surnames) as far as the CN tells them; "" for what it does not."""
    # DNIe: "SURNAME1 SURNAME2, NAME" (or "SURNAME1 SURNAME2/ NAME" on some AC DNIE 004 cards)
    separators = ",/" if kind is IssuerKind.DNIE or given else ","
    for sep in separators:
        before, found, after = cn.rpartition(sep)
        if found and before.strip() and after.strip():
            if not given or _same(after, given):
                return given or _squash(after), _squash(before)
    # AOC / FNMT: "NAME SURNAME1 SURNAME2" or "SURNAME1 SURNAME2 NAME"
    if given:
        upper, key = cn.upper(), given.upper()
        if upper.startswith(key + " "):
            return given, cn[len(given) + 1 :].strip()
        if upper.endswith(" " + key):
            return given, cn[: -len(given) - 1].strip()
    return given, ""


def _same(a: str, b: str) -> bool:
    return _squash(a).casefold() == _squash(b).casefold()


def _checked(part: str, what: str) -> str:
    """`part`, unless the backend could not keep it (a column of `NAME_MAX` characters; PostgreSQL takes
    no NUL). Markup and terminal controls stay: the kiosk shows every name through `widgets.plain`."""
    if len(part) > NAME_MAX:
        raise SubjectRefused(
            Refusal.NOT_STORABLE, f"the certificate's {what} is longer than {NAME_MAX} characters"
        )
    if "\x00" in part or any("\ud800" <= c <= "\udfff" for c in part):
        raise SubjectRefused(
            Refusal.NOT_STORABLE, f"the certificate's {what} holds a NUL or a lone surrogate"
        )
    return part


def _names(subject: list[_Attribute], id_number: str, kind: IssuerKind) -> tuple[str, str]:
    """(given name, surnames) from GN/SN, completed from CN when SN holds only the first surname."""
    given = _without_id(_attr(subject, _GIVEN_NAME), id_number)
    sn = _without_id(_attr(subject, _SURNAME), id_number)
    cn = _CN_SUFFIX.sub("", _attr(subject, _CN))
    cn = _without_id(_CN_REPRESENTED.sub("", cn), id_number)
    cn = re.sub(r"^\[[^\]]*\]\s*", "", cn)  # Camerfirma's "[SOLO PRUEBAS]"
    given, cn_surnames = _cn_surnames(cn, given, kind)
    if sn and cn_surnames.upper().startswith(sn.upper() + " "):
        surnames = cn_surnames  # DNIe, Izenpe: SN is the first surname only
    else:
        surnames = sn or cn_surnames
    if not given or not surnames:
        raise SubjectRefused(
            Refusal.NO_NAME, "the certificate's subject has no usable given name and surname"
        )
    return _checked(given, "given name"), _checked(surnames, "surnames")


def read_subject(der: bytes) -> CertificateSubject:
    """Who the certificate in `der` (a whole X.509 certificate, DER) names. Raises `SubjectRefused` when it
    names no one, and for anything in its issuer or subject that cannot be read (nothing else, whatever
    the bytes). Only the names are read: the certificate's dates, key and signature are not looked at."""
    issuer, subject = _issuer_and_subject(der)
    raw_id = _attr(subject, _SERIAL_NUMBER)
    if not raw_id:
        found = _CN_ID.search(_attr(subject, _CN))
        raw_id = found.group(1) if found else ""
    if not raw_id:
        raise SubjectRefused(Refusal.ID_NUMBER, "the certificate's subject has no ID number")
    id_number = normalise_id(raw_id)
    kind = _issuer_kind(issuer)
    given, surnames = _names(subject, id_number, kind)
    return CertificateSubject(
        id_number=id_number,
        given_name=given,
        surnames=surnames,
        issuer=_issuer_text(issuer),
        issuer_kind=kind,
    )
