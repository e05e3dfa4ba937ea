"""The training reset over real HTTP (`POST /v1/training/reset`), on SQLite and on PostgreSQL: it erases
what citizens did, gives back exactly the demo data of a fresh seed with its numbering from the start,
keeps the kiosks, is safe to repeat and honours an Idempotency-Key; a production server has no such route;
and the kiosk's client method with its typed errors.

Each database gets a training server of its own: a reset on the suite's shared servers would erase the
sessions and entries other tests stand on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, create_engine, select

from devstack import backend
from devstack.backend import BackendInfo
from kiosk.backend.client import BackendClient, NotAuthorised, NotTraining
from municipal import database, seed, timeutil, training
from municipal.models import Base
from tests.fixtures.backend import new_client
from tests.integration.backend.conftest import Api, Citizens
from tests.integration.backend.test_instancies import PDF, submit

pytestmark = pytest.mark.timeout(180)
RESET = "/v1/training/reset"
#: Where citizens' work lands: every one must be empty after a reset.
CITIZEN_TABLES = (
    "instancies",
    "instancia_attachments",
    "issued_documents",
    "bustia_messages",
    "citizen_sessions",
    "auth_challenges",
    "weak_login_attempts",
    "idempotency_records",
)
#: Set from the clock when the seed runs (a card's request date): left out of the comparison.
CLOCK_COLUMNS = {"requested_at"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def training_server(request: pytest.FixtureRequest, backend_trust_anchors: Path) -> Iterator[BackendInfo]:
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_cluster").create_database()
    with backend.running(database_url=url, trust_anchors=backend_trust_anchors, training=True) as info:
        yield info


@pytest.fixture(scope="module")
def tapi(training_server: BackendInfo) -> Iterator[Api]:
    engine = create_engine(training_server.database_url)
    yield Api(training_server, engine, (training_server.kiosk_id, training_server.kiosk_key))
    engine.dispose()


@pytest.fixture(scope="module")
def production_server(backend_trust_anchors: Path) -> Iterator[BackendInfo]:
    with backend.running(trust_anchors=backend_trust_anchors, training=False) as info:
        yield info


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table but the kiosks, in primary-key order, typed by the models (dates as dates on both
    databases), without the columns the clock sets."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in training.KEEP:
                continue
            columns = [c for c in table.columns if c.name not in CLOCK_COLUMNS]
            query = select(*columns).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in connection.execute(query)]
    return out


@pytest.fixture(scope="module")
def fresh_seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], dict[str, list[Any]]]:
    """What `seed --demo` gives a new database: its counts and every row."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fresh-seed') / 'fresh.sqlite3'}"
    engine = database.make_engine(url, pool_size=1)
    try:
        database.migrate(engine)
        counts = seed.seed_demo(engine)
        return counts, table_rows(engine)
    finally:
        engine.dispose()


def reset(api: Api, key: str | None = None, language: str = "ca") -> requests.Response:
    headers = {"Accept-Language": language, **({"Idempotency-Key": key} if key else {})}
    return api.post(RESET, headers=headers)


def count(api: Api, table: str) -> int:
    return int(api.scalar(f"SELECT count(*) FROM {table}"))


def citizen_work(api: Api, citizens: Citizens, *, card: bool = True) -> dict[str, Any]:
    """What a trainee does: a bústia message, an instància with an attachment, a volant, a replacement
    deixalleria card (the demo card marked lost; unless `card` is false), and a failed weak
    identification. Each write carries an Idempotency-Key but the card request."""
    token = api.login(citizens.carmen)["token"]
    bustia = api.post(
        "/v1/bustia",
        token,
        json={"kind": "suggeriment", "topic": "Prova", "text": "Un missatge de prova."},
        headers={"Idempotency-Key": f"bustia-{uuid.uuid4()}"},
    )
    instancia = submit(api, token, files=[("prova.pdf", PDF)], key=f"instancia-{uuid.uuid4()}")
    volant = api.post(
        "/v1/padro/documents",
        token,
        json={"kind": "volant_individual", "language": "ca"},
        headers={"Idempotency-Key": f"volant-{uuid.uuid4()}"},
    )
    writes = [bustia, instancia, volant]
    if card:
        writes.append(
            api.post("/v1/deixalleria/cards", token, json={"delivery": "pickup", "replace_lost": True})
        )
    for r in writes:
        assert r.status_code == 201, r.text
    weak = api.weak_login("12345678Z", "1901-01-01", "08301")
    assert weak.status_code == 401
    return {
        "token": token,
        "bustia": bustia.json(),
        "instancia": instancia.json(),
        "volant": volant.json(),
        "card": writes[3].json() if card else None,
    }


def test_reset_erases_citizens_work_and_restores_the_fresh_demo(
    tapi: Api, citizens: Citizens, fresh_seed: tuple[dict[str, int], dict[str, list[Any]]]
) -> None:
    assert reset(tapi).status_code == 200  # from a known state: nothing of the module's other tests
    kiosks = count(tapi, "kiosks")
    done = citizen_work(tapi, citizens)
    assert count(tapi, "bustia_messages") == count(tapi, "instancies") == 1
    assert count(tapi, "instancia_attachments") == 1 and count(tapi, "issued_documents") == 3
    lost = "SELECT count(*) FROM deixalleria_cards WHERE id_number = '12345678Z' AND status = 'lost'"
    assert tapi.scalar(lost) == 1

    r = reset(tapi)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["erased"] == {
        "registry_entries": 1,
        "attachments": 1,
        "documents": 3,
        "bustia_messages": 1,
        "activity_applications": 0,
        "deixalleria_card_requests": 1,
        "citizen_sessions": 1,
        "login_challenges": 1,
        "login_attempts": 1,
        "idempotency_records": 3,
    }
    counts, rows = fresh_seed
    assert body["restored"] == {k.replace(" ", "_"): v for k, v in counts.items()}
    # Nothing of it is left, the kiosks stay, and the demo data is row for row a fresh seed's.
    for table in CITIZEN_TABLES:
        assert count(tapi, table) == 0, table
    assert count(tapi, "kiosks") == kiosks
    assert table_rows(tapi.engine) == rows
    # The trainee's session is gone with it; the CSVs no longer verify.
    assert tapi.get("/v1/padro/registration", done["token"]).json()["code"] == "session_expired"
    for issued in ("bustia", "instancia", "volant"):
        assert requests.get(done[issued]["verify_url"], timeout=10).status_code == 404


