"""The reference server SIGKILLed during a burst of instància submissions, on SQLite and on PostgreSQL,
then started again on the same database: no gap and no number twice in `E/<year>/<n>`, every
acknowledged entry there once, every unacknowledged one there once or absent, and the kiosk's retry
with the same Idempotency-Key resolves each (the same entry, or a new one, once).

One submission is made unacknowledged on purpose before the kill: a proxy loses its reply after the
server committed it; its retry comes after the restart, so it must be recognised by a server process
that never saw it."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from devstack import backend
from devstack.postgres import PostgresInfo
from kiosk.backend.client import BackendUnavailable
from tests.fixtures.backend import Issued
from tests.fixtures.proxy import LossyProxy
from tests.integration.durability.harness import (
    Kiosk,
    Submission,
    audit,
    join_and_audit,
    login,
    new_client,
    registry,
    resolve,
    submissions_of,
    wait_acknowledged,
    wait_parked,
    wait_submitting,
)

pytestmark = pytest.mark.timeout(150)
KIOSKS = 4


def _database(request: pytest.FixtureRequest, kind: str) -> str | None:
    if kind == "sqlite":
        return None
    cluster: PostgresInfo = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


def lose_one_reply(
    server: backend.BackendInfo, applicant: Issued, attachment: Path
) -> tuple[Submission, str]:
    """A submission the server registered and whose reply the kiosk never got (and the citizen's token)."""
    proxy = LossyProxy(server.url)
    client = new_client(proxy.url, server.kiosk_id, server.kiosk_key, retries=0)
    try:
        token = login(client, applicant)
        lost = Submission("lost", "Durabilitat resposta perduda")
        proxy.cut_idle_connections()
        proxy.drop_next_reply.set()
        with pytest.raises(BackendUnavailable):
            resolve(client, token, lost, attachment)
        assert proxy.dropped == 1 and lost.registry_number is None
        return lost, token
    finally:
        client.close()
        proxy.close()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_server_killed_during_a_burst(
    request: pytest.FixtureRequest,
    database: str,
    backend_trust_anchors: Path,
    applicant: Issued,
    attachment: Path,
) -> None:
    with backend.running(
        database_url=_database(request, database), trust_anchors=backend_trust_anchors
    ) as server:
        engine = create_engine(server.database_url)
        lost, lost_token = lose_one_reply(server, applicant, attachment)
        stop, hold = threading.Event(), threading.Event()
        kiosks = [
            Kiosk(f"k{n}", [server.url], *server.add_kiosk(f"burst-{n}-{uuid.uuid4().hex[:6]}"), applicant,
                  attachment, stop=stop, hold=hold)
            for n in range(KIOSKS)
        ]  # fmt: skip
        for k in kiosks:
            k.start()
        wait_acknowledged(kiosks, 3 * KIOSKS, "acknowledged before the kill")
        wait_submitting(kiosks)
        hold.set()
        killed_at = time.monotonic()
        server.kill()
        wait_parked(kiosks)

        # The server is dead: what the registry holds now.
        everything = [*submissions_of(kiosks), lost]
        down = audit(engine, everything)
        down.check()
        assert lost.subject in down.unacknowledged_present
        assert len(down.unacknowledged_present) + len(down.unacknowledged_absent) == KIOSKS + 1
        lost_number = next(
            number for _, number, subject in registry(engine, down.year) if subject == lost.subject
        )

        server.start()
        restart_seconds = time.monotonic() - killed_at
        retry = new_client(server.url, server.kiosk_id, server.kiosk_key)
        try:
            assert (
                resolve(retry, lost_token, lost, attachment) == lost_number
            )  # the same entry, not a new one
        finally:
            retry.close()
        hold.clear()
        wait_acknowledged(kiosks, 2 * KIOSKS, "after the restart")
        stop.set()
        up, counts = join_and_audit(kiosks, engine, also=[lost])
        assert not up.unacknowledged_present and not up.unacknowledged_absent
        assert up.entries == counts.submitted + 1 == counts.acknowledged + 1
        assert counts.retried >= KIOSKS
        print(
            f"\n{database}: {counts.submitted + 1} submitted, {down.entries} registered before the restart "
            f"({len(down.unacknowledged_present)} unacknowledged but registered, "
            f"{len(down.unacknowledged_absent)} absent), {counts.retried} retried with their key, "
            f"{up.entries} entries, gaps 0, duplicates 0; down and up again in {restart_seconds:.1f} s"
        )
        engine.dispose()
