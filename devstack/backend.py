"""The reference municipal backend (`python -m municipal serve`) on loopback, as a context manager.

    with running(trust_anchors=Path("ca/")) as backend:
        backend.url, backend.kiosk_id, backend.kiosk_key, backend.database_url
        backend.add_kiosk("other-kiosk")  # -> (id, key)

The server listens on a socket bound here and handed to it (`--fd`), so a port asked as 0 is free and
known before the server starts, with no race. `BackendInfo.kill()` SIGKILLs it (a crash) and
`BackendInfo.start()` starts it again, on the same port and database, as a supervisor would. SQLite in
a private temp folder unless `database_url` is given. The server is stopped whatever happens; its log
is kept in `BackendInfo.log_path` while running and printed on a failed start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

DEFAULT_KIOSK_ID = "devstack-kiosk"


def _serial_text(serial: int | str) -> str:
    """A certificate serial as the revocation file has it: hex (a str is taken as written)."""
    return serial if isinstance(serial, str) else format(serial, "x")


@dataclass(frozen=True)
class TrustFiles:
    """What the server checks a certificate against: the folder of the CAs it trusts, the file of revoked
    serials and the folder of the CAs' revocation lists (both re-read on change)."""

    anchors: Path
    revoked: Path
    crls: Path

    @classmethod
    def prepare(
        cls,
        folder: Path,
        anchors: Path,
        revoked_serials: Iterable[int | str] | Path | None,
        crls: Path | None,
    ) -> TrustFiles:
        """The trust files of a server whose own files go in `folder`: `revoked_serials` written to a
        revocation file there, unless it is the path of one; `crls`, or an empty folder there."""
        if isinstance(revoked_serials, Path):
            revoked = revoked_serials
        else:
            revoked = folder / "revoked.txt"
            revoked.write_text("".join(f"{_serial_text(s)}\n" for s in revoked_serials or ()))
        crl_dir = crls if crls is not None else folder / "crls"
        crl_dir.mkdir(exist_ok=True)
        return cls(anchors, revoked, crl_dir)

    def arguments(self) -> list[str]:
        """The `serve` command's options naming these files."""
        return [
            "--trust-anchors", str(self.anchors),
            "--revoked", str(self.revoked),
            "--crls", str(self.crls),
        ]  # fmt: skip


@dataclass
class BackendInfo:
    url: str
    kiosk_id: str
    kiosk_key: str
    database_url: str
    port: int
    trust: TrustFiles
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    #: How the server was started (`start` starts it again so).
    command: list[str] = field(default_factory=list, repr=False)
    host: str = "127.0.0.1"
    workers: int = 1

    def kill(self) -> None:
        """SIGKILL the server (and its workers) and wait for it: a crash, nothing shut down cleanly."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def start(self) -> None:
        """Start the server again (after `kill`) on the same port, database and settings, and wait until
        it answers."""
        if self.process.poll() is None:
            raise RuntimeError("the server is still running")
        self.process = _spawn(self.command, self.host, self.port, self.workers, self.log_path)
        wait_until_up(self.url, self.process)

    def add_kiosk(self, kiosk_id: str, key: str | None = None) -> tuple[str, str]:
        """Register another kiosk (or give one a new key); returns (id, key)."""
        key = key or secrets.token_urlsafe(24)
        register_kiosk(self.database_url, kiosk_id, key)
        return kiosk_id, key

    def revoke(self, serial: int | str) -> None:
        """Add a certificate serial to the revocation file (the server re-reads it on change)."""
        with self.trust.revoked.open("a") as f:
            f.write(_serial_text(serial) + "\n")

    def publish_crl(self, name: str, crl: bytes | None) -> None:
        """Put a CA's revocation list in the server's CRL folder under `name`, replacing the previous
        one of that name, as a city's download job does (written aside, then renamed); None removes it."""
        target = self.trust.crls / name
        if crl is None:
            target.unlink(missing_ok=True)
            return
        partial = self.trust.crls / f".{name}.partial"
        partial.write_bytes(crl)
        partial.replace(target)

    def headers(self) -> dict[str, str]:
        """The kiosk credentials as request headers."""
        return {"X-Kiosk-Id": self.kiosk_id, "X-Kiosk-Key": self.kiosk_key}


