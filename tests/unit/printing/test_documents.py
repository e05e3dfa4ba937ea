"""Document payloads: the backend's JSON shapes become typed documents, or a DocumentError for staff."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contract.documents import (
    BustiaReceipt,
    DeixalleriaSummary,
    DocumentError,
    InstanciaReceipt,
    PadroDocument,
    document_from_payload,
)
from printing import samples


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("volant_individual", PadroDocument),
        ("volant_collectiu", PadroDocument),
        ("certificat_convivencia", PadroDocument),
        ("instancia", InstanciaReceipt),
        ("deixalleria", DeixalleriaSummary),
        ("bustia", BustiaReceipt),
    ],
)
def test_each_payload_becomes_its_document(name: str, kind: type) -> None:
    document = document_from_payload(samples.all_samples()[name])
    assert type(document) is kind
    assert document.csv and document.verify_url.endswith("/v1/verify/" + document.csv)
    assert document.issued_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("schema", "payload"),
    [
        (PadroDocument, samples.padro("volant_collectiu", 3)),
        (InstanciaReceipt, samples.instancia()),
        (DeixalleriaSummary, samples.deixalleria()),
        (BustiaReceipt, samples.bustia()),
    ],
)
def test_what_the_backend_serialises_parses(schema: Any, payload: dict[str, Any]) -> None:
    # What the backend sends is what printing reads: one model, serialised and read back unchanged.
    sent = schema.model_validate(payload)
    document = document_from_payload(json.loads(sent.model_dump_json()))
    assert document == sent


def test_padro_fields_are_typed() -> None:
    doc = PadroDocument.from_payload(samples.padro("volant_collectiu", 4))
    assert doc.kind == "volant_collectiu" and doc.is_volant
    assert [p.given_name for p in doc.inhabitants] == ["Núria", "Marcel·lí", "Begoña", "Àlex"]
    assert doc.inhabitants[3].id_number is None  # a minor without DNI
    assert doc.inhabitants[0].birth_date == date(1980, 4, 15)
    assert doc.address.postal_code == "08302"


def test_deixalleria_amounts_are_decimals_and_card_may_be_missing() -> None:
    payload = samples.deixalleria()
    doc = DeixalleriaSummary.from_payload(payload)
    assert doc.bonus.amount == Decimal("17.50")
    assert doc.bonus.band is not None and doc.bonus.band.max_visits == 12
    no_card = DeixalleriaSummary.from_payload({**payload, "card": None})
    assert no_card.card is None


def test_unknown_fields_are_ignored_for_later_contract_versions() -> None:
    doc = document_from_payload({**samples.bustia(), "something_new": [1, 2]})
    assert isinstance(doc, BustiaReceipt)


def test_a_missing_field_is_named() -> None:
    payload = samples.padro()
    del payload["csv"]
    with pytest.raises(DocumentError, match="csv"):
        document_from_payload(payload)


def test_errors_never_carry_citizen_data() -> None:
    payload = samples.instancia()
    payload["attachments"][0]["sha256"] = "Núria-not-a-hash"
    payload["applicant"]["given_name"] = None
    with pytest.raises(DocumentError) as caught:
        document_from_payload(payload)
    message = str(caught.value)
    assert "attachments.0.sha256" in message and "applicant.given_name" in message
    assert "Núria" not in message and "Pérez" not in message


def test_issue_date_needs_an_offset() -> None:
    with pytest.raises(DocumentError, match="issued_at"):
        document_from_payload({**samples.bustia(), "issued_at": "2026-03-02T10:15:00"})


def test_unknown_document_kind() -> None:
    with pytest.raises(DocumentError, match="unknown kind"):
        document_from_payload({"csv": "X" * 20, "kind": "passport"})
    with pytest.raises(DocumentError):
        document_from_payload([])  # type: ignore[arg-type]


def test_language_is_catalan_unless_spanish_is_asked() -> None:
    payload = samples.bustia()
    del payload["language"]
    assert document_from_payload(payload).language == "ca"
    with pytest.raises(DocumentError, match="language"):
        document_from_payload({**payload, "language": "en"})
