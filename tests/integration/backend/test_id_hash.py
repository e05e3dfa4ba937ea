"""The ID-number hashes in the server's tables and logs are keyed with the installation's secret
(`--id-key-file`, here through MUNICIPAL_ID_KEY_FILE): HMAC-SHA256, not the old unsalted SHA-256 prefix
that anybody could compute for every DNI."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from devstack import backend

ID_NUMBER = "45678901G"  # a valid DNI nobody in the demo padró has


def test_server_hashes_id_numbers_with_its_key(
    backend_trust_anchors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = bytes(range(100, 132))
    key_file = tmp_path / "id.key"
    key_file.write_bytes(key + b"\n")
    monkeypatch.setenv("MUNICIPAL_ID_KEY_FILE", str(key_file))
    with backend.running(trust_anchors=backend_trust_anchors) as info:
        body = {"id_number": ID_NUMBER, "birth_date": "1970-01-01", "postal_code": "08301"}
        answers = [
            requests.post(f"{info.url}/v1/auth/weak-sessions", json=body, headers=info.headers(), timeout=30)
            for _ in range(6)
        ]
        assert [r.status_code for r in answers] == [401] * 5 + [429]
        engine = create_engine(info.database_url)
        with engine.connect() as conn:
            stored = set(conn.execute(text("SELECT id_hash FROM weak_login_attempts")).scalars())
        engine.dispose()
        log = info.log_path.read_text()
    keyed = hmac.new(key, ID_NUMBER.encode(), hashlib.sha256).hexdigest()
    assert stored == {keyed}
    assert f"id {keyed}" in log  # the rate-limit warning names the citizen by the keyed hash only
    unsalted = hashlib.sha256(b"ovac-log:" + ID_NUMBER.encode()).hexdigest()[:12]
    assert unsalted not in log and ID_NUMBER not in log


def test_server_refuses_a_short_key(
    backend_trust_anchors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "id.key"
    key_file.write_bytes(b"0123456789\n")
    monkeypatch.setenv("MUNICIPAL_ID_KEY_FILE", str(key_file))
    with pytest.raises(RuntimeError), backend.running(trust_anchors=backend_trust_anchors):
        pass