def register_kiosk(database_url: str, kiosk_id: str, key: str) -> None:
    from municipal import database, seed

    engine = database.make_engine(database_url, pool_size=1)
    try:
        database.migrate(engine)
        seed.register_kiosk(engine, kiosk_id, key)
    finally:
        engine.dispose()


def _prepare(database_url: str, seed_demo: bool, kiosk_id: str, kiosk_key: str) -> None:
    from municipal import database, seed

    engine = database.make_engine(database_url, pool_size=1)
    try:
        database.migrate(engine)
        if seed_demo and seed.is_unseeded(engine):
            seed.seed_demo(engine)
        seed.register_kiosk(engine, kiosk_id, kiosk_key)
    finally:
        engine.dispose()


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the municipal server exited with status {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"the municipal server did not answer at {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def running(
    *,
    database_url: str | None = None,
    trust_anchors: Path,
    port: int = 0,
    seed_demo: bool = True,
    revoked_serials: Iterable[int | str] | Path | None = None,
    crls: Path | None = None,
    public_base_url: str | None = None,
    training: bool = False,
    workers: int = 1,
    kiosk_id: str = DEFAULT_KIOSK_ID,
    kiosk_key: str | None = None,
    host: str = "127.0.0.1",
    log_path: Path | None = None,
) -> Iterator[BackendInfo]:
    """Start the reference backend on `host:port` (0 = any free port), seeded with the demo data,
    with one kiosk registered; stop it on exit. `revoked_serials`: serials (int or hex) to write into
    a revocation file, or the path of an existing one. `crls`: the folder of CRLs to read (default: an
    empty one of its own, see `BackendInfo.publish_crl`). `workers` > 1 runs uvicorn's process pool."""
    kiosk_key = kiosk_key or secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="ovac-backend-") as tmp:
        folder = Path(tmp)
        url_db = database_url or f"sqlite:///{folder / 'municipal.sqlite3'}"
        trust = TrustFiles.prepare(folder, trust_anchors, revoked_serials, crls)
        _prepare(url_db, seed_demo, kiosk_id, kiosk_key)
        listener = _listen(host, port)
        bound_port = listener.getsockname()[1]
        url = f"http://{host}:{bound_port}"
        log_file = log_path or folder / "server.log"
        command = [
            sys.executable, "-m", "municipal", "serve",
            "--database", url_db,
            *trust.arguments(),
            "--public-base-url", public_base_url or url,
            "--workers", str(workers),
            "--log-level", "warning",
        ]  # fmt: skip
        if training:
            command.append("--training")
        process = _spawn(command, host, bound_port, workers, log_file, listener)
        info = BackendInfo(
            url=url,
            kiosk_id=kiosk_id,
            kiosk_key=kiosk_key,
            database_url=url_db,
            port=bound_port,
            trust=trust,
            log_path=log_file,
            process=process,
            command=command,
            host=host,
            workers=workers,
        )
        try:
            wait_until_up(url, process)
            yield info
        except BaseException:
            stop(info.process)
            with contextlib.suppress(OSError):
                sys.stderr.write(log_file.read_text(errors="replace")[-4000:])
            raise
        finally:
            stop(info.process)


def _listen(host: str, port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(512)
    return listener


def _spawn(
    command: list[str],
    host: str,
    port: int,
    workers: int,
    log_file: Path,
    listener: socket.socket | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` (the `serve` command without its socket options) serving `host:port`: one worker on
    a socket bound here (`listener`, or a new one on that port), or uvicorn's process pool."""
    if workers == 1:
        listener = listener or _listen(host, port)
        command = [*command, "--fd", str(listener.fileno())]
        pass_fds: tuple[int, ...] = (listener.fileno(),)
    else:
        # uvicorn's process pool binds by itself: hand it the port and let this socket go.
        command = [*command, "--host", host, "--port", str(port)]
        if listener is not None:
            listener.close()
            listener = None
        pass_fds = ()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        with log_file.open("ab") as log:
            return subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=pass_fds,
                env=env,
                start_new_session=True,
            )
    finally:
        if listener is not None:
            listener.close()
