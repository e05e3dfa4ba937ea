"""Heartbeats against the reference backend over HTTP, on SQLite and on PostgreSQL (a server of this
module's own, whose kiosks go stale after 2 s): the backend keeps each kiosk's last state and shows it to
staff (`GET /v1/kiosks/status`, staff key only); a printer out of paper on the test cupsd shows there; a
kiosk that stops sending goes stale; a restarted kiosk's previous citizen sessions cannot be used."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests

from devstack import backend
from devstack.cups import CupsInfo, FaultQueue
from devstack.postgres import PostgresInfo
from kiosk import __version__, health
from kiosk.backend.client import BackendClient
from kiosk.config import Settings
from tests.fixtures.app import make_settings
from tests.fixtures.backend import wait_for

STALE_SECONDS = 2


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(
    request: pytest.FixtureRequest, backend_trust_anchors: Any
) -> Iterator[tuple[backend.BackendInfo, str]]:
    database_url = None
    if request.param == "postgres":
        cluster: PostgresInfo = request.getfixturevalue("postgres_cluster")
        database_url = cluster.create_database()
    with (
        mock.patch.dict(os.environ, {"MUNICIPAL_KIOSK_STALE_SECONDS": str(STALE_SECONDS)}),
        backend.running(database_url=database_url, trust_anchors=backend_trust_anchors) as info,
    ):
        staff_key = secrets.token_urlsafe(24)
        subprocess.run(
            [sys.executable, "-m", "municipal", "add-staff", "--id", "fleet-page", f"--key={staff_key}"]
            + ["--database", info.database_url],
            check=True,
            capture_output=True,
        )
        yield info, staff_key


@pytest.fixture
def kiosk(server: tuple[backend.BackendInfo, str]) -> tuple[str, str]:
    """A kiosk of this test's own on the module's server: its id and key."""
    return server[0].add_kiosk(f"kiosk-{secrets.token_hex(3)}")


def _staff(server: tuple[backend.BackendInfo, str], **headers: str) -> requests.Response:
    info, key = server
    sent = {"X-Staff-Id": "fleet-page", "X-Staff-Key": key} if not headers else headers
    return requests.get(info.url + "/v1/kiosks/status", headers=sent, timeout=30)


def _entry(server: tuple[backend.BackendInfo, str], kiosk_id: str) -> dict[str, Any]:
    r = _staff(server)
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["kiosks"]
    [entry] = [k for k in entries if k["kiosk_id"] == kiosk_id]
    return entry


def _kiosk_settings(
    tmp_path: Path, info: backend.BackendInfo, kiosk: tuple[str, str], **extra: Any
) -> Settings:
    return make_settings(
        tmp_path,
        kiosk={"id": kiosk[0], "temp_dir": str(tmp_path / "sessions")},
        backend={"url": info.url, "kiosk_key": kiosk[1], "retries": 0},
        **extra,
    )


def test_the_backend_keeps_a_kiosks_state(
    server: tuple[backend.BackendInfo, str], kiosk: tuple[str, str], tmp_path: Path
) -> None:
    info, _ = server
    settings = _kiosk_settings(tmp_path, info, kiosk)
    beat = health.collect(settings)
    BackendClient(settings).heartbeat(beat)
    entry = _entry(server, kiosk[0])
    assert entry["stale"] is False and entry["last_heartbeat_at"]
    state = entry["state"]
    assert state["version"] == __version__ and state["mode"] == settings.kiosk.mode
    assert state["printer"] == {"state": "folder", "reasons": [], "accepting_jobs": None}
    assert state["temp_free_bytes"] > 0
    # Only the kiosk's own state: the contract's fields, nothing else.
    assert set(state) == set(type(beat).model_fields)

    # A second heartbeat replaces the first (one row per kiosk).
    BackendClient(settings).heartbeat(beat.model_copy(update={"last_error_code": "kiosk.app:KeyError"}))
    assert _entry(server, kiosk[0])["state"]["last_error_code"] == "kiosk.app:KeyError"


def test_status_is_for_staff_only(server: tuple[backend.BackendInfo, str], tmp_path: Path) -> None:
    info, key = server
    assert _staff(server, Accept="application/json").status_code == 401
    assert _staff(server, **{"X-Kiosk-Id": info.kiosk_id, "X-Kiosk-Key": info.kiosk_key}).status_code == 401
    assert _staff(server, **{"X-Staff-Id": "fleet-page", "X-Staff-Key": key + "x"}).status_code == 401
    assert _staff(server, **{"X-Staff-Id": "nobody", "X-Staff-Key": key}).status_code == 401
    # ... and a staff key is no kiosk key: heartbeats need the kiosk's.
    beat = health.collect(_kiosk_settings(tmp_path, info, (info.kiosk_id, info.kiosk_key)))
    r = requests.post(
        info.url + "/v1/kiosks/heartbeat",
        json=beat.model_dump(mode="json"),
        headers={"X-Staff-Id": "fleet-page", "X-Staff-Key": key},
        timeout=30,
    )
    assert r.status_code == 401


def test_a_kiosk_that_stops_sending_goes_stale(
    server: tuple[backend.BackendInfo, str], kiosk: tuple[str, str], tmp_path: Path
) -> None:
    info, _ = server
    silent = info.add_kiosk(f"never-{secrets.token_hex(3)}")
    settings = _kiosk_settings(tmp_path, info, kiosk)
    beats = health.Heartbeat(settings, BackendClient(settings), interval=0.3)
    beats.start()
    try:
        wait_for(lambda: beats.sent >= 3, 15)
        assert _entry(server, kiosk[0])["stale"] is False
    finally:
        beats.stop()
    stopped = time.monotonic()
    assert _entry(server, kiosk[0])["stale"] is False
    wait_for(lambda: _entry(server, kiosk[0])["stale"] is True, STALE_SECONDS + 10)
    assert time.monotonic() - stopped >= STALE_SECONDS - 0.5
    assert _entry(server, kiosk[0])["state"]["version"] == __version__  # the last state stays
    never = _entry(server, silent[0])
    assert never["stale"] is True and never["state"] is None and never["last_heartbeat_at"] is None
    assert _staff(server).json()["stale_after_seconds"] == STALE_SECONDS


def test_a_printer_out_of_paper_shows_in_the_status(
    server: tuple[backend.BackendInfo, str],
    tmp_path: Path,
    cups_stack: CupsInfo,
    fault_queue: FaultQueue,
    sample_pdf: Path,
) -> None:
    import cups

    info, _ = server
    kiosk = info.add_kiosk(f"kiosk-{secrets.token_hex(3)}")
    printer = {"kind": "cups", "name": fault_queue.name, "cups_server": cups_stack.server}
    settings = _kiosk_settings(tmp_path, info, kiosk, printer=printer)
    client = BackendClient(settings)
    client.heartbeat(health.collect(settings))
    assert _entry(server, kiosk[0])["state"]["printer"]["reasons"] == []

    fault_queue.set("media-empty")
    cups.setServer(cups_stack.server)
    connection = cups.Connection()
    job = connection.printFile(fault_queue.name, str(sample_pdf), "heartbeat test", {})
    try:
        wait_for(lambda: "media-empty-error" in health.printer_health(settings).reasons, 15)
        client.heartbeat(health.collect(settings))
        shown = _entry(server, kiosk[0])["state"]["printer"]
        assert "media-empty-error" in shown["reasons"]
        assert shown["state"] in ("processing", "stopped")
    finally:
        connection.cancelJob(job)
        fault_queue.set("ok")


def test_a_restarted_kiosks_old_citizen_session_cannot_be_used(
    server: tuple[backend.BackendInfo, str], kiosk: tuple[str, str], tmp_path: Path
) -> None:
    info, _ = server
    other = info.add_kiosk(f"kiosk-{secrets.token_hex(3)}")
    headers = {"X-Kiosk-Id": kiosk[0], "X-Kiosk-Key": kiosk[1]}
    other_headers = {"X-Kiosk-Id": other[0], "X-Kiosk-Key": other[1]}

    def login(h: dict[str, str]) -> str:
        body = {"id_number": "12345678Z", "birth_date": "1980-04-15", "postal_code": "08301"}
        r = requests.post(info.url + "/v1/auth/weak-sessions", json=body, headers=h, timeout=30)
        assert r.status_code == 201, r.text
        token: str = r.json()["token"]
        return token

    def summary(token: str, h: dict[str, str]) -> int:
        bearer = {**h, "Authorization": f"Bearer {token}"}
        return requests.get(info.url + "/v1/deixalleria/summary", headers=bearer, timeout=30).status_code

    # The process that held this token was killed: nobody revoked it.
    old = login(headers)
    elsewhere = login(other_headers)
    assert summary(old, headers) == 200

    settings = _kiosk_settings(tmp_path, info, kiosk)
    health.recover(settings, BackendClient(settings))  # what `kiosk` does at start

    assert summary(old, headers) == 401
    assert summary(elsewhere, other_headers) == 200  # another kiosk's citizen goes on
    assert summary(login(headers), headers) == 200  # and this kiosk's next citizen logs in
