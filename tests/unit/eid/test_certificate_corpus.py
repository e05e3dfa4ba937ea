"""Certificates from the wild, read or refused cleanly: every file of tests/corpus/certificates ends as its
manifest says (a citizen with these names, or this project error), and hostile subjects built here end in
`InvalidIdentity` or in a name shown as plain text, never in another exception. Every certificate here is
also read by the backend (`municipal.certificates.identity`), which must name the same citizen, or refuse
it too: the kiosk and the backend never disagree about who logged in."""

from __future__ import annotations

import hashlib
import tomllib
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eid import errors
from eid.errors import EidError, InvalidIdentity
from eid.identity import NAME_MAX, Citizen, IssuerKind, citizen_from_certificate
from municipal.certificates import CertificateRefused, TrustStore, identity
from widgets.plain import plain, shown

CORPUS = Path(__file__).parents[2] / "corpus" / "certificates"
MANIFEST: list[dict[str, Any]] = tomllib.loads((CORPUS / "manifest.toml").read_text("utf-8"))["certificate"]
FAMILIES = {"dnie", "aoc", "fnmt", "other"}


def test_the_manifest_lists_every_file_once_with_its_source() -> None:
    listed = [entry["file"] for entry in MANIFEST]
    on_disk = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.der"))
    assert sorted(listed) == on_disk and len(set(listed)) == len(listed)
    for entry in MANIFEST:
        assert entry["family"] in FAMILIES and entry["file"].startswith(entry["family"] + "/")
        assert entry["source"].startswith(f"https://github.com/{entry['repository']}/blob/{entry['commit']}/")
        assert entry["path"] and entry["licence"] and entry["note"]
        assert hashlib.sha256((CORPUS / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]


def test_the_corpus_covers_the_three_families() -> None:
    citizens = {e["family"] for e in MANIFEST if e["expect"] == "citizen"}
    refused = {e["family"] for e in MANIFEST if e["expect"] != "citizen"}
    assert {"dnie", "aoc", "fnmt"} <= citizens and {"dnie", "aoc", "fnmt"} <= refused


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")  # EC-ACC's serial
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_corpus_certificate(entry: dict[str, Any]) -> None:
    der = (CORPUS / entry["file"]).read_bytes()
    if entry["expect"] == "citizen":
        citizen = citizen_from_certificate(der)
        assert (citizen.id_number, citizen.given_name, citizen.surnames) == (
            entry["id_number"],
            entry["given_name"],
            entry["surnames"],
        )
        assert citizen.issuer_kind is IssuerKind(entry["issuer_kind"])
        assert citizen.issuer and citizen.not_before < citizen.not_after
    else:
        error = getattr(errors, entry["expect"])
        assert issubclass(error, EidError)
        with pytest.raises(error):
            citizen_from_certificate(der)


#: (ID number, given name, surnames, issuer kind), or None when refused.
Reading = tuple[str, str, str, str] | None


def _kiosk(der: bytes) -> Reading:
    """What the kiosk makes of a certificate; any exception but `InvalidIdentity` fails the test."""
    try:
        citizen = citizen_from_certificate(der)
    except InvalidIdentity:
        return None
    return citizen.id_number, citizen.given_name, citizen.surnames, citizen.issuer_kind.value


def _backend(der: bytes) -> Reading:
    """What the backend makes of the same certificate: `TrustStore.check` refuses DER that does not parse
    (`certificate_invalid`), then `identity` reads the subject; any other exception fails the test."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion):
        return None
    try:
        who = identity(cert)
    except CertificateRefused as refused:
        assert refused.code in {"identity_invalid", "certificate_invalid"}
        return None
    return who.id_number, who.given_name, who.surnames, who.kind


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")  # EC-ACC's serial
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_the_backend_reads_the_corpus_as_the_kiosk(entry: dict[str, Any]) -> None:
    der = (CORPUS / entry["file"]).read_bytes()
    expected: Reading = None
    if entry["expect"] == "citizen":
        expected = entry["id_number"], entry["given_name"], entry["surnames"], entry["issuer_kind"]
    assert _backend(der) == _kiosk(der) == expected


# -- hostile subjects ------------------------------------------------------------------------------------

_KEY = ec.generate_private_key(ec.SECP256R1())
_NOW = datetime(2026, 3, 1, tzinfo=UTC)
_ISSUER = x509.Name(
    [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DIRECCION GENERAL DE LA POLICIA"),
        x509.NameAttribute(NameOID.COMMON_NAME, "AC DNIE 004"),
    ]
)


def _der(subject: x509.Name | list[x509.RelativeDistinguishedName]) -> bytes:
    name = subject if isinstance(subject, x509.Name) else x509.Name(subject)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(_ISSUER)
        .public_key(_KEY.public_key())
        .serial_number(1)
        .not_valid_before(_NOW - timedelta(days=1))
        .not_valid_after(_NOW + timedelta(days=1))
        .sign(_KEY, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.DER)


_T61 = _ASN1Type.T61String


def _subject(
    *attributes: tuple[x509.ObjectIdentifier, str] | tuple[x509.ObjectIdentifier, str, _ASN1Type],
) -> x509.Name:
    """A Name of these attributes in this order (each an OID, a value and, if not UTF8String, the ASN.1
    string type), X.520's length limits not enforced (a card's issuer need not enforce them either)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return x509.Name(
            [
                x509.NameAttribute(oid, value, *string_type, _validate=False)
                for oid, value, *string_type in attributes
            ]
        )


