"""The kiosk's BackendClient against the real server: typed results, typed errors, retries only where
safe, and a reply lost after the commit that the retry recovers without a second entry."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from contract.documents import PadroDocument
from contract.errors import ErrorCode
from devstack.backend import BackendInfo
from kiosk.backend.client import BackendClient, BackendUnavailable, NotAuthorised, Rejected, SessionExpired
from tests.fixtures.backend import new_client
from tests.integration.backend.conftest import KIOSK_OF, Api, Citizens

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(server: BackendInfo) -> Iterator[BackendClient]:
    c = new_client(server.url, server.kiosk_id, server.kiosk_key, backoff=0.05)
    yield c
    c.close()


def test_catalogue_and_departments(client: BackendClient) -> None:
    procedures = client.catalogue("es")
    assert len(procedures) >= 25
    volant = next(p for p in procedures if p.code == "volant_individual")
    assert volant.needs_certificate and volant.completable_here and volant.title.startswith("Volante")
    assert any(not p.completable_here and p.what_to_bring for p in procedures)
    assert "PADRO" in {d.code for d in client.departments("ca")}


def test_certificate_login_and_padro(client: BackendClient, citizens: Citizens) -> None:
    challenge = client.create_challenge()
    login = client.login_with_certificate(
        challenge.challenge_id, citizens.carmen.der, citizens.carmen.sign(challenge.nonce)
    )
    assert login.scope == "full" and login.citizen.id_number == "12345678Z"
    assert "12345678Z" not in repr(login) and login.token not in repr(login)
    registration = client.registration(login.token)
    assert registration.registered and registration.inhabitants == 4 and registration.address
    doc = client.issue_padro_document(login.token, "volant_collectiu", "ca", "client-volant-1")
    assert isinstance(doc, PadroDocument) and doc.kind == "volant_collectiu" and len(doc.inhabitants) == 4
    verified = client.verify(doc.csv)
    assert verified.kind == "volant_collectiu" and verified.csv == doc.csv
    assert len(verified.document["inhabitants"]) == 4
    shown = json.dumps(verified.document)
    assert not [p.id_number for p in doc.inhabitants if p.id_number and p.id_number in shown]
    client.logout(login.token)
    with pytest.raises(SessionExpired):
        client.registration(login.token)
    client.logout(login.token)  # twice is fine


def test_login_refusal_is_rejected_with_the_reason(client: BackendClient, citizens: Citizens) -> None:
    challenge = client.create_challenge()
    with pytest.raises(Rejected) as caught:
        client.login_with_certificate(challenge.challenge_id, citizens.carmen.der, b"\x00" * 256)
    assert caught.value.code is ErrorCode.SIGNATURE_INVALID and "signatura" in caught.value.message


def test_weak_login_deixalleria_and_scope(client: BackendClient) -> None:
    login = client.login_weak("87654321X", date(1958, 11, 2), "08302")
    assert login.scope == "deixalleria"
    summary = client.deixalleria_summary(login.token)
    assert summary.bonus.amount == Decimal("23.00") and summary.card and summary.card.status == "active"
    with pytest.raises(NotAuthorised):
        client.registration(login.token)
    with pytest.raises(Rejected) as caught:
        client.login_weak("87654321X", date(1958, 11, 3), "08302")
    assert caught.value.code is ErrorCode.WEAK_LOGIN_FAILED
    with pytest.raises(Rejected):
        client.request_deixalleria_card(login.token, "pickup")  # Jordi already has an active card


def test_bustia_and_instancia(server: BackendInfo, tokens: dict[str, str], tmp_path: Path) -> None:
    # At Jordi's kiosk: a session is bound to the kiosk it was opened at.
    client = new_client(server.url, *KIOSK_OF[tokens["jordi"]], backoff=0.05)
    receipt = client.submit_bustia(None, "queixa", "Voreres", "Una vorera trencada.", None, "bustia-client-1")
    assert receipt.reference.startswith("QS/") and receipt.contact is None
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 299_994 + b"%%EOF\n")
    seen: list[tuple[int, int]] = []
    fields = {
        "subject": "Prova",
        "exposo": "Fets",
        "solicito": "Petició",
        "department": "OAC",
        "notification_channel": "paper",
    }
    result = client.submit_instancia(
        tokens["jordi"], fields, [pdf], "instancia-client-1", lambda a, b: seen.append((a, b))
    )
    assert result.attachments[0].name == "document.pdf" and result.attachments[0].size == 300_009
    assert seen and seen[-1][0] == seen[-1][1]
    with pytest.raises(Rejected) as caught:
        client.submit_instancia(tokens["jordi"], {**fields, "department": "NOPE"}, [], "instancia-client-2")
    assert caught.value.code is ErrorCode.DEPARTMENT_UNKNOWN
    client.close()


def test_unknown_kiosk(server: BackendInfo, tokens: dict[str, str]) -> None:
    c = new_client(server.url, server.kiosk_id, "wrong-key", language="es")
    with pytest.raises(NotAuthorised) as caught:
        c.create_challenge()
    assert caught.value.code is ErrorCode.KIOSK_UNAUTHORISED and "autorizado" in caught.value.message


def test_backend_down_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = new_client(f"http://127.0.0.1:{port}", "k", "x", retries=1, backoff=0.01)
    with pytest.raises(BackendUnavailable):
        c.catalogue()
    with pytest.raises(BackendUnavailable):
        c.create_challenge()


class DroppingProxy:
    """A loopback TCP proxy that, when armed, forwards one request to the server, reads the server's
    whole reply (so the server has committed) and closes the kiosk's connection without sending it."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.drop_next = False
        self.requests_seen = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_http_message(sock: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def _handle(self, conn: socket.socket) -> None:
        with conn, socket.create_connection(("127.0.0.1", self.target)) as upstream:
            while True:
                request = self._read_http_message(conn)
                if not request:
                    return
                self.requests_seen += 1
                upstream.sendall(request)
                reply = self._read_http_message(upstream)
                if self.drop_next:
                    self.drop_next = False
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                conn.sendall(reply)

    def close(self) -> None:
        self._stop = True
        self.listener.close()


def test_reply_lost_after_commit_retry_returns_the_same_entry(
    server: BackendInfo, api: Api, tokens: dict[str, str], tmp_path: Path
) -> None:
    proxy = DroppingProxy(server.port)
    try:
        c = new_client(f"http://127.0.0.1:{proxy.port}", *KIOSK_OF[tokens["carmen"]], backoff=0.05)
        fields = {
            "subject": "Resposta perduda",
            "exposo": "La connexió es talla després de desar.",
            "solicito": "Una sola entrada.",
            "department": "OAC",
            "notification_channel": "paper",
        }
        pdf = tmp_path / "a.pdf"
        pdf.write_bytes(b"%PDF-1.7\n" + b"y" * 1000 + b"\n%%EOF\n")
        proxy.drop_next = True
        before = api.scalar("SELECT count(*) FROM instancies")
        receipt = c.submit_instancia(tokens["carmen"], fields, [pdf], "lost-reply-key-1")
        assert proxy.requests_seen == 2  # the first reply was lost, the retry got the stored one
        assert api.scalar("SELECT count(*) FROM instancies") == before + 1
        assert (
            api.scalar(
                "SELECT count(*) FROM instancies WHERE registry_number = :n", n=receipt.registry_number
            )
            == 1
        )
        # Without an idempotency key the client does not retry a write: the error reaches the caller.
        proxy.drop_next = True
        with pytest.raises(BackendUnavailable):
            c.create_challenge()
    finally:
        proxy.close()
