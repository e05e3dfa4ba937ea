"""The backend suite runs twice: on SQLite and on PostgreSQL (a database of the private cluster), each
on a server of its own: the suite counts rows, so no other suite's citizens may share its database."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, create_engine, text

from devstack import backend
from devstack.postgres import PostgresInfo
from tests.fixtures.backend import Issued, TestPKI, training_server


def all_at_once(count: int, send: Callable[[int], requests.Response]) -> list[requests.Response]:
    """`send(0..count-1)` from `count` threads released by one barrier, so the requests overlap."""
    barrier = threading.Barrier(count)

    def run(n: int) -> requests.Response:
        barrier.wait()
        return send(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture(scope="session")
def postgres_backend(
    postgres_cluster: PostgresInfo, backend_trust_anchors: Path, backend_revoked_serials: list[int | str]
) -> Iterator[backend.BackendInfo]:
    database = postgres_cluster.create_database()
    yield from training_server(backend_trust_anchors, backend_revoked_serials, database)


@pytest.fixture(scope="session")
def sqlite_backend(
    backend_trust_anchors: Path, backend_revoked_serials: list[int | str]
) -> Iterator[backend.BackendInfo]:
    yield from training_server(backend_trust_anchors, backend_revoked_serials)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest) -> backend.BackendInfo:
    name = "sqlite_backend" if request.param == "sqlite" else "postgres_backend"
    info: backend.BackendInfo = request.getfixturevalue(name)
    return info


@dataclass
class Api:
    """Plain HTTP against the server, with this kiosk's credentials unless told otherwise."""

    info: backend.BackendInfo
    engine: Engine
    kiosk: tuple[str, str]

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        kiosk = KIOSK_OF.get(token, self.kiosk) if token else self.kiosk
        out = {"X-Kiosk-Id": kiosk[0], "X-Kiosk-Key": kiosk[1]}
        if token:
            out["Authorization"] = f"Bearer {token}"
        out.update({k.replace("_", "-"): v for k, v in extra.items()})
        return out

    def get(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        headers = {**self.headers(token), **kw.pop("headers", {})}
        return requests.get(self.info.url + path, headers=headers, timeout=30, **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        headers = {**self.headers(token), **kw.pop("headers", {})}
        return requests.post(self.info.url + path, headers=headers, timeout=60, **kw)

    def delete(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        headers = {**self.headers(token), **kw.pop("headers", {})}
        return requests.delete(self.info.url + path, headers=headers, timeout=30, **kw)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def execute(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)

    def sessions(self) -> int:
        return int(self.scalar("SELECT count(*) FROM citizen_sessions"))

    def challenge(self) -> dict[str, str]:
        r = self.post("/v1/auth/challenges")
        assert r.status_code == 201, r.text
        body: dict[str, str] = r.json()
        assert len(base64.b64decode(body["nonce"])) == 32
        return body

    def login(self, cert: Issued) -> dict[str, Any]:
        r = self.post("/v1/auth/sessions", json=cert.login_body(self.challenge()))
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    def weak_login(self, id_number: str, birth_date: str, postal_code: str) -> requests.Response:
        return self.post(
            "/v1/auth/weak-sessions",
            json={"id_number": id_number, "birth_date": birth_date, "postal_code": postal_code},
        )


@pytest.fixture(scope="session")
def server_engine(server: backend.BackendInfo) -> Iterator[Engine]:
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def api(server: backend.BackendInfo, server_engine: Engine) -> Api:
    return Api(server, server_engine, (server.kiosk_id, server.kiosk_key))


@dataclass
class Citizens:
    """Certificates for the test citizens of testcards/citizens.toml (issued by backend_pki)."""

    carmen: Issued  # dnie3-valid, household of 4 with a minor
    jordi: Issued  # dnie2-valid
    maria_rosa: Issued  # AOC form
    amina: Issued  # NIE
    pau: Issued  # not in the padró


@pytest.fixture(scope="session")
def citizens(backend_pki: TestPKI) -> Citizens:
    ca = backend_pki.dnie
    return Citizens(
        carmen=ca.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA"),
        jordi=ca.issue("87654321X", "JORDI", "PUIG", "FERRER"),
        maria_rosa=backend_pki.aoc.issue(
            "11111111H", "MARIA ROSA", "LLOPIS", "GÜELL", form="aoc", policy=None
        ),
        amina=ca.issue("X1234567L", "AMINA", "EL IDRISSI"),
        pau=ca.issue("23456789D", "PAU", "SERRA", "ROVIRA"),
    )


#: The kiosk each session of `tokens` was opened at: `Api` sends a token with its own kiosk's headers.
KIOSK_OF: dict[str, tuple[str, str]] = {}


@pytest.fixture(scope="session")
def tokens(server: backend.BackendInfo, citizens: Citizens, server_engine: Engine) -> dict[str, str]:
    """One certificate session per test citizen, for the procedure tests (per server), each at a kiosk of
    its own: a kiosk has one open session, its next login ends the one before."""
    out: dict[str, str] = {}
    for name in ("carmen", "jordi", "maria_rosa", "amina", "pau"):
        kiosk = server.add_kiosk(f"{name}-{server.port}")
        out[name] = Api(server, server_engine, kiosk).login(getattr(citizens, name))["token"]
        KIOSK_OF[out[name]] = kiosk
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: a SQLite file, or a new database of the private PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.sqlite3'}"
    cluster: PostgresInfo = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


def initial_revision_round_trip(
    url: str, tables: set[str], check: Callable[[Engine], None] = lambda engine: None
) -> None:
    """The single revision on the empty database at `url`: upgraded from empty, the models' schema exactly
    (compared as `test_migrations_build_the_models_schema` does), `tables` among it and `check` of it
    passing; downgraded to base, nothing left (Alembic's version table empty); upgraded again, the same."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from municipal import database
    from municipal.models import Base

    def assert_the_models_schema() -> None:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_heads() == ("0001",)
            assert compare_metadata(context, Base.metadata) == []
        assert tables <= set(inspect(engine).get_table_names())
        check(engine)

    engine = database.make_engine(url) if url.startswith("sqlite") else create_engine(url)
    try:
        database.migrate(engine)
        assert_the_models_schema()
        config = database.alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        left = inspect(engine)
        assert set(left.get_table_names()) == {"alembic_version"}
        assert engine.dialect.name == "sqlite" or left.get_sequence_names() == []  # SQLite has none
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_heads() == ()
        database.migrate(engine)
        assert_the_models_schema()
    finally:
        engine.dispose()
