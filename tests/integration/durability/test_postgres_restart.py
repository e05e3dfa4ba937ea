"""PostgreSQL restarted under load (an immediate shutdown, as a crash, then crash recovery), with kiosks
submitting instàncies through the reference server: the same registry invariants, every submission
acknowledged in the end once, and the client's retries, which only repeat what is safe, never send a
write without an Idempotency-Key twice (a login challenge asked for during the restart makes one row at
most)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from devstack import backend, postgres
from kiosk.backend.client import BackendUnavailable
from tests.fixtures.backend import Issued, new_client
from tests.integration.durability import harness

pytestmark = [pytest.mark.timeout(150), pytest.mark.postgres]
KIOSKS = 4


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[postgres.PostgresInfo]:
    """A cluster of this module's own: restarting the suite's shared one would cut other servers' work.
    Durable, as a city's is: the suite's runs with synchronous_commit off, and an immediate shutdown of
    that one loses commits already acknowledged (this test sees them as acknowledged entries missing)."""
    with postgres.running(durable=True) as cluster:
        yield cluster


def ask_challenges(url: str, kiosk: tuple[str, str], stop: threading.Event, outcome: dict[str, int]) -> None:
    """Login challenges (a write without an Idempotency-Key: never retried by the client), one after
    another until `stop`."""
    client = new_client(url, *kiosk)
    try:
        while not stop.is_set():
            outcome["asked"] += 1
            try:
                client.create_challenge()
                outcome["answered"] += 1
            except BackendUnavailable:
                outcome["failed"] += 1
                time.sleep(0.05)
    finally:
        client.close()


def test_postgres_restarted_under_load(
    own_cluster: postgres.PostgresInfo, backend_trust_anchors: Path, applicant: Issued, attachment: Path
) -> None:
    database = own_cluster.create_database()
    with backend.running(database_url=database, trust_anchors=backend_trust_anchors) as server:
        engine = create_engine(server.database_url, pool_pre_ping=True)
        stop = threading.Event()
        kiosks = [
            harness.Kiosk(f"k{n}", [server.url], *server.add_kiosk(f"pg-{n}-{uuid.uuid4().hex[:6]}"),
                          applicant, attachment, stop=stop)
            for n in range(KIOSKS)
        ]  # fmt: skip
        challenger = server.add_kiosk(f"pg-challenges-{uuid.uuid4().hex[:6]}")
        challenges = {"asked": 0, "answered": 0, "failed": 0}
        asker = threading.Thread(target=ask_challenges, args=(server.url, challenger, stop, challenges))
        for k in kiosks:
            k.start()
        asker.start()
        harness.wait_acknowledged(kiosks, 3 * KIOSKS, "acknowledged before the restart")
        restarted_at = time.monotonic()
        own_cluster.restart(immediate=True)
        restart_seconds = time.monotonic() - restarted_at
        harness.wait_acknowledged(kiosks, 2 * KIOSKS, "acknowledged after the restart")
        stop.set()
        asker.join(timeout=30)
        result, counts = harness.join_and_audit(kiosks, engine)
        assert result.entries == counts.submitted == counts.acknowledged
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT count(*) FROM auth_challenges WHERE kiosk_id = :k"), {"k": challenger[0]}
            ).scalar_one()
        # Each call made one challenge at most (a failed one perhaps none, perhaps one whose answer was
        # lost); a retried call could have made two.
        assert challenges["answered"] <= rows <= challenges["asked"], (rows, challenges)
        print(
            f"\npostgres restart: {counts.submitted} submitted, {counts.acknowledged} acknowledged, "
            f"{counts.retried} retried by the kiosk with their key, {counts.failed_sends} failed sends, "
            f"{result.entries} entries, gaps 0, duplicates 0; challenges: {challenges}, {rows} rows; "
            f"restart took {restart_seconds:.1f} s"
        )
        engine.dispose()


def test_database_down_is_503_and_a_keyed_write_waits_it_out(
    own_cluster: postgres.PostgresInfo, backend_trust_anchors: Path, applicant: Issued, attachment: Path
) -> None:
    """The database unreachable is a passing condition (503, Retry-After), not a server error (500): the
    client then repeats a keyed write by itself, and the write made once the database is back counts."""
    database = own_cluster.create_database()
    with backend.running(database_url=database, trust_anchors=backend_trust_anchors) as server:
        kiosk = server.add_kiosk(f"pg-down-{uuid.uuid4().hex[:6]}")
        client = new_client(server.url, *kiosk, retries=0)
        token = harness.login(client, applicant)
        own_cluster.stop(immediate=True)
        try:
            r = requests.post(
                f"{server.url}/v1/bustia",
                json={"kind": "suggeriment", "topic": "altres", "text": "Base de dades aturada."},
                headers={"X-Kiosk-Id": kiosk[0], "X-Kiosk-Key": kiosk[1], "Idempotency-Key": "down-1"},
                timeout=30,
            )
            assert (r.status_code, r.json()["code"], r.headers.get("Retry-After")) == (
                503,
                "internal_error",
                "1",
            )
            lost = harness.Submission("down", "Durabilitat base de dades aturada")
            with pytest.raises(BackendUnavailable):
                harness.resolve(client, token, lost, attachment)
            # The same write, retried by the client (retries=6, backoff 0.25 s: about 15 s in all) while
            # the database comes back.
            client.retries = 6
            restarter = threading.Timer(1.0, own_cluster.start)
            restarter.start()
            number = harness.resolve(client, token, lost, attachment)
            restarter.join()
        finally:
            if own_cluster.process.poll() is not None:
                own_cluster.start()
            client.close()
        engine = create_engine(server.database_url)
        result = harness.audit(engine, [lost])
        engine.dispose()
        result.check()
        assert result.entries == 1 and number.endswith("/000001")
