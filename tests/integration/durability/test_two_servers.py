"""Two reference servers on one PostgreSQL database, as a city runs them behind a load balancer.

Kiosks spread over both, one server SIGKILLed during a burst (its kiosks go on with the other, as the
balancer sends them there) and started again: the registry invariants hold, and a submission whose reply
the killed server lost is recognised by the other one as a retry. Then each piece of state a request
depends on, asked of one server and used on the other: the login challenge, the citizen's session, the
idempotency record, the weak-login limits, the 401 throttle and the kiosk-key cache (what is kept in
one process and why that is harmless: docs/backend-contract.md, "State and several servers")."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, create_engine, text

from devstack import backend
from devstack.postgres import PostgresInfo
from municipal import ids
from tests.fixtures.backend import Issued, wait_for
from tests.integration.durability.harness import (
    Kiosk,
    Submission,
    audit,
    join_and_audit,
    new_client,
    registry,
    resolve,
    wait_acknowledged,
)
from tests.integration.durability.test_server_killed import lose_one_reply

pytestmark = [pytest.mark.timeout(150), pytest.mark.postgres]
KIOSKS = 4


@dataclass
class Pair:
    a: backend.BackendInfo
    b: backend.BackendInfo
    engine: Engine

    def new_kiosk(self, purpose: str) -> tuple[str, str]:
        return self.a.add_kiosk(f"{purpose}-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def pair(postgres_cluster: PostgresInfo, backend_trust_anchors: Path) -> Iterator[Pair]:
    database = postgres_cluster.create_database()
    key = uuid.uuid4().hex
    with (
        backend.running(database_url=database, trust_anchors=backend_trust_anchors, kiosk_key=key) as a,
        backend.running(database_url=database, trust_anchors=backend_trust_anchors, kiosk_key=key) as b,
    ):
        engine = create_engine(database)
        yield Pair(a, b, engine)
        engine.dispose()


def post(server: backend.BackendInfo, path: str, kiosk: tuple[str, str], **kw: Any) -> requests.Response:
    headers = {"X-Kiosk-Id": kiosk[0], "X-Kiosk-Key": kiosk[1], **kw.pop("headers", {})}
    return requests.post(server.url + path, headers=headers, timeout=30, **kw)


def get(server: backend.BackendInfo, path: str, kiosk: tuple[str, str], token: str) -> requests.Response:
    headers = {"X-Kiosk-Id": kiosk[0], "X-Kiosk-Key": kiosk[1], "Authorization": f"Bearer {token}"}
    return requests.get(server.url + path, headers=headers, timeout=30)


def test_one_of_two_servers_killed_during_a_burst(pair: Pair, applicant: Issued, attachment: Path) -> None:
    a, b = pair.a, pair.b
    year_before = len(registry(pair.engine, audit(pair.engine, []).year))
    assert year_before == 0, "this module's database is for this test's registry only"
    lost, lost_token = lose_one_reply(a, applicant, attachment)
    stop = threading.Event()
    kiosks = [
        Kiosk(f"k{n}", [a.url, b.url] if n % 2 == 0 else [b.url, a.url], *pair.new_kiosk(f"pair-{n}"),
              applicant, attachment, stop=stop)
        for n in range(KIOSKS)
    ]  # fmt: skip
    for k in kiosks:
        k.start()
    try:
        _kill_one(pair, kiosks, lost, lost_token, attachment)
    finally:
        stop.set()
        if a.process.poll() is not None:
            a.start()  # for the module's other tests
    result, counts = join_and_audit(kiosks, pair.engine, also=[lost])
    assert result.entries == counts.submitted + 1 == counts.acknowledged + 1
    assert counts.retried >= 1, counts  # the kiosks that were on the killed server
    print(
        f"\ntwo servers, one killed: {counts.submitted + 1} submitted, "
        f"{counts.acknowledged + 1} acknowledged, "
        f"{counts.retried} retried with their key (on the other server), {result.entries} entries, "
        "gaps 0, duplicates 0"
    )


def _kill_one(pair: Pair, kiosks: list[Kiosk], lost: Submission, lost_token: str, attachment: Path) -> None:
    a, b = pair.a, pair.b
    wait_acknowledged(kiosks, 3 * KIOSKS, "acknowledged before the kill")
    a.kill()
    assert a.process.poll() is not None
    # The lost submission's retry reaches the other server: the same entry.
    lost_number = next(
        n for _, n, subject in registry(pair.engine, audit(pair.engine, []).year) if subject == lost.subject
    )
    retry = new_client(b.url, a.kiosk_id, a.kiosk_key)
    try:
        assert resolve(retry, lost_token, lost, attachment) == lost_number
    finally:
        retry.close()
    on_a = kiosks[0::2]
    wait_for(lambda: all(k.failed_sends for k in on_a), 30, "the killed server's kiosks gone to the other")
    during = [len(k.submissions) for k in on_a]
    wait_for(
        lambda: all(len(k.submissions) > n + 1 for k, n in zip(on_a, during, strict=True)),
        60,
        "the killed server's kiosks acknowledged by the other one",
    )
    a.start()
    wait_acknowledged(kiosks, KIOSKS, "acknowledged after the restart")


def test_challenge_asked_of_one_server_is_used_once_on_either(pair: Pair, applicant: Issued) -> None:
    kiosk = pair.new_kiosk("challenge")
    challenge = post(pair.a, "/v1/auth/challenges", kiosk).json()
    body = applicant.login_body(challenge)
    assert post(pair.b, "/v1/auth/sessions", kiosk, json=body).status_code == 201
    again = post(pair.a, "/v1/auth/sessions", kiosk, json=body)
    assert (again.status_code, again.json()["code"]) == (401, "challenge_used")


def test_session_made_on_one_server_is_the_same_on_the_other(pair: Pair, applicant: Issued) -> None:
    kiosk = pair.new_kiosk("session")
    challenge = post(pair.a, "/v1/auth/challenges", kiosk).json()
    token = post(pair.a, "/v1/auth/sessions", kiosk, json=applicant.login_body(challenge)).json()["token"]
    assert get(pair.b, "/v1/padro/registration", kiosk, token).status_code == 200
    ended = requests.delete(
        pair.b.url + "/v1/auth/sessions/current",
        headers={"X-Kiosk-Id": kiosk[0], "X-Kiosk-Key": kiosk[1], "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert ended.status_code == 204
    refused = get(pair.a, "/v1/padro/registration", kiosk, token)
    assert (refused.status_code, refused.json()["code"]) == (401, "session_expired")


def test_idempotency_key_is_recognised_by_the_other_server(pair: Pair, applicant: Issued) -> None:
    kiosk = pair.new_kiosk("idempotency")
    challenge = post(pair.a, "/v1/auth/challenges", kiosk).json()
    token = post(pair.a, "/v1/auth/sessions", kiosk, json=applicant.login_body(challenge)).json()["token"]
    body = {"kind": "suggeriment", "topic": "altres", "text": "Dues vegades, una entrada.", "language": "ca"}
    key = {"Idempotency-Key": uuid.uuid4().hex, "Authorization": f"Bearer {token}"}
    first = post(pair.a, "/v1/bustia", kiosk, json=body, headers=key)
    assert first.status_code == 201, first.text
    second = post(pair.b, "/v1/bustia", kiosk, json=body, headers=key)
    assert second.status_code == 201 and second.json() == first.json()
    other = post(pair.b, "/v1/bustia", kiosk, json={**body, "text": "Una altra cosa."}, headers=key)
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
    with pair.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT count(*) FROM bustia_messages WHERE reference = :r"),
            {"r": first.json()["reference"]},
        ).scalar_one()
    assert rows == 1


def test_weak_login_limits_count_on_both_servers_together(pair: Pair) -> None:
    kiosk = pair.new_kiosk("weak")
    digits = 40_000_000 + uuid.uuid4().int % 1_000_000
    id_number = f"{digits:08d}{ids.check_letter(digits)}"  # nobody in the padró
    body = {"id_number": id_number, "birth_date": "1970-01-01", "postal_code": "08301"}
    statuses = [
        post((pair.a, pair.b)[n % 2], "/v1/auth/weak-sessions", kiosk, json=body).status_code
        for n in range(8)
    ]
    assert statuses == [401] * 5 + [429] * 3  # 5 per ID number in all, not 5 on each server


def test_deactivated_kiosk_is_refused_by_a_server_that_had_not_verified_it(pair: Pair) -> None:
    """The kiosk-key cache (a right key remembered a minute, per process) lets a deactivated kiosk through
    only on a server that verified it in the last minute, as a single server does: the other one asks
    the database and refuses it at once."""
    kiosk = pair.new_kiosk("deactivated")
    assert post(pair.a, "/v1/auth/challenges", kiosk).status_code == 201
    with pair.engine.begin() as conn:
        conn.execute(text("UPDATE kiosks SET active = false WHERE id = :k"), {"k": kiosk[0]})
    refused = post(pair.b, "/v1/auth/challenges", kiosk)
    assert (refused.status_code, refused.json()["code"]) == (401, "kiosk_unauthorised")


def test_refusal_throttle_is_per_server_and_never_refuses_a_right_key(pair: Pair) -> None:
    """The 401 throttle is kept in each process on purpose (docs/backend-contract.md): it protects that
    process's CPU from scrypt runs. Another server has its own count (an address gets at most
    servers x 20 scrypt runs a minute); a right key is answered as always on either."""
    kiosk = pair.new_kiosk("throttle")
    wrong = (kiosk[0], "not-the-key")
    answers = [post(pair.a, "/v1/auth/challenges", wrong).status_code for _ in range(21)]
    assert answers == [401] * 20 + [429]
    assert post(pair.b, "/v1/auth/challenges", wrong).status_code == 401  # B's own count
    assert post(pair.b, "/v1/auth/challenges", kiosk).status_code == 201
