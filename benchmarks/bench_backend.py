"""Municipal backend: volants issued per second by 16 concurrent kiosks, against a bare FastAPI endpoint.

Each run starts the reference server (`python -m municipal serve`) on loopback, logs 16 clients in with
test certificates (login is not measured), then for 20 s each client issues volants back to back, each
with its own Idempotency-Key as the kiosk sends them. The reference is the same load against a FastAPI
app whose only endpoint returns a constant, served by uvicorn the same way, in the same run. Both on
SQLite (the default) and on a private PostgreSQL cluster (durable settings).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

from benchmarks import Figure

CLIENTS = 16
SECONDS = float(os.environ.get("OVAC_BENCH_SECONDS", "20"))
#: uvicorn workers: one per core (the SQLite writers of both queue on a file lock, see municipal.context).
#: The bare reference runs with as many as the server it is compared with.
SQLITE_WORKERS = int(os.environ.get("OVAC_BENCH_SQLITE_WORKERS", "2"))
PG_WORKERS = int(os.environ.get("OVAC_BENCH_PG_WORKERS", "2"))


def bare_app() -> object:
    """The reference: FastAPI with one endpoint returning a constant."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/v1/padro/documents", status_code=201)
    def constant() -> dict[str, str]:
        return {"kind": "volant_individual", "csv": "CONSTANT"}

    return app


@contextlib.contextmanager
def bare_server(workers: int) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = (
        "import uvicorn; uvicorn.run('benchmarks.bench_backend:bare_app', factory=True, host='127.0.0.1', "
        f"port={port}, workers={workers}, log_level='warning', access_log=False)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(requests.RequestException):
                requests.post(url + "/v1/padro/documents", timeout=1)
                break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


class Client:
    """A light keep-alive HTTP client for the load generator (http.client: far less CPU per request than
    requests, so the generator, which shares the machine with the server, takes little of it)."""

    def __init__(self, base: str):
        host, _, port = base.removeprefix("http://").partition(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)

    def post(self, path: str, headers: dict[str, str], body: dict[str, str]) -> int:
        payload = json.dumps(body).encode()
        self.connection.request(
            "POST", path, body=payload, headers={**headers, "Content-Type": "application/json"}
        )
        response = self.connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.connection.close()


def load(
    request: Callable[[Client, int], int], base: str, clients: int, seconds: float
) -> tuple[float, list[float]]:
    """`clients` threads call `request` back to back for `seconds`: (requests per second, latencies ms)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[int] = []
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(n: int) -> None:
        client = Client(base)
        try:
            request(client, n)  # warm the connection up
            start.wait()
            while time.perf_counter() < stop_at[0]:
                t = time.perf_counter()
                status = request(client, n)
                latencies[n].append((time.perf_counter() - t) * 1000)
                if status != 201:
                    errors.append(status)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds + 0.05
    started = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed (e.g. HTTP {errors[0]})")
    merged = [x for per in latencies for x in per]
    return len(merged) / elapsed, merged


def percentile(values: list[float], p: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


def measure_backend(
    database_url: str | None, anchors: Path, certificate: object, workers: int
) -> tuple[float, list[float]]:
    from devstack import backend

    with backend.running(database_url=database_url, trust_anchors=anchors, workers=workers) as info:
        tokens = []
        kiosks = []  # a kiosk per client: a kiosk's next login ends its open session
        for n in range(CLIENTS):
            kiosk_id, key = info.add_kiosk(f"bench-{n}")
            headers = {"X-Kiosk-Id": kiosk_id, "X-Kiosk-Key": key}
            challenge = requests.post(info.url + "/v1/auth/challenges", headers=headers, timeout=10).json()
            body = certificate.login_body(challenge)  # type: ignore[attr-defined]
            r = requests.post(info.url + "/v1/auth/sessions", headers=headers, json=body, timeout=10)
            r.raise_for_status()
            tokens.append(r.json()["token"])
            kiosks.append(headers)

        def issue(client: Client, n: int) -> int:
            return client.post(
                "/v1/padro/documents",
                {**kiosks[n], "Authorization": f"Bearer {tokens[n]}", "Idempotency-Key": uuid.uuid4().hex},
                {"kind": "volant_individual", "language": "ca"},
            )

        return load(issue, info.url, CLIENTS, SECONDS)


def measure_bare(workers: int) -> tuple[float, list[float]]:
    with bare_server(workers) as url:

        def call(client: Client, n: int) -> int:
            return client.post(
                "/v1/padro/documents",
                {"Idempotency-Key": uuid.uuid4().hex},
                {"kind": "volant_individual", "language": "ca"},
            )

        return load(call, url, CLIENTS, SECONDS)


def figures(
    label: str, workers: int, got: tuple[float, list[float]], ref: tuple[float, list[float]], targets: bool
) -> list[Figure]:
    rps, lat = got
    ref_rps, ref_lat = ref
    p99 = percentile(lat, 99)
    return [
        Figure(
            f"volants/s, {label}, {CLIENTS} clients, {workers} worker(s)",
            rps,
            "req/s",
            "bare FastAPI constant",
            ref_rps,
            better="higher",
            target=">= 150 req/s" if targets else "",
            met=(rps >= 150) if targets else None,
        ),
        Figure(
            f"volant p50 latency, {label}",
            percentile(lat, 50),
            "ms",
            "bare FastAPI p50",
            percentile(ref_lat, 50),
        ),
        Figure(
            f"volant p99 latency, {label}",
            p99,
            "ms",
            "bare FastAPI p99",
            percentile(ref_lat, 99),
            target="< 150 ms" if targets else "",
            met=(p99 < 150) if targets else None,
        ),
    ]


def run() -> list[Figure]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from devstack import postgres
    from tests.fixtures.backend import TestPKI

    with tempfile.TemporaryDirectory(prefix="ovac-bench-") as tmp:
        pki = TestPKI(Path(tmp) / "anchors")
        carmen = pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA")
        sqlite = measure_backend(None, pki.anchors, carmen, SQLITE_WORKERS)
        out = figures("SQLite", SQLITE_WORKERS, sqlite, measure_bare(SQLITE_WORKERS), targets=True)
        with postgres.running(durable=True) as cluster:
            pg = measure_backend(cluster.create_database(), pki.anchors, carmen, PG_WORKERS)
        out += figures("PostgreSQL", PG_WORKERS, pg, measure_bare(PG_WORKERS), targets=False)
    return out
