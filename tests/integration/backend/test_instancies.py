"""Instància genèrica over real HTTP: attachments checked by content, registry numbers gapless under
concurrency, and a retry after a lost reply that returns the same entry."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.backend.conftest import Api

pytestmark = pytest.mark.timeout(180)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

FIELDS: dict[str, Any] = {
    "subject": "Sol·licitud de gual",
    "exposo": "Que visc al carrer de la Palma i necessito entrar el cotxe.",
    "solicito": "Que m'atorguin un gual.",
    "department": "MOBILITAT",
    "contact": {"email": "veina@example.org", "phone": "600000000"},
    "notification_channel": "electronic",
    "language": "ca",
}


def submit(
    api: Api,
    token: str,
    fields: dict[str, Any] | None = None,
    files: list[tuple[str, bytes]] | None = None,
    key: str | None = None,
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(
        "/v1/instancies",
        token,
        data={"fields": json.dumps(fields or FIELDS)},
        files=[("files", (name, content, "application/octet-stream")) for name, content in (files or [])],
        headers=headers,
    )


def test_instancia_with_attachments(api: Api, tokens: dict[str, str]) -> None:
    files = [("escriptura.pdf", PDF), ("foto façana.png", PNG), ("plànol.jpg", JPEG)]
    r = submit(api, tokens["jordi"], files=files)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert (
        receipt["registry_number"].startswith("E/") and len(receipt["registry_number"].rsplit("/", 1)[1]) == 6
    )
    assert receipt["department"] == {"code": "MOBILITAT", "name": "Mobilitat i via pública"}
    assert receipt["applicant"] == {
        "id_number": "87654321X",
        "given_name": "JORDI",
        "surnames": "PUIG FERRER",
    }
    assert receipt["attachments"] == [
        {"name": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()} for n, c in files
    ]
    assert (
        receipt["notification_channel"] == "electronic" and receipt["contact"]["email"] == "veina@example.org"
    )
    stored = api.scalar(
        "SELECT count(*) FROM instancia_attachments a JOIN instancies i ON a.instancia_id = i.id"
        " WHERE i.registry_number = :n",
        n=receipt["registry_number"],
    )
    assert stored == 3


@pytest.mark.parametrize(
    ("files", "fields", "code"),
    [
        ([("x.pdf", PDF)] * 11, None, "attachment_too_many"),
        ([("gran.pdf", PDF + b"0" * (10 * 1024 * 1024))], None, "attachment_too_large"),
        ([("n" * 77 + ".pdf", PDF)], None, "attachment_name"),
        ([("factura.pdf", b"MZ\x90\x00 not a pdf")], None, "attachment_type"),
        ([("buit.pdf", b"")], None, "attachment_empty"),
        ([], {**FIELDS, "department": "NOPE"}, "department_unknown"),
        ([], {**FIELDS, "contact": {}}, "validation_error"),
        ([], {**FIELDS, "subject": ""}, "validation_error"),
    ],
)
def test_instancia_refusals(
    api: Api, tokens: dict[str, str], files: list[tuple[str, bytes]], fields: dict[str, Any] | None, code: str
) -> None:
    before = api.scalar("SELECT count(*) FROM instancies")
    r = submit(api, tokens["jordi"], fields, files)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code
    assert api.scalar("SELECT count(*) FROM instancies") == before


def test_instancia_needs_a_certificate_session(api: Api) -> None:
    weak = api.weak_login("12345678Z", "1980-04-15", "08301").json()["token"]
    assert submit(api, weak).status_code == 403
    assert submit(api, "").status_code == 401


def test_instancia_over_the_total_limit_is_refused_before_reading(api: Api, tokens: dict[str, str]) -> None:
    import socket

    # Announce 200 MB and send nothing of it: the answer must come at once, from the headers alone.
    head = (
        f"POST /v1/instancies HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Kiosk-Id: {api.kiosk[0]}\r\n"
        f"X-Kiosk-Key: {api.kiosk[1]}\r\nAuthorization: Bearer {tokens['jordi']}\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", api.info.port), timeout=10) as sock:
        sock.sendall(head.encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    reply_text = reply.decode()
    assert reply_text.startswith("HTTP/1.1 413"), reply_text[:200]
    assert "request_too_large" in reply_text


def test_twenty_concurrent_instancies_get_consecutive_numbers(api: Api, tokens: dict[str, str]) -> None:
    barrier = threading.Barrier(20)

    def one(n: int) -> Any:
        barrier.wait()
        return submit(api, tokens["carmen"], {**FIELDS, "subject": f"Concurrència {n}"}, key=uuid.uuid4().hex)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(one, range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [
        r.text for r in responses if r.status_code != 201
    ]
    numbers = sorted(int(r.json()["registry_number"].rsplit("/", 1)[1]) for r in responses)
    assert numbers == list(range(numbers[0], numbers[0] + 20))
    rows = api.scalar("SELECT count(*) FROM instancies WHERE registry_number IN ({})".format(
        ",".join(f"'{r.json()['registry_number']}'" for r in responses)))  # fmt: skip
    assert rows == 20
    year = responses[0].json()["registry_number"].split("/")[1]
    all_numbers = [
        int(n)
        for n in api.engine.connect()
        .execute(
            __import__("sqlalchemy").text(
                "SELECT sequence FROM instancies WHERE year = :y ORDER BY sequence"
            ),
            {"y": int(year)},
        )
        .scalars()
    ]
    assert all_numbers == list(range(1, len(all_numbers) + 1))  # no gaps, no duplicates, ever


def test_same_key_concurrently_makes_one_entry(api: Api, tokens: dict[str, str]) -> None:
    key = uuid.uuid4().hex
    barrier = threading.Barrier(6)

    def one(_: int) -> Any:
        barrier.wait()
        return submit(api, tokens["carmen"], {**FIELDS, "subject": "Una sola vegada"}, key=key)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(one, range(6)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["registry_number"] for r in responses}) == 1
    assert api.scalar("SELECT count(*) FROM instancies WHERE registry_number = :n",
                      n=responses[0].json()["registry_number"]) == 1  # fmt: skip
