"""Procedures over real HTTP: catalogue, padró documents, verification, deixalleria, bústia, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.backend.conftest import Api

pytestmark = pytest.mark.timeout(120)
OPENAPI = Path(__file__).resolve().parents[3] / "municipal" / "openapi.json"


def test_health_and_openapi_document_match_the_repo(api: Api) -> None:
    assert requests.get(api.info.url + "/v1/health", timeout=10).json()["training"] is True
    served = requests.get(api.info.url + "/v1/openapi.json", timeout=10).json()
    assert served == json.loads(OPENAPI.read_text()), "run `python -m municipal openapi --write`"


#: Written out here, not read from municipal.catalogue_data, so that a title in the wrong language fails.
VOLANT_TITLES = {
    "ca": "Volant d'empadronament individual",
    "es": "Volante de empadronamiento individual",
    "en": "Individual padró certificate (volant)",
}
VOLANT_SUMMARIES = {
    "ca": "Informa de la vostra adreça al padró. S'imprimeix aquí mateix.",
    "es": "Informa de su dirección en el padrón. Se imprime aquí mismo.",
    "en": "States your address in the padró. Printed right here.",
}


@pytest.mark.parametrize("language", ["ca", "es", "en"])
def test_catalogue(api: Api, language: str) -> None:
    r = requests.get(f"{api.info.url}/v1/catalogue", params={"language": language}, timeout=10)
    assert r.status_code == 200
    procedures = r.json()["procedures"]
    assert len(procedures) >= 25
    by_code = {p["code"]: p for p in procedures}
    volant = by_code["volant_individual"]
    assert (
        volant["needs_certificate"]
        and volant["completable_here"]
        and volant["kiosk_flow"] == "padro_document"
    )
    assert not by_code["bustia"]["needs_certificate"]
    elsewhere = [p for p in procedures if not p["completable_here"]]
    assert elsewhere and all(p["where_to_go"] and p["what_to_bring"] for p in elsewhere)
    assert r.json()["language"] == language
    assert volant["title"] == VOLANT_TITLES[language]
    assert volant["summary"] == VOLANT_SUMMARIES[language]


def test_catalogue_follows_accept_language(api: Api) -> None:
    r = requests.get(
        f"{api.info.url}/v1/catalogue", headers={"Accept-Language": "es-ES,es;q=0.9"}, timeout=10
    )
    assert r.json()["language"] == "es"


def test_departments(api: Api) -> None:
    departments = requests.get(f"{api.info.url}/v1/departments?language=ca", timeout=10).json()["departments"]
    assert {"code": "PADRO", "name": "Padró d'habitants"} in departments


def test_registration(api: Api, tokens: dict[str, str]) -> None:
    body = api.get("/v1/padro/registration", tokens["carmen"]).json()
    assert body["registered"] and body["inhabitants"] == 4
    assert body["address"]["postal_code"] == "08301" and body["address"]["municipality"] == "Mataró"
    body = api.get("/v1/padro/registration", tokens["pau"]).json()
    assert body == {"registered": False, "address": None, "registered_since": None, "inhabitants": 0}


def test_volant_individual(api: Api, tokens: dict[str, str]) -> None:
    r = api.post(
        "/v1/padro/documents", tokens["carmen"], json={"kind": "volant_individual", "language": "es"}
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["kind"] == "volant_individual" and doc["language"] == "es" and doc["training"] is True
    assert doc["verify_url"] == f"{api.info.url}/v1/verify/{doc['csv']}"
    assert doc["issued_at"][-6:] in ("+01:00", "+02:00")
    assert doc["holder"] == {
        "id_number": "12345678Z",
        "given_name": "CARMEN",
        "surnames": "ESPAÑOLA ESPAÑOLA",
        "birth_date": "1980-04-15",
    }
    assert [p["id_number"] for p in doc["inhabitants"]] == ["12345678Z"]
    verified = requests.get(doc["verify_url"], timeout=10).json()
    assert verified["kind"] == "volant_individual" and verified["csv"] == doc["csv"]
    assert verified["document"]["holder"] == {
        "id_number": "***4567**",
        "given_name": "CARMEN",
        "surnames": "ESPAÑOLA ESPAÑOLA",
    }


@pytest.mark.parametrize("kind", ["volant_collectiu", "certificat_convivencia"])
def test_household_documents(api: Api, tokens: dict[str, str], kind: str) -> None:
    doc = api.post("/v1/padro/documents", tokens["carmen"], json={"kind": kind}).json()
    assert doc["kind"] == kind and len(doc["inhabitants"]) == 4
    births = [p["birth_date"] for p in doc["inhabitants"]]
    assert births == sorted(births) and any(b >= "2009" for b in births)  # a minor lives there
    assert "12345678Z" in [p["id_number"] for p in doc["inhabitants"]]


def test_nie_holder_household(api: Api, tokens: dict[str, str]) -> None:
    doc = api.post("/v1/padro/documents", tokens["amina"], json={"kind": "volant_collectiu"}).json()
    assert doc["holder"]["id_number"] == "X1234567L" and len(doc["inhabitants"]) >= 3


def test_not_registered_is_refused_with_a_reason(api: Api, tokens: dict[str, str]) -> None:
    before = api.scalar("SELECT count(*) FROM issued_documents")
    r = api.post(
        "/v1/padro/documents",
        tokens["pau"],
        json={"kind": "volant_individual"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 409
    assert r.json()["code"] == "not_registered" and "not registered" in r.json()["message"]
    assert api.scalar("SELECT count(*) FROM issued_documents") == before


def test_idempotency_key(api: Api, tokens: dict[str, str]) -> None:
    headers = {"Idempotency-Key": "volant-idem-1"}
    first = api.post(
        "/v1/padro/documents", tokens["jordi"], json={"kind": "volant_individual"}, headers=headers
    )
    again = api.post(
        "/v1/padro/documents", tokens["jordi"], json={"kind": "volant_individual"}, headers=headers
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = api.post(
        "/v1/padro/documents", tokens["jordi"], json={"kind": "volant_collectiu"}, headers=headers
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert api.scalar("SELECT count(*) FROM issued_documents WHERE csv = :c", c=first.json()["csv"]) == 1


def test_verify_unknown_csv(api: Api) -> None:
    r = requests.get(f"{api.info.url}/v1/verify/NOSUCHCSV", headers={"Accept-Language": "es"}, timeout=10)
    assert r.status_code == 404
    assert r.json() == {
        "code": "document_not_found",
        "message": "No hay ningún documento con este código seguro de verificación.",
        "detail": None,
    }


@pytest.mark.parametrize(
    ("citizen", "last_year", "amount", "band_min"),
    [
        ("carmen", 8, "17.50", 7),
        ("jordi", 14, "23.00", 13),
        ("maria_rosa", 5, "12.00", 4),
        ("amina", 2, "0.00", None),
    ],
)
def test_deixalleria_bonus_bands(
    api: Api, tokens: dict[str, str], citizen: str, last_year: int, amount: str, band_min: int | None
) -> None:
    r = api.get("/v1/deixalleria/summary", tokens[citizen])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["visits_last_year"] == last_year
    assert body["bonus"]["amount"] == amount
    assert (body["bonus"]["band"] or {}).get("min_visits") == band_min
    assert body["card"]["status"] == "active"
    assert len(body["visits"]) == body["visits_this_year"]
    assert requests.get(f"{api.info.url}/v1/verify/{body['csv']}", timeout=10).status_code == 200


def test_deixalleria_next_band_and_other_year(api: Api, tokens: dict[str, str]) -> None:
    body = api.get("/v1/deixalleria/summary", tokens["carmen"]).json()
    assert body["visits_this_year"] == 3
    assert body["bonus"]["next_band"] == {"min_visits": 4, "amount": "12.00", "visits_needed": 1}
    last = api.get("/v1/deixalleria/summary", tokens["carmen"], params={"year": body["year"] - 1}).json()
    assert last["visits_this_year"] == 8 and last["year"] == body["year"] - 1
    assert last["bonus"]["tax_year"] == body["year"] - 1


def test_deixalleria_card_request(api: Api) -> None:
    # Isabel (test card pin-last-try) has no card: identify weakly and request one.
    token = api.weak_login("56789012B", "1950-02-28", "08303").json()["token"]
    assert api.get("/v1/deixalleria/summary", token).json()["card"] is None
    headers = {"Idempotency-Key": "card-isabel"}
    r = api.post("/v1/deixalleria/cards", token, json={"delivery": "pickup"}, headers=headers)
    assert r.status_code == 201, r.text
    card = r.json()["card"]
    assert card["status"] == "requested" and card["holder_name"] == "ISABEL FONT GARCIA"
    again = api.post("/v1/deixalleria/cards", token, json={"delivery": "pickup"}, headers=headers)
    assert again.json() == r.json()
    second = api.post("/v1/deixalleria/cards", token, json={"delivery": "delivery"})
    assert second.status_code == 409 and second.json()["code"] == "card_exists"
    assert api.get("/v1/deixalleria/summary", token).json()["card"]["number"] == card["number"]


def test_deixalleria_replace_lost_card(api: Api, citizens: object) -> None:
    token = api.weak_login("11111111H", "1991-07-23", "08303").json()["token"]
    old = api.get("/v1/deixalleria/summary", token).json()["card"]["number"]
    r = api.post("/v1/deixalleria/cards", token, json={"delivery": "delivery", "replace_lost": True})
    assert r.status_code == 201 and r.json()["card"]["number"] != old
    assert api.scalar("SELECT status FROM deixalleria_cards WHERE number = :n", n=old) == "lost"


def test_bustia_anonymous_and_identified(api: Api, tokens: dict[str, str]) -> None:
    body = {"kind": "suggeriment", "topic": "Parcs", "text": "Més ombra al parc Central, si us plau."}
    anonymous = api.post("/v1/bustia", json=body)
    assert anonymous.status_code == 201, anonymous.text
    receipt = anonymous.json()
    assert receipt["reference"].startswith("QS/") and receipt["contact"] is None
    contact = {"email": "veina@example.org", "phone": "+34 600 000 000"}
    identified = api.post(
        "/v1/bustia", tokens["jordi"], json={**body, "kind": "agraiment", "contact": contact}
    )
    assert identified.status_code == 201 and identified.json()["contact"] == contact
    n1, n2 = (int(x.json()["reference"].rsplit("/", 1)[1]) for x in (anonymous, identified))
    assert n2 > n1
    assert api.post("/v1/bustia", json={**body, "kind": "insult"}).status_code == 422


def test_error_shape_everywhere(api: Api) -> None:
    cases = [
        requests.get(f"{api.info.url}/v1/nowhere", timeout=10),
        requests.put(f"{api.info.url}/v1/catalogue", timeout=10),
        # Authenticated before validated: without a session the body is not looked at.
        api.post("/v1/padro/documents", json={"kind": "passport"}),
        api.post("/v1/bustia", data="{not json", headers={"Content-Type": "application/json"}),
        api.post("/v1/bustia", data=b"x" * 70_000),
    ]
    assert [r.status_code for r in cases] == [404, 405, 401, 422, 413]
    for r in cases:
        assert set(r.json()) == {"code", "message", "detail"}


def test_body_limit_applies_to_chunked_bodies(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 4096

    r = api.post("/v1/bustia", data=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "request_too_large"
