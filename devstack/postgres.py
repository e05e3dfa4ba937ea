"""A private PostgreSQL cluster for tests and benchmarks: initdb in a temp folder, a free loopback port,
password authentication, stopped and deleted on exit.

initdb refuses to run as root. As root (CI, `make test`) the cluster belongs to the `postgres` system
user that Debian's package creates: the temp folder is chowned to it and initdb/postgres run under it
(subprocess' `user=`); as any other user it simply runs as that user. Nothing touches the system's own
cluster (/var/lib/postgresql): this one lives and dies in its temp folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devstack.ports import free_port

SYSTEM_USER = "postgres"
SUPERUSER = "ovac"


def bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise FileNotFoundError("PostgreSQL is not installed (Debian package `postgresql`)")
    return found[-1].parent


@dataclass
class PostgresInfo:
    host: str
    port: int
    user: str
    password: str
    data_dir: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    #: How the postmaster was started, for `restart`.
    command: list[str] = field(default_factory=list, repr=False)
    system_user: str | None = None

    def stop(self, *, immediate: bool = False) -> None:
        """Stop the cluster: a fast shutdown, or `immediate` (no checkpoint, crash recovery at the next
        start, as after a crash); every open connection is cut."""
        self.process.send_signal(signal.SIGQUIT if immediate else signal.SIGINT)
        self.process.wait(timeout=30)

    def start(self) -> None:
        """Start the stopped cluster again, on the same port, and wait until it takes connections."""
        self.process = _start(self.command, self.system_user, self.data_dir.parent)
        _wait_until_up(self.process, self.port, self.password, self.data_dir.parent)

    def restart(self, *, immediate: bool = False) -> None:
        self.stop(immediate=immediate)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = name or f"ovac_{secrets.token_hex(4)}"
        with psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def running(*, durable: bool = False, max_connections: int = 200) -> Iterator[PostgresInfo]:
    """Start a private cluster. `durable=False` (tests) turns fsync off; `True` keeps the defaults
    (benchmarks)."""
    binaries = bin_dir()
    as_root = os.geteuid() == 0
    user = SYSTEM_USER if as_root else None
    tmp = Path(tempfile.mkdtemp(prefix="ovac-pg-"))
    process: subprocess.Popen[bytes] | None = None
    info: PostgresInfo | None = None
    try:
        if as_root:
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(tmp, entry.pw_uid, entry.pw_gid)
        password = secrets.token_urlsafe(16)
        pwfile = tmp / "pw"
        pwfile.write_text(password)
        if as_root:
            os.chown(pwfile, pwd.getpwnam(SYSTEM_USER).pw_uid, -1)
        data = tmp / "data"
        subprocess.run(
            [
                str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ],
            check=True, user=user, capture_output=True, cwd=tmp,
        )  # fmt: skip
        pwfile.unlink()
        port = free_port()
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"max_connections={max_connections}"]
        if not durable:
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        command = [str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-k", str(tmp), *settings]
        process = _start(command, user, tmp)
        _wait_until_up(process, port, password, tmp)
        info = PostgresInfo("127.0.0.1", port, SUPERUSER, password, data, process, command, user)
        yield info
    finally:
        if info is not None:
            process = info.process  # restarted meanwhile, perhaps
        if process is not None and process.poll() is None:
            process.send_signal(2)  # SIGINT: PostgreSQL's fast shutdown
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _start(command: list[str], user: str | None, folder: Path) -> subprocess.Popen[bytes]:
    with (folder / "postgres.log").open("ab") as log:
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, user=user, cwd=folder, start_new_session=True
        )


def _wait_until_up(process: subprocess.Popen[bytes], port: int, password: str, folder: Path) -> None:
    import psycopg

    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log = (folder / "postgres.log").read_text()[-2000:]
            raise RuntimeError(f"postgres exited ({process.returncode}): {log}")
        try:
            psycopg.connect(
                host="127.0.0.1",
                port=port,
                user=SUPERUSER,
                password=password,
                dbname="postgres",
                connect_timeout=2,
            ).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
