"""Citizen certificates: chain to the configured trust anchors, dates, key usage, policy, revocation (a
file of serials, and the CAs' CRLs), the signature over the login nonce, and the identity in the subject
(DNIe and AOC forms).

Production anchors (see docs/backend-contract.md): the DNIe roots and subordinate CAs published by the
Policía Nacional (AC RAIZ DNIE 2, AC DNIE 004–006) and the Consorci AOC's roots and issuing CAs
(EC-ACC, EC-Ciutadania). Tests use a CA the tests generate.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from municipal import ids

log = logging.getLogger(__name__)

#: DNIe certificate policies: 2.16.724.1.2.2.2.4 is the authentication certificate's, .3 the signing one's.
DNIE_POLICY_PREFIX = "2.16.724.1.2.2.2."
DNIE_AUTH_POLICY = "2.16.724.1.2.2.2.4"


class CertificateRefused(Exception):
    """The certificate cannot log anyone in; `code` is an error code of municipal.errors."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class CertificateIdentity:
    id_number: str
    given_name: str
    surnames: str
    #: dnie | aoc | other
    kind: str
    serial_hex: str
    issuer: str


def _load_certificates(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def serial_hex(serial: int) -> str:
    return format(serial, "x")


class RevocationList:
    """Revoked serial numbers from a text file (hex, one a line, colons and case ignored; '#' comments),
    re-read whenever the file changes, so a city updates it without restarting the server."""

    def __init__(self, path: Path | None):
        self.path = path
        self._mtime: float | None = None
        self._serials: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        if self.path is None:
            return
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._serials, self._mtime = frozenset(), None
            return
        if mtime == self._mtime:
            return
        serials = set()
        for line in self.path.read_text().splitlines():
            text = line.split("#", 1)[0].strip().replace(":", "").lower()
            if text:
                serials.add(text.lstrip("0") or "0")
        self._serials, self._mtime = frozenset(serials), mtime

    def is_revoked(self, serial: int) -> bool:
        with self._lock:
            self._refresh()
            return serial_hex(serial) in self._serials


class CrlFolder:
    """The certificate revocation lists (CRLs) in a folder, as the CAs publish them (PEM or DER, any
    file name), re-read whenever a file is added, replaced or removed: a city's cron job downloads each
    CA's latest CRL over the previous one, without restarting the server.

    Only a CRL whose signature verifies with a trust anchor of the same name counts (others are logged
    and ignored). A CRL past its next update is still applied, with a warning at each reading: its
    revocations stay true, and refusing every login because a download failed would close the kiosks.
    """

    def __init__(self, folder: Path | None, anchors: list[x509.Certificate]):
        self.folder = folder
        self._anchors = anchors
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._crls: list[tuple[x509.CertificateRevocationList, x509.Certificate]] = []
        self._lock = threading.Lock()

    def _files(self) -> tuple[tuple[str, int, int], ...]:
        if self.folder is None:
            return ()
        try:
            entries = [e for e in self.folder.iterdir() if e.is_file() and not e.name.startswith(".")]
        except FileNotFoundError:
            return ()
        return tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in entries))

    def _issuer(self, crl: x509.CertificateRevocationList) -> x509.Certificate | None:
        for anchor in self._anchors:
            if anchor.subject == crl.issuer and crl.is_signature_valid(anchor.public_key()):  # type: ignore[arg-type]
                return anchor
        return None

    def _refresh(self, at: datetime) -> None:
        files = self._files()
        if files == self._seen or self.folder is None:
            return
        crls = []
        for name, _mtime, _size in files:
            try:
                data = (self.folder / name).read_bytes()
            except FileNotFoundError:
                continue  # replaced while listed: the next login reads the folder again
            try:
                crl = (
                    x509.load_pem_x509_crl(data)
                    if b"-----BEGIN X509 CRL-----" in data
                    else x509.load_der_x509_crl(data)
                )
            except ValueError:
                log.warning("CRLs: %s is not a CRL; ignored", name)
                continue
            issuer = self._issuer(crl)
            if issuer is None:
                log.warning("CRLs: %s is not signed by a trust anchor; ignored", name)
                continue
            if crl.next_update_utc is not None and crl.next_update_utc < at:
                log.warning(
                    "CRLs: %s is past its next update (%s); still applied, download a newer one",
                    name,
                    f"{crl.next_update_utc:%Y-%m-%d %H:%M}",
                )
            crls.append((crl, issuer))
        self._crls, self._seen = crls, files
        log.info("CRLs: %d in use", len(crls))

    def is_revoked(self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime) -> bool:
        """Whether a CRL of `cert`'s issuer lists it."""
        with self._lock:
            self._refresh(at)
            crls = self._crls
        serial = cert.serial_number
        return any(
            crl_issuer == issuer and crl.get_revoked_certificate_by_serial_number(serial) is not None
            for crl, crl_issuer in crls
        )