def test_registry_numbering_restarts(tapi: Api, citizens: Citizens) -> None:
    citizen_work(tapi, citizens)
    citizen_work(tapi, citizens, card=False)  # the second entry of each series
    r = reset(tapi)
    assert r.status_code == 200 and r.json()["erased"]["registry_entries"] >= 2
    done = citizen_work(tapi, citizens)
    year = timeutil.local_year(timeutil.now())
    assert done["instancia"]["registry_number"] == f"E/{year}/000001"
    assert done["bustia"]["reference"] == f"QS/{year}/000001"
    demo_cards = r.json()["restored"]["deixalleria_cards"]
    assert done["card"]["card"]["number"] == f"MAT-{demo_cards + 1:06d}"


def test_reset_twice_and_with_an_idempotency_key(tapi: Api, citizens: Citizens) -> None:
    first, second = reset(tapi), reset(tapi)
    assert first.status_code == second.status_code == 200
    assert set(second.json()["erased"].values()) == {0}
    assert second.json()["restored"] == first.json()["restored"]
    # A retry with the same key replays the first answer and erases nothing more.
    keyed = reset(tapi, "reset-1")
    assert keyed.status_code == 200
    token = tapi.login(citizens.jordi)["token"]
    r = tapi.post("/v1/bustia", token, json={"kind": "agraiment", "topic": "Prova", "text": "Gràcies."})
    assert r.status_code == 201
    again = reset(tapi, "reset-1")
    assert again.status_code == 200 and again.json() == keyed.json()
    assert count(tapi, "bustia_messages") == 1 and count(tapi, "citizen_sessions") == 1
    # Another key resets again, and takes the first key's record with it.
    assert reset(tapi, "reset-2").json()["erased"]["bustia_messages"] == 1
    assert count(tapi, "bustia_messages") == 0 and count(tapi, "idempotency_records") == 1


def test_unknown_kiosk_is_refused_and_nothing_is_erased(tapi: Api) -> None:
    r = tapi.post("/v1/bustia", json={"kind": "queixa", "topic": "Prova", "text": "Una queixa."})
    assert r.status_code == 201
    for headers in (
        {"X-Kiosk-Id": "no-such-kiosk", "X-Kiosk-Key": tapi.kiosk[1]},
        {"X-Kiosk-Id": tapi.kiosk[0], "X-Kiosk-Key": "wrong"},
        {},
    ):
        refused = requests.post(tapi.info.url + RESET, headers=headers, timeout=30)
        assert refused.status_code == 401
        assert set(refused.json()) == {"code", "message", "detail"}
        assert refused.json()["code"] == "kiosk_unauthorised"
    kept = "SELECT count(*) FROM bustia_messages WHERE reference = :r"
    assert tapi.scalar(kept, r=r.json()["reference"]) == 1


def test_production_server_has_no_reset(production_server: BackendInfo) -> None:
    engine = create_engine(production_server.database_url)
    try:
        api = Api(production_server, engine, (production_server.kiosk_id, production_server.kiosk_key))
        r = api.post("/v1/bustia", json={"kind": "queixa", "topic": "Prova", "text": "Una queixa."})
        assert r.status_code == 201
        refused = reset(api, "reset-1", language="es")
        assert refused.status_code == 404
        assert refused.json() == {
            "code": "not_found",
            "message": "No se ha encontrado lo que solicita.",
            "detail": None,
        }
        assert api.scalar("SELECT count(*) FROM bustia_messages") == 1
        assert api.get("/v1/health").json()["training"] is False
    finally:
        engine.dispose()


def test_reset_is_in_no_openapi_document(
    training_server: BackendInfo, production_server: BackendInfo
) -> None:
    for info in (training_server, production_server):
        document = requests.get(info.url + "/v1/openapi.json", timeout=10).json()
        assert document["paths"] and not [p for p in document["paths"] if p.startswith("/v1/training")]


def test_client_reset_training_data(training_server: BackendInfo, production_server: BackendInfo) -> None:
    def client(info: BackendInfo, key: str | None = None) -> BackendClient:
        return new_client(info.url, info.kiosk_id, key or info.kiosk_key, backoff=0.05)

    with_training = client(training_server)
    try:
        result = with_training.reset_training_data()
        assert result.restored["people"] > 0 and result.restored["deixalleria_cards"] > 0
        assert result.reset_at.tzinfo is not None and "registry_entries" in result.erased
        again = with_training.reset_training_data(idempotency_key="client-key")
        assert with_training.reset_training_data(idempotency_key="client-key") == again
    finally:
        with_training.close()
    production = client(production_server)
    try:
        with pytest.raises(NotTraining) as refused:
            production.reset_training_data()
        assert refused.value.code == "not_found" and refused.value.message
    finally:
        production.close()
    wrong_key = client(training_server, "not-the-key")
    try:
        with pytest.raises(NotAuthorised):
            wrong_key.reset_training_data()
    finally:
        wrong_key.close()
