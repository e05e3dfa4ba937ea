"""Citizen certificates: chain to the configured trust anchors, dates, key usage, policy, revocation (a
file of serials, and the CAs' CRLs), the signature over the login nonce, and the identity in the subject
(read by `contract.certificates`, as the kiosk reads it).

Production anchors (see docs/backend-contract.md): the DNIe roots and subordinate CAs published by the
Policía Nacional (AC RAIZ DNIE 2, AC DNIE 004–006) and the Consorci AOC's roots and issuing CAs
(EC-ACC, EC-Ciutadania). Tests use a CA the tests generate.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from contract.certificates import Refusal, SubjectRefused, read_subject

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
    #: dnie | aoc | fnmt | other (`contract.certificates.IssuerKind`)
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
            except (ValueError, x509.InvalidVersion):
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
                    except (ValueError, x509.InvalidVersion):
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
        except (ValueError, x509.InvalidVersion):  # what cryptography raises for DER it cannot read
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


#: What each reason the shared reading refuses a subject for answers a login with.
_REFUSAL_CODES = {
    Refusal.ID_NUMBER: "identity_invalid",
    Refusal.NO_NAME: "identity_invalid",
    Refusal.UNREADABLE: "certificate_invalid",
    # Kept with the session (200 characters) and printed: a home-made card may put anything there.
    Refusal.NOT_STORABLE: "certificate_invalid",
}


def identity(cert: x509.Certificate) -> CertificateIdentity:
    """Who the certificate names, read as the kiosk reads it (`contract.certificates.read_subject`: DNIe,
    AOC, FNMT and the other Spanish issuers' forms, T61String names included); `CertificateRefused` with
    `identity_invalid` (no usable ID number or name) or `certificate_invalid` (an unreadable subject, a
    name that cannot be kept) when it names no one."""
    try:
        subject = read_subject(cert.public_bytes(Encoding.DER))
    except SubjectRefused as refused:
        raise CertificateRefused(_REFUSAL_CODES[refused.reason], str(refused)) from None
    return CertificateIdentity(
        id_number=subject.id_number,
        given_name=subject.given_name,
        surnames=subject.surnames,
        kind=subject.issuer_kind.value,
        serial_hex=serial_hex(cert.serial_number),
        issuer=subject.issuer,
    )
