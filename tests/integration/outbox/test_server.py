"""The outbox through the reference server over HTTP: a bústia message's confirmation reaches the real
aiosmtpd (headers, body, language) or the SMS sink (folded GSM-7) from the server's own dispatcher, once
even when the kiosk retries; staff see the states with a staff key only; a server killed right after the
write leaves the message pending, and `python -m municipal dispatch` sends it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack import backend
from devstack.smssink import SmsSink
from devstack.smtp import SmtpServer
from municipal import database
from municipal.api.kiosks import register_staff
from tests.fixtures.backend import wait_for


@pytest.fixture
def outbox_config(tmp_path: Path, mail: SmtpServer, sms: SmsSink) -> Path:
    """An outbox configuration sending through the test's mail server and SMS sink."""
    path = tmp_path / "outbox.toml"
    path.write_text(
        f'[outbox]\nfrom = "OVAC Mataró <no-reply@ovac.test>"\ninterval_seconds = 0.2\n'
        f'[smtp]\nhost = "{mail.host}"\nport = {mail.port}\nsecurity = "none"\n'
        f'[sms]\nurl = "{sms.url}"\n',
        encoding="utf-8",
    )
    return path


def bustia(server: backend.BackendInfo, contact: dict[str, str], language: str, key: str) -> Any:
    body = {"kind": "suggeriment", "topic": "Enllumenat públic", "text": "Cal més llum al carrer.",
            "contact": contact, "language": language}  # fmt: skip
    answer = requests.post(
        f"{server.url}/v1/bustia", json=body, headers={**server.headers(), "Idempotency-Key": key}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_confirmations_sent_by_the_server_once_and_shown_to_staff(
    outbox_config: Path,
    mail: SmtpServer,
    sms: SmsSink,
    backend_trust_anchors: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MUNICIPAL_OUTBOX_CONFIG", str(outbox_config))
    with backend.running(trust_anchors=backend_trust_anchors, training=True) as server:
        staff_key = secrets.token_urlsafe(16)
        engine = database.make_engine(server.database_url, pool_size=1)
        register_staff(engine, "desk", staff_key)
        engine.dispose()
        receipt = bustia(server, {"email": "anna@example.org"}, "es", "k-1")
        assert bustia(server, {"email": "anna@example.org"}, "es", "k-1") == receipt  # the kiosk retried
        texted = bustia(server, {"phone": "+34600111222"}, "ca", "k-2")
        wait_for(lambda: len(mail.messages()) == 1 and len(sms.messages()) == 1)

        [email] = mail.messages()
        assert email["To"] == "anna@example.org"
        assert email["From"] == "OVAC Mataró <no-reply@ovac.test>"
        assert email["Subject"] == f"Hemos recibido su mensaje: {receipt['reference']}"
        assert email["Content-Language"] == "es"
        assert email["Auto-Submitted"] == "auto-generated"
        body = email.get_body()
        assert body is not None
        text = body.get_content()
        assert "buzón de quejas y sugerencias" in text and receipt["reference"] in text
        assert "Tema: Enllumenat públic" in text and "Ayuntamiento de Mataró" in text

        [message] = sms.messages()
        assert message["to"] == "+34600111222"
        assert message["text"] == (
            f"Ajuntament de Mataro: hem rebut el vostre missatge. Referència {texted['reference']}."
        )
        assert message["segments"] == 1

        staff = {"X-Staff-Id": "desk", "X-Staff-Key": staff_key}
        wait_for(
            lambda: (
                requests.get(f"{server.url}/v1/outbox", headers=staff, timeout=5).json()["counts"]["sent"]
                == 2
            )
        )
        view = requests.get(f"{server.url}/v1/outbox", headers=staff, timeout=5).json()
        assert view["counts"] == {"pending": 0, "sent": 2, "failed": 0, "dead": 0}
        by_channel = {m["channel"]: m for m in view["messages"]}
        assert by_channel["email"]["recipient"] == "a***@example.org"
        assert by_channel["email"]["consent"] == "bustia:contact"
        assert email["Message-ID"] == f"<{by_channel['email']['idempotency_key']}@ovac.test>"
        assert (
            by_channel["sms"]["recipient"].endswith("222") and "600111" not in by_channel["sms"]["recipient"]
        )
        assert message["reference"] == by_channel["sms"]["idempotency_key"]
        assert by_channel["sms"]["segments"] == 1
        for headers in ({}, server.headers(), {"X-Staff-Id": "desk", "X-Staff-Key": "wrong"}):
            assert requests.get(f"{server.url}/v1/outbox", headers=headers, timeout=5).status_code == 401
    assert sum(mail.receptions.values()) == 1 and sum(sms.receptions.values()) == 1


def test_server_killed_after_the_write_the_message_waits_and_is_sent_once(
    outbox_config: Path, mail: SmtpServer, backend_trust_anchors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MUNICIPAL_OUTBOX_CONFIG", raising=False)  # no dispatcher in the server
    with backend.running(trust_anchors=backend_trust_anchors, training=True) as server:
        receipt = bustia(server, {"email": "pau@example.org"}, "ca", "k-3")
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        assert mail.messages() == []
        database_url = server.database_url
        dispatch = [sys.executable, "-m", "municipal", "dispatch", "--once",
                    "--database", database_url, "--outbox-config", str(outbox_config)]  # fmt: skip
        subprocess.run(dispatch, check=True, timeout=60)
        subprocess.run(dispatch, check=True, timeout=60)  # a second run finds nothing due
    [email] = mail.messages()
    assert email["Subject"] == f"Hem rebut el vostre missatge: {receipt['reference']}"
    assert email["Content-Language"] == "ca"
    assert sum(mail.receptions.values()) == 1
