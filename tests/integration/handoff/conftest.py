"""The QR hand-off's real components: a training server (SQLite, and PostgreSQL from the private cluster)
whose outbox sends to devstack's SMS sink, with a hand-off config that polls every second, and a phone
played with requests through the identity-provider simulator's pages."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack import backend, smssink
from devstack.postgres import PostgresInfo

INTERVAL = 1


@dataclass
class Stack:
    server: backend.BackendInfo
    sms: smssink.SmsSink

    def start(self, headers: dict[str, str] | None = None, language: str = "ca") -> dict[str, Any]:
        answer = requests.post(
            f"{self.server.url}/v1/auth/handoffs",
            json={"language": language},
            headers=headers or self.server.headers(),
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def poll(self, handoff: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(
            f"{self.server.url}/v1/auth/handoffs/{handoff['handoff_id']}/token",
            headers=headers or self.server.headers(),
            timeout=10,
        )

    def sms_code(self, phone: str, seen: int, timeout: float = 10) -> str:
        """The code of the SMS number `seen` + 1 to `phone` (the sink keeps every message)."""
        deadline = time.monotonic() + timeout
        while True:
            texts = [m["text"] for m in self.sms.messages() if m["to"] == phone]
            if len(texts) > seen:
                found = re.search(r"\b(\d{6})\b", texts[seen])
                assert found, texts[seen]
                return found.group(1)
            assert time.monotonic() < deadline, "no SMS reached the sink"
            time.sleep(0.05)


class Phone:
    """The citizen's phone: a browser played with requests (it follows the redirects)."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.http = requests.Session()
        self.page = ""

    def open(self, url: str) -> requests.Response:
        answer = self.http.get(url, timeout=10)
        self.page = answer.text
        return answer

    def flow(self) -> str:
        found = re.search(r'name="flow" value="([^"]+)"', self.page)
        assert found, self.page
        return found.group(1)

    def choose(self, id_number: str) -> requests.Response:
        answer = self.http.post(
            f"{self.stack.server.url}/idp-sim/o/oauth2/auth/identity",
            data={"flow": self.flow(), "identity": id_number},
            timeout=10,
        )
        self.page = answer.text
        return answer

    def enter(self, code: str) -> requests.Response:
        answer = self.http.post(
            f"{self.stack.server.url}/idp-sim/o/oauth2/auth/code", data={"flow": self.flow(), "code": code},
            timeout=10,
        )  # fmt: skip
        self.page = answer.text
        return answer


@contextmanager
def running(tmp: Path, trust_anchors: Path, database_url: str | None, handoff: str = "") -> Iterator[Stack]:
    """A training server with its SMS sink; `handoff`: the hand-off config's TOML (default: polls every
    `INTERVAL` seconds, expires after 10 minutes)."""
    with smssink.running(tmp / "sms") as sms, pytest.MonkeyPatch.context() as env:
        outbox = tmp / "outbox.toml"
        outbox.write_text(f'[outbox]\ninterval_seconds = 0.1\n[sms]\nurl = "{sms.url}"\n', encoding="utf-8")
        config = tmp / "handoff.toml"
        config.write_text(
            handoff or f"[handoff]\nseconds = 600\ninterval_seconds = {INTERVAL}\nslow_down_seconds = 1\n",
            encoding="utf-8",
        )
        env.setenv("MUNICIPAL_OUTBOX_CONFIG", str(outbox))
        env.setenv("MUNICIPAL_HANDOFF_CONFIG", str(config))
        with backend.running(database_url=database_url, trust_anchors=trust_anchors, training=True) as server:
            yield Stack(server, sms)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, backend_trust_anchors: Path
) -> Iterator[Stack]:
    url = None
    if request.param == "postgres":
        cluster: PostgresInfo = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database()
    with running(tmp_path_factory.mktemp("handoff"), backend_trust_anchors, url) as stack:
        yield stack


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory, backend_trust_anchors: Path) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("handoff-sqlite"), backend_trust_anchors, None) as stack:
        yield stack
