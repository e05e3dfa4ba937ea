"""Text a kiosk (or anyone with a kiosk's key) sends is checked as the kiosk checks it, on SQLite and
PostgreSQL: no bidi overrides, zero-width or private-use characters, C1 controls; attachment names
without paths or invisible characters; a PDF is a PDF by more than its first five bytes; a certificate
with an unstorable holder name is refused with a 4xx, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.backend import TestPKI
from tests.integration.backend.conftest import Api
from tests.integration.backend.test_instancies import FIELDS, PDF, submit

HOSTILE = {
    "bidi-override": "Pagament \u202eFDP.exe",
    "bidi-isolate": "Carrer \u2067Major\u2069",
    "zero-width-space": "Sor\u200boll",
    "zero-width-joiner": "Sor\u200doll",
    "byte-order-mark": "\ufeffSoroll",
    "private-use": "Soroll \ue000",
    "c1-control": "Soroll\x85",
    "c1-csi": "Soroll\x9b2J",
    "line-separator": "Soroll\u2028",
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_invisible_characters_in_text_are_refused(api: Api, value: str) -> None:
    before = api.scalar("SELECT count(*) FROM bustia_messages")
    for body in (
        {"kind": "queixa", "topic": value, "text": "Hi ha soroll."},
        {"kind": "queixa", "topic": "Soroll", "text": f"Hi ha soroll.\n{value}"},
    ):
        answer = api.post("/v1/bustia", json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "validation_error", answer.text
    assert api.scalar("SELECT count(*) FROM bustia_messages") == before


def test_ordinary_text_still_passes(api: Api) -> None:
    body = {"kind": "agraiment", "topic": "Plaça de Santa Anna", "text": "Gràcies! «Molt bé» — l·l, ñ, ç, €"}
    assert api.post("/v1/bustia", json=body).status_code == 201


NAMES = {
    "dot-dot": "..",
    "dot-dot-inside": "../../etc/passwd.pdf",
    "dot-dot-name": "informe..pdf",
    "backslash": "informes\\2026.pdf",
    "slash": "carpeta/informe.pdf",
    "bidi-override": "factura\u202efdp.exe.pdf",
    "zero-width": "infor\u200bme.pdf",
    "private-use": "informe\ue000.pdf",
    "c1-control": "informe\x85.pdf",
    "tab": "informe\t.pdf",
    "only-dots": "...",
    "too-long": "a" * 77 + ".pdf",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_bad_attachment_names_are_refused(api: Api, tokens: dict[str, str], name: str) -> None:
    before = api.scalar("SELECT count(*) FROM instancies")
    answer = submit(api, tokens["jordi"], files=[(name, PDF)])
    assert answer.status_code == 422 and answer.json()["code"] == "attachment_name", answer.text
    assert api.scalar("SELECT count(*) FROM instancies") == before


NOT_PDF = {
    "header-only": b"%PDF-",
    "header-then-anything": b"%PDF-" + b"MZ\x90\x00" * 100,
    "no-version": b"%PDF-\n1 0 obj<<>>endobj\n%%EOF\n",
    "bad-version": b"%PDF-9.9\n1 0 obj<<>>endobj\n%%EOF\n",
    "no-eof": b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n",
    "eof-not-at-the-end": b"%PDF-1.7\n%%EOF\n" + b"x" * 4096,
}


@pytest.mark.parametrize("content", NOT_PDF.values(), ids=NOT_PDF.keys())
def test_only_real_pdfs_pass_as_pdf(api: Api, tokens: dict[str, str], content: bytes) -> None:
    answer = submit(api, tokens["jordi"], files=[("document.pdf", content)])
    assert answer.status_code == 422 and answer.json()["code"] == "attachment_type", answer.text


def test_a_pdf_with_its_eof_marker_and_trailing_bytes_passes(api: Api, tokens: dict[str, str]) -> None:
    content = b"%PDF-2.0\r%\xe2\xe3\xcf\xd3\r1 0 obj<<>>endobj\rtrailer<<>>\r%%EOF\r\n" + b"\x00" * 500
    answer = submit(api, tokens["jordi"], {**FIELDS, "notification_channel": "paper"}, [("a.pdf", content)])
    assert answer.status_code == 201, answer.text
    assert json.loads(answer.text)["attachments"][0]["size"] == len(content)


CERTIFICATE_NAMES = {
    "given-name-too-long": ("PAU" * 70, "SERRA", "SERRA, PAU (AUTENTICACIÓN)"),
    "given-name-with-nul": ("PAU\x00X", "SERRA", "SERRA, PAU (AUTENTICACIÓN)"),
    "surnames-too-long": ("PAU", "SERRA" * 41, "PAU SERRA"),  # no comma in the CN: surnames from SN
    "surnames-with-nul": ("PAU", "SERRA\x00", "PAU SERRA"),
}


@pytest.mark.parametrize(("given", "surname", "cn"), CERTIFICATE_NAMES.values(), ids=CERTIFICATE_NAMES.keys())
def test_unstorable_certificate_names_are_refused_cleanly(
    api: Api, backend_pki: TestPKI, given: str, surname: str, cn: str
) -> None:
    cert = backend_pki.dnie.issue("23456789D", given, surname, common_name=cn)
    before = api.sessions()
    answer = api.post("/v1/auth/sessions", json=cert.login_body(api.challenge()))
    assert answer.status_code == 401 and answer.json()["code"] == "certificate_invalid", answer.text
    assert api.sessions() == before


def test_a_certificate_name_of_200_characters_logs_in(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("23456789D", "P" * 200, "S" * 200, common_name="PAU SERRA")
    answer = api.post("/v1/auth/sessions", json=cert.login_body(api.challenge()))
    assert answer.status_code == 201, answer.text
    assert answer.json()["citizen"]["given_name"] == "P" * 200
