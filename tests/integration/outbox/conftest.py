"""The outbox's real components: a migrated database (SQLite, and PostgreSQL from the private cluster),
aiosmtpd on loopback (devstack.smtp) and the HTTP SMS sink (devstack.smssink)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from devstack import smssink, smtp
from devstack.postgres import PostgresInfo
from municipal import database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        cluster: PostgresInfo = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database()
    else:
        url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
    engine = database.make_engine(url, pool_size=5)
    database.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[smtp.SmtpServer]:
    with smtp.running(tmp_path / "email") as server:
        yield server


@pytest.fixture
def sms(tmp_path: Path) -> Iterator[smssink.SmsSink]:
    with smssink.running(tmp_path / "sms") as sink:
        yield sink
