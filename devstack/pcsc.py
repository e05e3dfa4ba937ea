"""pcscd with vpcd's virtual readers, the test cards' SoftHSM2 tokens and the test-card daemon.

`running()` reuses a pcscd that is already running and healthy (it is machine-wide: one at a time, socket
/run/pcscd/pcscd.comm) and otherwise starts `pcscd --foreground` itself; it stops only a pcscd it
started. It provisions the test cards (test PKI + one SoftHSM2 token per card) into a private folder,
starts the test-card daemon, and sets SOFTHSM2_CONF and OVAC_TESTCARDS_DIR in this process's
environment for its duration (children inherit them; `PcscInfo.env` has them too), so the kiosk with
`[eid] pkcs11_module = /usr/lib/softhsm/libsofthsm2.so` finds the cards' tokens.

`python -m devstack.pcsc [ROOT]` runs the stack in the foreground until Ctrl+C (for a trainer's shell).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from eid.errors import PcscUnavailable
from eid.pcsc import list_readers
from eid.testcards.control import ANNOUNCE_FILE, TestCardControl
from eid.testcards.daemon import CONTROL_SOCKET
from eid.testcards.provision import SOFTHSM_MODULE, Provisioned, provision
from eid.testcards.vpcd import VPCD_READERS

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PCSCD_PIDFILE = Path("/run/pcscd/pcscd.pid")
_START_LOCK = Path("/run/ovac-kiosk/pcscd.lock")


class PcscdError(RuntimeError):
    """pcscd could not be started or does not show the virtual readers."""


def pcscd_healthy() -> bool:
    """pcscd answers and shows vpcd's virtual readers."""
    if not PCSCD_SOCKET.exists():
        return False
    try:
        readers = list_readers()
    except PcscUnavailable:
        return False
    return all(r in readers for r in VPCD_READERS)


@dataclass
class Pcscd:
    """A pcscd this process started (or None when it reuses someone else's)."""

    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    owned: bool = False

    def start(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        for stale in (PCSCD_SOCKET, PCSCD_PIDFILE):  # left behind by a pcscd that was killed
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            ["pcscd", "--foreground"], stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
        log.close()
        self.owned = True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PcscdError(f"pcscd exited with {self.process.returncode}; see {self.log_path}")
            if pcscd_healthy():
                return
            time.sleep(0.05)
        raise PcscdError(f"pcscd did not show the vpcd readers within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class PcscInfo:
    root: Path
    cards: Provisioned
    pcscd: Pcscd
    daemon: subprocess.Popen[bytes]
    control: TestCardControl
    readers: tuple[str, ...] = VPCD_READERS
    pkcs11_module: Path = SOFTHSM_MODULE
    env: dict[str, str] = field(default_factory=dict)

    @property
    def owns_pcscd(self) -> bool:
        return self.pcscd.owned

    def stop_pcscd(self) -> None:
        """Stop pcscd (tests of a pcscd restart). Only for a pcscd this stack started."""
        if not self.pcscd.owned:
            raise PcscdError("this stack reuses a pcscd it did not start: it will not stop it")
        self.pcscd.stop()

    def start_pcscd(self) -> None:
        self.pcscd.start()


@contextlib.contextmanager
def _start_lock() -> Iterator[None]:
    _START_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(_START_LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _start_daemon(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(root / "daemon.log", "ab")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "eid.testcards.daemon", str(root)],
        env={**os.environ, **env},
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent,
    )
    log.close()
    control = TestCardControl(root)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"the test-card daemon exited with {daemon.returncode}; see {root}/daemon.log")
        if (root / CONTROL_SOCKET).exists() and control.ping():
            return daemon
        time.sleep(0.05)
    daemon.kill()
    raise RuntimeError("the test-card daemon did not start")


@contextlib.contextmanager
def running(*, root: Path | None = None, announce: bool = False, set_env: bool = True) -> Iterator[PcscInfo]:
    """pcscd + virtual readers + provisioned test cards + test-card daemon, stopped whatever happens.

    root: the test cards' folder (default: a private temp folder, deleted afterwards).
    announce: write the folder to /run/ovac-kiosk/testcards.current so `kiosk testcard` finds it from
    another shell (the demo does; tests do not).
    """
    own_root = root is None
    workdir = Path(tempfile.mkdtemp(prefix="ovac-pcsc-")) if root is None else root
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pcscd = Pcscd(log_path=workdir / "pcscd.log")
    daemon: subprocess.Popen[bytes] | None = None
    saved_env = {k: os.environ.get(k) for k in ("SOFTHSM2_CONF", "OVAC_TESTCARDS_DIR")}
    try:
        with _start_lock():
            if not pcscd_healthy():
                pcscd.start()
        cards = provision(workdir)
        env = cards.env()
        daemon = _start_daemon(workdir, env)
        if set_env:
            os.environ.update(env)
        if announce:
            ANNOUNCE_FILE.parent.mkdir(parents=True, exist_ok=True)
            ANNOUNCE_FILE.write_text(f"{workdir}\n")
        yield PcscInfo(
            root=workdir, cards=cards, pcscd=pcscd, daemon=daemon, control=TestCardControl(workdir), env=env
        )
    finally:
        if announce:
            with contextlib.suppress(OSError):
                if ANNOUNCE_FILE.read_text().strip() == str(workdir):
                    ANNOUNCE_FILE.unlink()
        if daemon is not None and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=5)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        pcscd.stop()
        if set_env:
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        if own_root:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path("/run/ovac-kiosk/testcards")
    with running(root=root, announce=True) as info:
        print(f"pcscd {'started' if info.owns_pcscd else 'reused'}; test cards in {info.root}")
        print(f"export SOFTHSM2_CONF={info.env['SOFTHSM2_CONF']} OVAC_TESTCARDS_DIR={info.root}")
        print("`kiosk testcard list|insert NAME|remove` from another shell; Ctrl+C stops everything.")
        stop = False

        def _stop(*_: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while not stop:
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
