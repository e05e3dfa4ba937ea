"""The kiosk's client follows no redirect: a backend (or something in front of it) that answers 3xx gets
a BadResponse, and the host it points at receives nothing: no X-Kiosk-Key, no token, no body.

Two real HTTP servers on loopback: the one the kiosk is configured with redirects every request to the
other, which records whatever reaches it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kiosk.backend.client import BackendClient, BackendUnavailable, BadResponse
from kiosk.config import Settings
from kiosk.i18n import set_language
from kiosk.procedures.backend import citizen_message

pytestmark = pytest.mark.timeout(60)

KEY = "kiosk-key-that-must-stay-home"
TOKEN = "citizen-token-that-must-stay-home"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    httpd: ThreadingHTTPServer
    seen: list[Seen] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"


def _serve(answer: Callable[[BaseHTTPRequestHandler], None]) -> Server:
    server: Server

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            answer(self)

        do_GET = do_POST = do_DELETE = do_PUT = _any

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = Server(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    return server


def _json(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def elsewhere() -> Iterator[Server]:
    """The host a redirect points at: answers like a backend would, and records everything."""
    server = _serve(lambda h: _json(h, 200, b'{"status": "ok", "procedures": []}'))
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _redirecting(status: int, target: Server) -> Server:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", target.url + handler.path)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return _serve(answer)


def _client(url: str) -> BackendClient:
    settings = Settings.model_validate(
        {
            "kiosk": {"id": "redirect-test"},
            "staff": {"pin_hash": "scrypt$16384$8$1$c2FsdA==$aGFzaA=="},
            "backend": {"url": url, "kiosk_key": KEY, "connect_timeout_seconds": 2, "retries": 2},
        }
    )
    client = BackendClient(settings, language=lambda: "ca")
    client.backoff = 0.01
    return client


#: An instància's fields that fit the contract (the client sends no body that does not fit it).
INSTANCIA = {
    "subject": "S",
    "exposo": "E",
    "solicito": "S",
    "department": "OAC",
    "notification_channel": "paper",
}


def attachment(tmp_path: Path) -> Path:
    """A PDF attachment whose content can be told in what a server received."""
    path = tmp_path / "justificant.pdf"
    path.write_bytes(b"%PDF-1.7 the citizen's attachment\n%%EOF\n")
    return path


def _calls(tmp_path: Path) -> dict[str, Callable[[BackendClient], object]]:
    pdf = attachment(tmp_path)
    return {
        "GET catalogue": lambda c: c.catalogue("ca"),
        "GET with token": lambda c: c.registration(TOKEN),
        "POST challenge": lambda c: c.create_challenge(),
        "POST weak login": lambda c: c.login_weak("12345678Z", date(1980, 1, 2), "08301"),
        "POST instancia": lambda c: c.submit_instancia(TOKEN, INSTANCIA, [pdf], "idem-key-1"),
        "DELETE session": lambda c: c.logout(TOKEN),
    }


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_refused_and_the_other_host_receives_nothing(
    status: int, elsewhere: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    front = _redirecting(status, elsewhere)
    client = _client(front.url)
    try:
        for name, call in _calls(tmp_path).items():
            before = len(front.seen)
            with pytest.raises(BadResponse) as caught:
                call(client)
            assert caught.value.code == "redirect_refused", name
            assert len(front.seen) == before + 1, name  # asked once: a redirect is not retried
        assert elsewhere.seen == []  # no request at all: no X-Kiosk-Key, no token, no body
        # What the configured host got was the real thing (so the test would notice a follow).
        assert {s.headers.get("X-Kiosk-Key") for s in front.seen} == {KEY}
        assert any(b"12345678Z" in s.body for s in front.seen)
        assert any(b"the citizen's attachment" in s.body for s in front.seen)
    finally:
        client.close()
        front.httpd.shutdown()
        front.httpd.server_close()
    assert "redirect to 127.0.0.1 refused" in caplog.text
    assert KEY not in caplog.text and TOKEN not in caplog.text and "12345678Z" not in caplog.text


def test_the_citizen_is_told_the_service_did_not_answer() -> None:
    set_language("en")
    try:
        refused = BadResponse("redirect_refused", "the backend answered 302")
        assert isinstance(refused, BackendUnavailable)
        assert citizen_message(refused) == citizen_message(BackendUnavailable("unreachable"))
        assert "did not answer" in citizen_message(refused)
    finally:
        set_language("ca")
