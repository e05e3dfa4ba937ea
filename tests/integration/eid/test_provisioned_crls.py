"""The test cards' PKI publishes real CRLs: the revoked card is revoked through its CA's CRL, as a city's
backend learns it from the DNIe and AOC CAs (`--crls`), and no other card is listed."""

from __future__ import annotations

import datetime as dt
import json

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from devstack.pcsc import PcscInfo
from municipal.certificates import CertificateRefused, TrustStore


def test_each_trusted_ca_publishes_a_crl_listing_only_the_revoked_card(pcsc_stack: PcscInfo) -> None:
    cards = pcsc_stack.cards
    anchors = {
        cert.subject: cert
        for path in cards.ca_dir.iterdir()
        for cert in x509.load_pem_x509_certificates(path.read_bytes())
    }
    crls = [x509.load_der_x509_crl(path.read_bytes()) for path in sorted(cards.crl_dir.iterdir())]
    assert len(crls) == len(anchors) == 2
    manifest = json.loads(cards.manifest.read_text())
    listed = set()
    for crl in crls:
        key = anchors[crl.issuer].public_key()
        assert isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        assert crl.is_signature_valid(key)
        assert crl.next_update_utc is not None and crl.next_update_utc > dt.datetime.now(dt.UTC)
        listed |= {format(r.serial_number, "x") for r in crl}
    revoked = {name for name, e in manifest.items() if e.get("cert") == "revoked"}
    assert revoked == {"revoked"}
    assert manifest["revoked"]["auth_serial"] in listed
    others = {e["auth_serial"] for name, e in manifest.items() if "auth_serial" in e and name not in revoked}
    assert not listed & others


def test_backend_trust_store_refuses_the_revoked_card_by_its_crl(pcsc_stack: PcscInfo) -> None:
    cards = pcsc_stack.cards
    store = TrustStore(cards.ca_dir, crls=cards.crl_dir)  # no serial file: the CRL alone
    now = dt.datetime.now(dt.UTC)
    store.check(cards.cert_path("dnie3-valid").read_bytes(), now)
    store.check(cards.cert_path("aoc-valid").read_bytes(), now)
    try:
        store.check(cards.cert_path("revoked").read_bytes(), now)
    except CertificateRefused as refused:
        assert refused.code == "certificate_revoked" and "CRL" in refused.detail
    else:
        raise AssertionError("the revoked card's certificate was accepted")