def _outcome(der: bytes) -> Citizen | None:
    """The citizen, or None when refused with `InvalidIdentity`; any other exception fails the test."""
    try:
        return citizen_from_certificate(der)
    except InvalidIdentity:
        return None


SN, GN, CN, SERIAL = NameOID.SURNAME, NameOID.GIVEN_NAME, NameOID.COMMON_NAME, NameOID.SERIAL_NUMBER

#: Subjects a home-made card may carry, and the (given name, surnames) each must give; None: refused.
HOSTILE: dict[str, tuple[x509.Name | list[x509.RelativeDistinguishedName], tuple[str, str] | None]] = {
    "click markup": (
        _subject((SERIAL, "12345678Z"), (GN, "[@click=app.quit]PERE[/]"), (SN, "[b]VIDAL[/i]")),
        ("[@click=app.quit]PERE[/]", "[b]VIDAL[/i]"),
    ),
    "link markup in the CN": (
        _subject(
            (SERIAL, "12345678Z"), (SN, "VIDAL"), (CN, "VIDAL [link=https://x.invalid]PUIG[/link], PERE")
        ),
        ("PERE", "VIDAL [link=https://x.invalid]PUIG[/link]"),
    ),
    "terminal escape": (
        _subject((SERIAL, "12345678Z"), (GN, "PERE\x1b[2J"), (SN, "VIDAL\x1b]0;x\x07")),
        ("PERE\x1b[2J", "VIDAL\x1b]0;x\x07"),
    ),
    "bidi override": (
        _subject((SERIAL, "12345678Z"), (GN, "PERE\u202e"), (SN, "VIDAL")),
        ("PERE\u202e", "VIDAL"),
    ),
    "NUL in the given name": (_subject((SERIAL, "12345678Z"), (GN, "PE\x00RE"), (SN, "VIDAL")), None),
    "huge CN": (_subject((SERIAL, "12345678Z"), (CN, "VIDAL PUIG, " + "P" * 50_000)), None),
    "given name too long": (_subject((SERIAL, "12345678Z"), (GN, "P" * (NAME_MAX + 1)), (SN, "VIDAL")), None),
    "given name of the longest kept": (
        _subject((SERIAL, "12345678Z"), (GN, "P" * NAME_MAX), (SN, "VIDAL")),
        ("P" * NAME_MAX, "VIDAL"),
    ),
    "empty subject": (x509.Name([]), None),
    "ID number only": (_subject((SERIAL, "12345678Z")), None),
    "names only": (_subject((GN, "PERE"), (SN, "VIDAL"), (CN, "VIDAL, PERE")), None),
    "no given name, no comma": (_subject((SERIAL, "12345678Z"), (SN, "VIDAL"), (CN, "VIDAL")), None),
    "blank names": (_subject((SERIAL, "12345678Z"), (GN, " "), (SN, " "), (CN, " , ")), None),
    "two ID numbers": (
        _subject((SERIAL, "12345678Z"), (SERIAL, "87654321X"), (GN, "PERE"), (SN, "VIDAL")),
        None,
    ),
    "two given names": (_subject((SERIAL, "12345678Z"), (GN, "PERE"), (GN, "PAU"), (SN, "VIDAL")), None),
    "the same attribute twice, alike": (
        _subject((SERIAL, "12345678Z"), (GN, "PERE"), (GN, "PERE"), (SN, "VIDAL")),
        ("PERE", "VIDAL"),
    ),
    "multi-valued RDN": (
        [
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(SERIAL, "IDCES-12345678Z"),
                    x509.NameAttribute(GN, "PERE"),
                    x509.NameAttribute(SN, "VIDAL PUIG - 12345678Z"),
                ]
            )
        ],
        ("PERE", "VIDAL PUIG"),
    ),
    "T61String, UTF-8 inside (as cryptography writes it)": (
        _subject((SERIAL, "12345678Z"), (GN, "Pfísica", _T61), (SN, "De la Seña", _T61)),
        ("Pfísica", "De la Seña"),
    ),
    "BMPString and UniversalString": (
        _subject(
            (SERIAL, "12345678Z"), (GN, "NÚRIA", _ASN1Type.BMPString), (SN, "COLL", _ASN1Type.UniversalString)
        ),
        ("NÚRIA", "COLL"),
    ),
    "slash between surnames and name": (
        _subject(
            (SERIAL, "12345678Z"), (GN, "PERE"), (SN, "VIDAL"), (CN, "VIDAL PUIG/ PERE (AUTENTICACIÓN)")
        ),
        ("PERE", "VIDAL PUIG"),
    ),
    "en dash before the DNI": (
        _subject(
            (SERIAL, "IDCES-12345678Z"),
            (GN, "PERE"),
            (SN, "VIDAL PUIG"),
            (CN, "PERE VIDAL PUIG – DNI 12345678Z"),
        ),
        ("PERE", "VIDAL PUIG"),
    ),
    "em dash, ID from the CN": (
        _subject((GN, "PERE"), (CN, "PERE VIDAL PUIG — DNI 12345678Z")),
        ("PERE", "VIDAL PUIG"),
    ),
}


