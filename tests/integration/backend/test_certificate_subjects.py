"""Certificate logins over real HTTP with subjects from the wild: what the backend's session says about
the citizen is what the kiosk read from the same certificate (`eid.identity`), T61String names included
(the older CATCert and Camerfirma certificates), and never a server error."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from eid.identity import citizen_from_certificate
from tests.fixtures.backend import Issued, TestCA, TestPKI
from tests.integration.backend.conftest import Api

pytestmark = pytest.mark.timeout(120)


def _resigned(der: bytes, tbs: bytes, patched: bytes, ca: TestCA) -> bytes:
    """`der` with its TBSCertificate replaced by `patched` (the same length) and signed again by `ca`: the
    bytes `cryptography` will not write, under a signature the backend accepts."""
    assert len(patched) == len(tbs) and der.count(tbs) == 1
    signature = ca.key.sign(patched, padding.PKCS1v15(), hashes.SHA256())
    old = ca.key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())  # PKCS#1 v1.5 is deterministic
    assert der.endswith(old) and len(signature) == len(old)
    return der.replace(tbs, patched)[: -len(old)] + signature


def _latin_1_t61_certificate(ca: TestCA) -> Issued:
    """An AOC-form authentication certificate whose given name and surnames are T61Strings in Latin-1, as
    CATCert's EC-SAFP wrote them (tests/corpus/certificates/aoc/ec-safp-*-t61.der)."""
    T61 = _ASN1Type.T61String
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.SURNAME, "De la SeXa Pruebasdit", _type=T61),
            x509.NameAttribute(NameOID.GIVEN_NAME, "PfXsica", _type=T61),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "89890002E"),
            x509.NameAttribute(NameOID.COMMON_NAME, "CPISR-1 PfXsica De la SeXa Pruebasdit", _type=T61),
        ]
    )
    issued = ca.certify(subject, days_valid=(-1, 30), policy=None)
    cert = issued.certificate
    der, tbs = cert.public_bytes(serialization.Encoding.DER), cert.tbs_certificate_bytes
    patched = tbs.replace(b"PfXsica", b"Pf\xedsica").replace(b"SeXa", b"Se\xf1a")
    loaded = x509.load_der_x509_certificate(_resigned(der, tbs, patched, ca))
    with pytest.raises(ValueError):
        loaded.subject  # noqa: B018 - cryptography's own reading refuses these names
    return Issued(loaded, issued.key)


def _citizen_as_the_kiosk_reads_it(issued: Issued) -> dict[str, str]:
    citizen = citizen_from_certificate(issued.der)
    return {
        "id_number": citizen.id_number,
        "given_name": citizen.given_name,
        "surnames": citizen.surnames,
        "certificate_kind": citizen.issuer_kind.value,
    }


def test_a_t61string_certificate_logs_in_as_the_kiosk_reads_it(api: Api, backend_pki: TestPKI) -> None:
    issued = _latin_1_t61_certificate(backend_pki.aoc)
    before = api.sessions()
    answer = api.post("/v1/auth/sessions", json=issued.login_body(api.challenge()))
    assert answer.status_code == 201, answer.text
    assert (
        answer.json()["citizen"]
        == _citizen_as_the_kiosk_reads_it(issued)
        == {
            "id_number": "89890002E",
            "given_name": "Pfísica",
            "surnames": "De la Seña Pruebasdit",
            "certificate_kind": "aoc",
        }
    )
    assert api.sessions() == before + 1


SUBJECTS = {
    # The police's employee certificates: ' - DNI <NIF>' repeated in SN.
    "id tail in SN": ("aoc", "PERE", "VIDAL PUIG - DNI 45678901G", "PERE VIDAL PUIG - DNI 45678901G"),
    # AC DNIE 004: '/' between surnames and name, SN the first surname only.
    "slash in the CN": ("dnie", "PERE", "VIDAL", "VIDAL PUIG/ PERE (AUTENTICACIÓN)"),
    # Izenpe: SN the first surname only, CN 'NAME SURNAME1 SURNAME2' with no comma.
    "first surname in SN, no comma": ("aoc", "PERE", "VIDAL", "PERE VIDAL PUIG"),
}


@pytest.mark.parametrize(("form", "given", "surname", "cn"), SUBJECTS.values(), ids=SUBJECTS.keys())
def test_the_session_names_whom_the_kiosk_names(
    api: Api, backend_pki: TestPKI, form: str, given: str, surname: str, cn: str
) -> None:
    ca = backend_pki.dnie if form == "dnie" else backend_pki.aoc
    issued = ca.issue("45678901G", given, surname, form=form, common_name=cn)
    answer = api.post("/v1/auth/sessions", json=issued.login_body(api.challenge()))
    assert answer.status_code == 201, answer.text
    citizen = answer.json()["citizen"]
    assert citizen == _citizen_as_the_kiosk_reads_it(issued)
    assert (citizen["given_name"], citizen["surnames"]) == ("PERE", "VIDAL PUIG")
