"""A kiosk has at most one open citizen session. A login whose answer never reached the kiosk (garbled by
something on the way, or slower than the kiosk's read timeout) left a session open at the backend that the
kiosk cannot end, for it never got the token: the kiosk's next login (card, weak identification, phone
hand-off) ends it, as the kiosk's restart does. The kiosk's real client through the fault proxy of the
fault matrix (tests/fixtures/faults.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from devstack.backend import BackendInfo
from kiosk.backend.client import BackendClient, BackendError
from kiosk.config import Settings
from municipal.api.common import token_hash
from tests.fixtures.backend import Issued, client_settings
from tests.fixtures.faults import Fault, FaultProxy
from tests.integration.backend.conftest import Api, Citizens
from tests.integration.handoff.conftest import INTERVAL, Phone, Stack, running
from tests.integration.handoff.test_handoff import identify

#: The kiosk's read timeout in these tests, and how long the slow fault holds an answer (past it).
READ_TIMEOUT = 1.0
SLOW_SECONDS = 1.6

Login = Callable[[BackendClient, Citizens], str]
OPEN = text("SELECT token_hash FROM citizen_sessions WHERE kiosk_id = :k AND ended_at IS NULL")


def _certificate(client: BackendClient, who: Issued) -> str:
    challenge = client.create_challenge()
    return client.login_with_certificate(
        challenge.challenge_id, who.der, who.sign(bytes(challenge.nonce))
    ).token


def _carmen(client: BackendClient, citizens: Citizens) -> str:
    return _certificate(client, citizens.carmen)


def _weak_jordi(client: BackendClient, citizens: Citizens) -> str:
    return client.login_weak("87654321X", dt.date(1958, 11, 2), "08302").token


LOGINS: dict[str, tuple[str, Login]] = {
    "certificate": ("/v1/auth/sessions", _carmen),
    "weak": ("/v1/auth/weak-sessions", _weak_jordi),
}


def _client(url: str, kiosk: tuple[str, str]) -> BackendClient:
    """The kiosk's client with no retries and a short read timeout."""
    base = client_settings(url, *kiosk, retries=0)
    data = base.model_dump()
    data["backend"]["read_timeout_seconds"] = READ_TIMEOUT
    return BackendClient(Settings.model_validate(data), language=lambda: "ca")


class Kiosk:
    """A kiosk of its own on the server, whose client goes through a fault proxy."""

    def __init__(self, api: Api, purpose: str) -> None:
        self.api = Api(api.info, api.engine, api.info.add_kiosk(f"orphan-{purpose}-{uuid.uuid4().hex[:8]}"))
        self.proxy = FaultProxy(api.info.url, slow_seconds=SLOW_SECONDS)
        self.client = _client(self.proxy.url, self.api.kiosk)

    def open_sessions(self) -> list[str]:
        """The token hashes of this kiosk's sessions still open."""
        with self.api.engine.connect() as connection:
            return [row[0] for row in connection.execute(OPEN, {"k": self.api.kiosk[0]})]

    def sessions(self) -> int:
        sql = "SELECT count(*) FROM citizen_sessions WHERE kiosk_id = :k"
        return int(self.api.scalar(sql, k=self.api.kiosk[0]))

    def close(self) -> None:
        self.client.close()
        self.proxy.close()


@pytest.fixture
def kiosk(api: Api, request: pytest.FixtureRequest) -> Iterator[Kiosk]:
    made = Kiosk(api, request.node.name.split("[")[0][-20:])
    yield made
    made.close()


