"""Document verification over real HTTP: what a verifier gets for a CSV (kind, date, holder, the digest of
the PDF as issued, the PDF laid out as printed) and what it never gets (ID numbers, birth dates, postal
code, contact), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import re
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from contract.documents import document_from_payload
from printing.render import render
from tests.integration.backend.conftest import Api
from tests.integration.backend.test_instancies import FIELDS, PDF, submit

pytestmark = pytest.mark.timeout(120)

#: Carmen's household in the demo padró: four people, one a minor.
CARMEN = "12345678Z"


def verification(api: Api, csv: str) -> dict[str, Any]:
    r = requests.get(f"{api.info.url}/v1/verify/{csv}", timeout=30)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def secrets_of(doc: dict[str, Any]) -> list[str]:
    """The identification data an issued padró document carries in clear."""
    people = [doc["holder"], *doc["inhabitants"]]
    out = [p["id_number"] for p in people if p.get("id_number")]
    out += [p["birth_date"] for p in people if p.get("birth_date")]
    return out + [doc["address"]["postal_code"]]


def test_volant_collectiu_verification_withholds_identification_data(
    api: Api, tokens: dict[str, str]
) -> None:
    doc = api.post("/v1/padro/documents", tokens["carmen"], json={"kind": "volant_collectiu"}).json()
    assert any(p["birth_date"] >= "2009" for p in doc["inhabitants"])  # the minor is there
    body = verification(api, doc["csv"])

    assert set(body) == {
        "csv", "kind", "issued_at", "language", "training", "holder", "pdf_sha256", "pdf_url",
        "withheld", "document",
    }  # fmt: skip
    assert body["csv"] == doc["csv"] and body["kind"] == "volant_collectiu"
    assert body["language"] == "ca" and body["training"] is True
    assert body["holder"] == {"name": "CARMEN ESPAÑOLA ESPAÑOLA", "id_number": "***4567**"}
    assert body["withheld"] == {
        "id_number": "mask",
        "birth_date": "omit",
        "postal_code": "omit",
        "contact": "omit",
    }
    # The answer as a whole carries none of the data the weak identification asks.
    text = json.dumps(body)
    assert [s for s in secrets_of(doc) if s in text] == []
    shown = body["document"]
    assert len(shown["inhabitants"]) == 4
    assert all("birth_date" not in p for p in [shown["holder"], *shown["inhabitants"]])
    assert "postal_code" not in shown["address"] and shown["address"]["street"] == doc["address"]["street"]
    for clear, masked in zip(doc["inhabitants"], shown["inhabitants"], strict=True):
        assert masked["given_name"] == clear["given_name"]
        assert re.fullmatch(r"\*{3}\d{4}\*{2}|\*{4}\d{4}\*", masked["id_number"]), masked
    # The digest is the one of the PDF the kiosk prints from the document as issued.
    issued_pdf = render(document_from_payload(doc))
    assert body["pdf_sha256"] == hashlib.sha256(issued_pdf).hexdigest()


def test_verification_pdf_is_laid_out_as_printed_without_identification_data(
    api: Api, tokens: dict[str, str]
) -> None:
    doc = api.post("/v1/padro/documents", tokens["carmen"], json={"kind": "volant_collectiu"}).json()
    body = verification(api, doc["csv"])
    assert body["pdf_url"] == f"{api.info.url}/v1/verify/{doc['csv']}/pdf"
    r = requests.get(body["pdf_url"], timeout=30)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    text = text.replace("08301 Mataró · Tel.", "")  # the city's own address, in every page's header
    assert doc["csv"] in text and "ESPAÑOLA" in text and "***4567**" in text
    births = [p["birth_date"] for p in doc["inhabitants"]]
    printed_births = [f"{b[8:10]}/{b[5:7]}/{b[0:4]}" for b in births]
    assert [s for s in [*secrets_of(doc), *printed_births] if s in text] == []
    # ...while the PDF as issued (what the digest is of) shows them: the masking is the server's.
    issued = render(document_from_payload(doc))
    issued_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(issued)).pages)
    assert CARMEN in issued_text
    assert requests.get(f"{api.info.url}/v1/verify/NOSUCHCSV/pdf", timeout=10).status_code == 404


def test_instancia_verification_leaves_out_the_contact(api: Api, tokens: dict[str, str]) -> None:
    r = submit(api, tokens["jordi"], files=[("carta.pdf", PDF)])  # with a contact, to be left out
    assert r.status_code == 201, r.text
    receipt = r.json()
    body = verification(api, receipt["csv"])
    assert body["kind"] == "instancia"
    assert body["holder"] == {"name": "JORDI PUIG FERRER", "id_number": "***5432**"}
    shown = body["document"]
    assert shown["registry_number"] == receipt["registry_number"]
    assert shown["attachments"] == receipt["attachments"]
    assert "contact" not in shown and FIELDS["contact"]["email"] not in json.dumps(body)
    assert "87654321X" not in json.dumps(body)


def test_deixalleria_summary_verification_names_the_card_holder(api: Api, tokens: dict[str, str]) -> None:
    summary = api.get("/v1/deixalleria/summary", tokens["carmen"]).json()
    body = verification(api, summary["csv"])
    assert body["kind"] == "deixalleria_summary"
    assert body["holder"] == {"name": summary["card"]["holder_name"], "id_number": None}
    assert body["document"]["card"] == summary["card"]
    assert body["pdf_sha256"] == hashlib.sha256(render(document_from_payload(summary))).hexdigest()