@pytest.mark.parametrize(("subject", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_subject(
    subject: x509.Name | list[x509.RelativeDistinguishedName], expected: tuple[str, str] | None
) -> None:
    der = _der(subject)
    citizen = _outcome(der)
    assert (None if citizen is None else (citizen.given_name, citizen.surnames)) == expected
    assert _backend(der) == _kiosk(der)
    if citizen is not None:  # what the login screen draws: the text as it is, controls as placeholders
        assert plain(citizen.full_name).plain == shown(citizen.full_name)
        assert "\x1b" not in shown(citizen.full_name)


def _patched(der: bytes, old: bytes, new: bytes) -> bytes:
    assert der.count(old) == 1
    return der.replace(old, new)


def test_a_latin_1_t61string_is_read() -> None:
    """As the older CATCert certificates write it (cryptography's own `x509.Name` refuses it)."""
    der = _der(_subject((SERIAL, "12345678Z"), (GN, "PfXsica", _T61), (SN, "De la SeXa", _T61)))
    der = _patched(_patched(der, b"PfXsica", b"Pf\xedsica"), b"SeXa", b"Se\xf1a")
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(der).subject  # noqa: B018 - the library's refusal, for the record
    citizen = citizen_from_certificate(der)
    assert (citizen.given_name, citizen.surnames) == ("Pfísica", "De la Seña")
    assert _backend(der) == _kiosk(der)


def test_a_value_that_is_no_string_is_refused() -> None:
    der = _der(_subject((SERIAL, "12345678Z"), (GN, "PERE"), (SN, "VIDAL")))
    # GN's UTF8String (tag 0x0C, 4 bytes) made an OCTET STRING (0x04), then an INTEGER (0x02)
    for tag in (b"\x04", b"\x02"):
        patched = _patched(der, b"\x0c\x04PERE", tag + b"\x04PERE")
        assert _outcome(patched) is None and _backend(patched) is None


def test_undecodable_utf8_is_refused() -> None:
    der = _der(_subject((SERIAL, "12345678Z"), (GN, "PERE"), (SN, "VIDAL")))
    patched = _patched(der, b"\x0c\x04PERE", b"\x0c\x04P\xffRE")
    assert _outcome(patched) is None and _backend(patched) is None


def test_a_broken_subject_is_refused() -> None:
    der = _der(_subject((SERIAL, "12345678Z"), (GN, "PERE"), (SN, "VIDAL")))
    # GN's length made longer than its RDN: the Name no longer parses (cryptography would say ValueError)
    assert _outcome(_patched(der, b"\x0c\x04PERE", b"\x0c\x7fPERE")) is None


_VALID = _der(
    _subject((SERIAL, "12345678Z"), (GN, "PERE"), (SN, "VIDAL"), (CN, "VIDAL PUIG, PERE (AUTENTICACIÓN)"))
)


def test_a_version_that_is_no_x509_version_is_refused() -> None:
    """The version field (A0 03 02 01 02: v3) changed to 7: cryptography raises InvalidVersion, which is no
    ValueError; the backend's trust store once let it through as a server error."""
    damaged = _patched(_VALID, b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01\x07")
    assert _outcome(damaged) is None and _backend(damaged) is None
    with pytest.raises(CertificateRefused) as refused:
        TrustStore(None).check(damaged, datetime.now(UTC))
    assert refused.value.code == "certificate_invalid"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_certificates_are_read_or_refused(data: st.DataObject) -> None:
    """Any byte of a certificate changed, any tail cut off: a citizen or InvalidIdentity, nothing else."""
    der = bytearray(_VALID)
    for _ in range(data.draw(st.integers(1, 4))):
        der[data.draw(st.integers(0, len(der) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(der) // 2, len(der)))
    assert _backend(bytes(der[:cut])) == _kiosk(bytes(der[:cut]))


_ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=0, max_size=80)


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT, _ANY_TEXT, _ANY_TEXT)
def test_any_names_are_read_or_refused(given_name: str, surname: str, common_name: str) -> None:
    pairs = [(SERIAL, "12345678Z")]
    pairs += [(oid, v) for oid, v in ((GN, given_name), (SN, surname), (CN, common_name)) if v]
    der = _der(_subject(*pairs))
    citizen = _outcome(der)
    assert _backend(der) == _kiosk(der)
    if citizen is not None:
        assert citizen.given_name.strip() and citizen.surnames.strip() and "\x00" not in citizen.full_name
        assert len(citizen.given_name) <= NAME_MAX and len(citizen.surnames) <= NAME_MAX