class TrustStore:
    """Every certificate in the anchors folder is trusted to issue citizens' certificates."""

    def __init__(self, anchors: Path | None, revoked: Path | None = None, crls: Path | None = None):
        self.anchors: list[x509.Certificate] = []
        if anchors is not None:
            for path in sorted(anchors.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    try:
                        self.anchors.extend(_load_certificates(path))
                    except ValueError:
                        log.warning("trust anchors: %s is not a certificate; ignored", path.name)
        self.revocation = RevocationList(revoked)
        self.crls = CrlFolder(crls, self.anchors)
        log.info("trust anchors: %d certificates", len(self.anchors))

    def _issuer_of(self, cert: x509.Certificate) -> x509.Certificate | None:
        for anchor in self.anchors:
            if anchor.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(anchor)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return anchor
        return None

    def check(self, der: bytes, at: datetime) -> x509.Certificate:
        """The parsed certificate when it may log a citizen in at `at`; CertificateRefused otherwise."""
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            raise CertificateRefused("certificate_invalid") from None
        issuer = self._issuer_of(cert)
        if issuer is None:
            raise CertificateRefused("certificate_untrusted", "issuer not among the trust anchors")
        try:
            constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise CertificateRefused("certificate_untrusted", "issuer is not a CA")
        for which, c in (("certificate", cert), ("issuer", issuer)):
            if at < c.not_valid_before_utc:
                raise CertificateRefused("certificate_not_yet_valid", f"{which} not valid yet")
            if at > c.not_valid_after_utc:
                raise CertificateRefused("certificate_expired", f"{which} expired")
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            raise CertificateRefused("certificate_wrong_usage", "no key usage") from None
        if not usage.digital_signature:
            raise CertificateRefused("certificate_wrong_usage", "no digitalSignature")
        try:
            policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
            oids = {p.policy_identifier.dotted_string for p in policies}
        except x509.ExtensionNotFound:
            oids = set()
        # Where the policy is known (DNIe), only the authentication certificate may log in.
        if any(o.startswith(DNIE_POLICY_PREFIX) for o in oids) and DNIE_AUTH_POLICY not in oids:
            raise CertificateRefused("certificate_wrong_usage", "not the DNIe authentication certificate")
        if self.revocation.is_revoked(cert.serial_number):
            raise CertificateRefused("certificate_revoked")
        if self.crls.is_revoked(cert, issuer, at):
            raise CertificateRefused("certificate_revoked", "listed in the issuer's CRL")
        return cert


def verify_signature(cert: x509.Certificate, nonce: bytes, signature: bytes) -> None:
    """RSA PKCS#1 v1.5 with SHA-256 over the nonce (ECDSA-SHA256 for EC keys)."""
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, nonce, ec.ECDSA(hashes.SHA256()))
        else:
            raise CertificateRefused("certificate_invalid", "unsupported key type")
    except InvalidSignature:
        raise CertificateRefused("signature_invalid") from None


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    found = name.get_attributes_for_oid(oid)
    value = found[0].value if found else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


#: The longest given name or surnames a session keeps (`citizen_sessions`), in characters.
NAME_MAX = 200
_AOC_CN = re.compile(r"^(?P<names>.+?)\s+-\s+(?:DNI|NIE|NIF)\s+(?P<id>[0-9A-Z]+)$")


def identity(cert: x509.Certificate) -> CertificateIdentity:
    """Who the certificate names: DNIe `serialNumber` = bare DNI; AOC/FNMT `IDCES-<NIF>`."""
    subject = cert.subject
    serial = _attribute(subject, NameOID.SERIAL_NUMBER).strip()
    cn = _attribute(subject, NameOID.COMMON_NAME).strip()
    given = _attribute(subject, NameOID.GIVEN_NAME).strip()
    surname = _attribute(subject, NameOID.SURNAME).strip()
    issuer_cn = _attribute(cert.issuer, NameOID.COMMON_NAME)
    issuer_org = _attribute(cert.issuer, NameOID.ORGANIZATION_NAME)
    if serial.upper().startswith("IDCES-"):
        serial = serial[6:]
    if not serial and (m := _AOC_CN.match(cn)):
        serial = m.group("id")
    id_number = ids.normalise(serial)
    if not ids.is_valid(id_number):
        raise CertificateRefused("identity_invalid")
    if issuer_cn.upper().startswith("AC DNIE"):
        kind = "dnie"
    elif "AOC" in issuer_org.upper() or "CATCERT" in issuer_org.upper() or "EC-" in issuer_cn.upper():
        kind = "aoc"
    else:
        kind = "other"
    if "," in cn:  # DNIe: "SURNAME1 SURNAME2, NAME (AUTENTICACIÓN)"
        surnames = cn.split(",", 1)[0].strip()
        if not given:
            given = re.sub(r"\s*\(.*\)\s*$", "", cn.split(",", 1)[1]).strip()
    elif m := _AOC_CN.match(cn):
        names = m.group("names")
        surnames = surname or (names[len(given) :].strip() if given and names.startswith(given) else names)
    else:
        surnames = surname
    for name in (given, surnames):
        # Kept with the session (200 characters) and printed: a home-made card may put anything there.
        # Other control characters are kept, and shown as visible pictures: they are the card's name.
        if len(name) > NAME_MAX or "\x00" in name or any("\ud800" <= c <= "\udfff" for c in name):
            raise CertificateRefused("certificate_invalid", "holder name too long or not storable")
    return CertificateIdentity(
        id_number=id_number,
        given_name=given,
        surnames=surnames,
        kind=kind,
        serial_hex=serial_hex(cert.serial_number),
        issuer=issuer_cn,
    )
