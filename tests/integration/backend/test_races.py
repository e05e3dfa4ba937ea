"""Check-then-act races, on SQLite and PostgreSQL: many requests at once, each a real HTTP request on a
connection of its own, released together. The weak-login limits are never exceeded, and a citizen never
gets two requested deixalleria cards, however the requests interleave."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import bindparam, text

from municipal import ids, seed
from tests.integration.backend.conftest import Api, all_at_once


def _valid_id(digits: int) -> str:
    return f"{digits:08d}{ids.check_letter(digits)}"


def _new_kiosk(api: Api, purpose: str) -> Api:
    return Api(api.info, api.engine, api.info.add_kiosk(f"{purpose}-{uuid.uuid4().hex[:8]}"))


def _weak_body(id_number: str, birth_date: str = "1970-01-01", postal_code: str = "08301") -> dict[str, str]:
    return {"id_number": id_number, "birth_date": birth_date, "postal_code": postal_code}


def test_weak_login_limit_per_id_number_holds_under_concurrency(api: Api) -> None:
    kiosk = _new_kiosk(api, "race-id")
    id_number = _valid_id(20_000_000 + uuid.uuid4().int % 1_000_000)  # nobody in the padró
    answers = all_at_once(30, lambda _: kiosk.post("/v1/auth/weak-sessions", json=_weak_body(id_number)))
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {401: 5, 429: 25}, statuses
    failures = "SELECT count(*) FROM weak_login_attempts WHERE kiosk_id = :k AND NOT success"
    assert kiosk.scalar(failures, k=kiosk.kiosk[0]) == 5


def test_weak_login_limit_per_kiosk_holds_under_concurrency(api: Api) -> None:
    kiosk = _new_kiosk(api, "race-kiosk")
    base = 30_000_000 + uuid.uuid4().int % 1_000_000
    answers = all_at_once(
        40, lambda n: kiosk.post("/v1/auth/weak-sessions", json=_weak_body(_valid_id(base + n)))
    )
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {401: 20, 429: 20}, statuses
    failures = "SELECT count(*) FROM weak_login_attempts WHERE kiosk_id = :k AND NOT success"
    assert kiosk.scalar(failures, k=kiosk.kiosk[0]) == 20


def _padro_person(api: Api, with_card: str | None) -> tuple[str, str, str]:
    """A demo padró resident (not a test card's holder, not used before) with no card, or with exactly
    one card in the status `with_card`: (id number, birth date, postal code)."""
    taken = tuple(c["id_number"] for c in seed.test_citizens())
    cards = "(SELECT count(*) FROM deixalleria_cards d WHERE d.id_number = p.id_number)"
    status = "(SELECT min(status) FROM deixalleria_cards d WHERE d.id_number = p.id_number)"
    condition = f"{cards} = 0" if with_card is None else f"{cards} = 1 AND {status} = :status"
    with api.engine.connect() as conn:
        query = text(
            "SELECT p.id_number, p.birth_date, a.postal_code FROM people p"
            " JOIN registrations r ON r.person_id = p.id AND r.left_on IS NULL"
            " JOIN addresses a ON a.id = r.address_id"
            f" WHERE p.id_number IS NOT NULL AND p.id_number NOT IN :taken AND {condition}"
            " AND NOT EXISTS (SELECT 1 FROM citizen_sessions s WHERE s.id_number = p.id_number)"
            " ORDER BY p.id LIMIT 1"
        ).bindparams(bindparam("taken", expanding=True))
        params: dict[str, Any] = {"taken": taken}
        if with_card is not None:
            params["status"] = with_card
        row = conn.execute(query, params).one()
    return str(row[0]), str(row[1])[:10], str(row[2])


@pytest.mark.parametrize("replace_lost", [False, True], ids=["first-card", "replace-lost-card"])
def test_one_requested_card_under_concurrency(api: Api, replace_lost: bool) -> None:
    kiosk = _new_kiosk(api, "race-card")
    id_number, birth, postal = _padro_person(api, "active" if replace_lost else None)
    login = kiosk.post("/v1/auth/weak-sessions", json=_weak_body(id_number, birth, postal))
    assert login.status_code == 201, login.text
    token = login.json()["token"]
    body = {"delivery": "pickup", "replace_lost": replace_lost}
    answers = all_at_once(
        20,
        lambda n: kiosk.post(
            "/v1/deixalleria/cards", token, json=body, headers={"Idempotency-Key": f"race-card-{n}"}
        ),
    )
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {201: 1, 409: 19}, statuses
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"card_exists"}
    by_status = "SELECT count(*) FROM deixalleria_cards WHERE id_number = :i AND status = :s"
    assert kiosk.scalar(by_status, i=id_number, s="requested") == 1
    assert kiosk.scalar(by_status, i=id_number, s="active") == 0
    assert kiosk.scalar(by_status, i=id_number, s="lost") == (1 if replace_lost else 0)
