"""Resource limits before authentication, over real sockets: a request head is capped (431, the server
does not grow), an upload without kiosk credentials or without a citizen is refused before its body is
sent, a key for an unknown kiosk costs as much as a wrong key for a known one, and refused keys are
throttled per client address (429). On SQLite and PostgreSQL.

The throttle tests speak from their own loopback addresses (127.0.0.x), so the addresses they get
throttled are not the one every other test uses."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import time
from pathlib import Path

import pytest
import requests

from tests.integration.backend.conftest import Api

pytestmark = pytest.mark.timeout(180)
MB = 1024 * 1024


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def read_reply(sock: socket.socket, timeout: float) -> bytes:
    """What the server sent until it closed the connection, or until `timeout` passed."""
    sock.settimeout(timeout)
    reply = b""
    try:
        while chunk := sock.recv(65536):
            reply += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return reply


def test_a_huge_header_is_refused_and_the_server_does_not_grow(api: Api) -> None:
    pid = api.info.process.pid
    before = rss_kb(pid)
    sent = 0
    with socket.create_connection(("127.0.0.1", api.info.port), timeout=30) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ")
        chunk = b"a" * (256 * 1024)
        try:
            while sent < 64 * MB:
                sock.sendall(chunk)
                sent += len(chunk)
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection: what we want
        reply = read_reply(sock, 10)
    grown = rss_kb(pid) - before
    assert reply == b"" or reply.startswith(b"HTTP/1.1 431 "), reply[:200]
    assert sent < 64 * MB, "the server read a 64 MB header to its end"
    assert grown < 4 * 1024, f"the server grew by {grown} KB"
    assert requests.get(api.info.url + "/v1/health", timeout=10).status_code == 200


def test_ordinary_headers_still_pass(api: Api) -> None:
    r = requests.get(api.info.url + "/v1/health", headers={"X-Padding": "a" * 8000}, timeout=10)
    assert r.status_code == 200


def slow_upload(api: Api, headers: dict[str, str]) -> bytes:
    """Announce a 20 MB instància, send its first 64 KB and wait, sending nothing more: the reply."""
    boundary = "ovacboundary"
    preamble = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="fields"\r\n\r\n{{}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    head = "".join(
        [
            "POST /v1/instancies HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            *(f"{k}: {v}\r\n" for k, v in headers.items()),
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n",
            f"Content-Length: {20 * MB}\r\n\r\n",
        ]
    )
    with socket.create_connection(("127.0.0.1", api.info.port), timeout=30) as sock:
        sock.sendall(head.encode() + preamble + b"x" * (64 * 1024))
        # A server that reads the body first would wait here for the other 20 MB, and answer nothing.
        return read_reply(sock, 5)


def test_an_upload_without_kiosk_credentials_is_refused_before_its_body(api: Api) -> None:
    reply = slow_upload(api, {})
    assert reply.startswith(b"HTTP/1.1 401 "), reply[:200]
    assert b"connection: close" in reply.lower() and b'"kiosk_unauthorised"' in reply


@pytest.mark.parametrize(("token", "code"), [(None, "session_required"), ("not-a-token", "session_expired")])
def test_an_upload_without_a_citizen_is_refused_before_its_body(
    api: Api, token: str | None, code: str
) -> None:
    headers = {"X-Kiosk-Id": api.kiosk[0], "X-Kiosk-Key": api.kiosk[1]}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    before = api.scalar("SELECT count(*) FROM instancies")
    reply = slow_upload(api, headers)
    assert reply.startswith(b"HTTP/1.1 401 "), reply[:200]
    assert f'"{code}"'.encode() in reply
    assert api.scalar("SELECT count(*) FROM instancies") == before


def request_from(api: Api, address: str, kiosk_id: str, key: str) -> tuple[int, float, dict[str, str]]:
    """GET /v1/padro/registration from `address` (a loopback address): status, seconds, headers. A kiosk
    that passes gets 401 session_required (no citizen); a refused one 401 kiosk_unauthorised."""
    conn = http.client.HTTPConnection("127.0.0.1", api.info.port, timeout=30, source_address=(address, 0))
    try:
        start = time.perf_counter()
        conn.request("GET", "/v1/padro/registration", headers={"X-Kiosk-Id": kiosk_id, "X-Kiosk-Key": key})
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        headers = {k.lower(): v for k, v in response.getheaders()}
        if response.status == 401:
            headers["code"] = json.loads(body)["code"]
        return response.status, elapsed, headers
    finally:
        conn.close()


def test_an_unknown_kiosk_costs_as_much_as_a_wrong_key(api: Api) -> None:
    unknown: list[float] = []
    wrong: list[float] = []
    for n in range(9):  # 18 refusals: under the throttle's 20 a minute
        for kiosk_id, times in (("no-such-kiosk", unknown), (api.kiosk[0], wrong)):
            status, elapsed, headers = request_from(api, "127.0.0.2", kiosk_id, f"wrong-{n}")
            assert status == 401 and headers["code"] == "kiosk_unauthorised"
            times.append(elapsed)
    ratio = statistics.median(unknown) / statistics.median(wrong)
    print(f"median unknown {statistics.median(unknown):.4f} s, wrong key {statistics.median(wrong):.4f} s")
    assert 0.6 < ratio < 1.67, (unknown, wrong)


def test_refused_keys_are_throttled_per_address(api: Api) -> None:
    address = "127.0.0.3"
    right = request_from(api, address, *api.kiosk)
    assert right[0] == 401 and right[2]["code"] == "session_required"
    scrypt: list[float] = []
    for n in range(20):
        status, elapsed, headers = request_from(api, address, f"kiosk-{n}", "wrong")
        assert status == 401 and headers["code"] == "kiosk_unauthorised", (n, status)
        scrypt.append(elapsed)
    quick: list[float] = []
    for _ in range(5):
        status, elapsed, headers = request_from(api, address, api.kiosk[0], "wrong")
        assert status == 429 and 1 <= int(headers["retry-after"]) <= 60
        quick.append(elapsed)
    print(f"median refusal {statistics.median(scrypt):.4f} s, throttled {statistics.median(quick):.4f} s")
    assert statistics.median(quick) < statistics.median(scrypt) / 3
    # The right key still passes from that address (verified a moment ago), and other addresses are
    # not throttled.
    assert request_from(api, address, *api.kiosk)[2]["code"] == "session_required"
    other = request_from(api, "127.0.0.4", api.kiosk[0], "wrong")
    assert other[0] == 401 and other[2]["code"] == "kiosk_unauthorised"