@pytest.mark.parametrize("fault", ["garbage", "slow"])
@pytest.mark.parametrize("kind", list(LOGINS))
def test_a_login_whose_answer_was_lost_is_ended_by_the_kiosks_next_login(
    kiosk: Kiosk, citizens: Citizens, kind: str, fault: Fault
) -> None:
    path, login = LOGINS[kind]
    kiosk.proxy.arm(fault, "POST", path)
    with pytest.raises(BackendError):
        login(kiosk.client, citizens)
    assert kiosk.proxy.applied == [(fault, "POST", path)]
    orphan = kiosk.open_sessions()
    assert len(orphan) == 1, "the backend did not open the session whose answer was lost"

    if fault == "slow":  # the held answer still reaches the proxy; wait until it has
        time.sleep(SLOW_SECONDS - READ_TIMEOUT + 0.3)
    token = login(kiosk.client, citizens)  # the citizen tries again, or the next one comes
    assert kiosk.open_sessions() == [token_hash(token)], "the session the kiosk never got is still open"
    assert kiosk.sessions() == 2
    answer = kiosk.api.get("/v1/deixalleria/summary", token)
    assert answer.status_code == 200, answer.text


def test_every_kind_of_login_ends_the_kiosks_open_session_and_no_other_kiosks(
    api: Api, kiosk: Kiosk, citizens: Citizens
) -> None:
    neighbour = Kiosk(api, "neighbour")
    try:
        theirs = _carmen(neighbour.client, citizens)
        first = _carmen(kiosk.client, citizens)
        second = _weak_jordi(kiosk.client, citizens)
        assert kiosk.open_sessions() == [token_hash(second)]
        third = _certificate(kiosk.client, citizens.jordi)
        assert kiosk.open_sessions() == [token_hash(third)]
        for ended in (first, second):
            answer = kiosk.api.get("/v1/deixalleria/summary", ended)
            assert answer.status_code == 401 and answer.json()["code"] == "session_expired", answer.text
        # Another kiosk's citizen is not touched.
        assert neighbour.open_sessions() == [token_hash(theirs)]
        assert neighbour.api.get("/v1/deixalleria/summary", theirs).status_code == 200
    finally:
        neighbour.close()


def test_simultaneous_logins_at_one_kiosk_leave_one_session_open(kiosk: Kiosk, citizens: Citizens) -> None:
    def weak(_: int) -> str:
        client = _client(kiosk.api.info.url, kiosk.api.kiosk)
        try:
            return _weak_jordi(client, citizens)
        finally:
            client.close()

    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(weak, range(8)))
    assert len(set(tokens)) == 8
    open_now = kiosk.open_sessions()
    assert len(open_now) == 1 and open_now[0] in {token_hash(t) for t in tokens}


# -- the phone hand-off --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def handoff_stack(tmp_path_factory: pytest.TempPathFactory, backend_trust_anchors: Path) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("orphan-handoff"), backend_trust_anchors, None) as stack:
        yield stack


def test_a_handoff_session_whose_answer_was_lost_is_ended_by_the_kiosks_next_login(
    handoff_stack: Stack, citizens: Citizens
) -> None:
    """SQLite only: the hand-off's own suite runs it on PostgreSQL too (tests/integration/handoff); the
    session is stored by the same `open_session` as the logins above."""
    stack = handoff_stack
    kiosk_id, key = stack.server.add_kiosk(f"orphan-handoff-{uuid.uuid4().hex[:8]}")
    headers = {"X-Kiosk-Id": kiosk_id, "X-Kiosk-Key": key}
    proxy = FaultProxy(stack.server.url, slow_seconds=SLOW_SECONDS)
    client = _client(proxy.url, (kiosk_id, key))
    try:
        earlier = _carmen(client, citizens)  # a citizen before, whose session the kiosk did not end
        handoff = stack.start(headers)
        identify(stack, handoff, Phone(stack))
        time.sleep(INTERVAL)
        proxy.arm("garbage", "POST", f"/v1/auth/handoffs/{handoff['handoff_id']}/token")
        with pytest.raises(BackendError):
            client.poll_handoff(handoff["handoff_id"])
        open_now = _open(stack.server, kiosk_id)
        assert len(open_now) == 1 and open_now[0] != token_hash(earlier), "the hand-off left two open"
        later = _certificate(client, citizens.jordi)
        assert _open(stack.server, kiosk_id) == [token_hash(later)]
    finally:
        client.close()
        proxy.close()


def _open(server: BackendInfo, kiosk_id: str) -> list[str]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(OPEN, {"k": kiosk_id})]
    finally:
        engine.dispose()
