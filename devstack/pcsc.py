"""pcscd with vpcd's virtual readers, the test cards' SoftHSM2 tokens and the test-card daemon.

`running()` reuses a pcscd that is already running and healthy (it is machine-wide: one at a time, socket
/run/pcscd/pcscd.comm) and otherwise starts `pcscd --foreground` itself. Users are counted in
/run/ovac-kiosk/pcscd.users.json: a pcscd some devstack started is stopped by its last user, never under
another test run or the demo; a pcscd nobody here started is never stopped. It provisions the test cards
(test PKI + one SoftHSM2 token per card) into a private folder,
starts the test-card daemon (which dies with the process that started it, so that a killed test run
leaves no card in a reader; one left by an older run is stopped at the next start), and sets
SOFTHSM2_CONF and OVAC_TESTCARDS_DIR in this process's
environment for its duration (children inherit them; `PcscInfo.env` has them too), so a training kiosk
with `[eid] cards = "test"` and `pkcs11_module = /usr/lib/softhsm/libsofthsm2.so` finds the cards' tokens.

`python -m devstack.pcsc [ROOT]` runs the stack in the foreground until Ctrl+C (for a trainer's shell).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eid.errors import PcscUnavailable
from eid.pcsc import list_readers
from testcards.control import TestCardControl
from testcards.provision import SOFTHSM_MODULE, Provisioned, provision
from testcards.tokens import ANNOUNCE_FILE, CONTROL_SOCKET
from testcards.vpcd import VPCD_PORTS, VPCD_READERS

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PCSCD_PIDFILE = Path("/run/pcscd/pcscd.pid")
_START_LOCK = Path("/run/ovac-kiosk/pcscd.lock")
#: Who uses the shared pcscd: {"pcscd_pid": pid started by a devstack or null, "users": [pids]}. Read
#: and written under _START_LOCK, so that the last user (not merely the starter) stops it.
_USERS_FILE = Path("/run/ovac-kiosk/pcscd.users.json")
#: The test-card daemon of the stack holding the readers: {"pid": ..., "started": ...}. A daemon still
#: alive when the next stack takes the readers lost its stack (killed) and holds its cards in the readers.
_DAEMON_FILE = Path("/run/ovac-kiosk/testcards.daemon.json")
#: Runs the test-card daemon so that it gets SIGTERM when the thread that started it dies, even by
#: SIGKILL (prctl PR_SET_PDEATHSIG, set after exec: no preexec_fn in a threaded parent).
_DAEMON_LAUNCHER = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit('the process that started the test-card daemon is gone')\n"
    "from testcards.daemon import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


class PcscdError(RuntimeError):
    """pcscd could not be started or does not show the virtual readers."""


RESERVED_PORTS = Path("/proc/sys/net/ipv4/ip_local_reserved_ports")


def reserve_vpcd_ports() -> None:
    """Keep vpcd's ports out of the kernel's ephemeral range (best effort, needs root).

    vpcd listens on fixed ports inside Linux's ephemeral range: any outgoing connection of a busy test run
    may be given 35963 or 35964 as its local port, and vpcd then fails to listen ("Address already in
    use") and pcscd shows no virtual reader.
    """
    try:
        current = RESERVED_PORTS.read_text().strip()
    except OSError:
        return
    wanted = [str(p) for p in VPCD_PORTS]
    ranges = [r for r in current.split(",") if r]

    def covered(port: int) -> bool:
        for r in ranges:
            low, _, high = r.partition("-")
            if int(low) <= port <= int(high or low):
                return True
        return False

    missing = [p for p in wanted if not covered(int(p))]
    if missing:
        with contextlib.suppress(OSError):
            RESERVED_PORTS.write_text(",".join(ranges + missing))


def pcscd_healthy() -> bool:
    """pcscd answers and shows vpcd's virtual readers."""
    if not PCSCD_SOCKET.exists():
        return False
    try:
        readers = list_readers()
    except PcscUnavailable:
        return False
    return all(r in readers for r in VPCD_READERS)


def pcscd_answers() -> bool:
    """pcscd answers (with or without readers)."""
    if not PCSCD_SOCKET.exists():
        return False
    try:
        list_readers()
    except PcscUnavailable:
        return False
    return True


def hold_vpcd_ports() -> list[socket.socket]:
    """Listen on vpcd's ports here: a pcscd started meanwhile cannot open vpcd's readers (its driver
    cannot listen) and lists none of them. A virtual card inserted meanwhile connects and is never spoken
    to, as a card in a reader that is not plugged in; it knocks again once the sockets are closed (its
    connection is reset). SO_REUSEADDR for the connections in TIME_WAIT that the pcscd just stopped left."""
    held: list[socket.socket] = []
    try:
        for port in VPCD_PORTS:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("", port))
            sock.listen(1)
    except OSError:
        for sock in held:
            sock.close()
        raise
    return held


@dataclass
class Pcscd:
    """A pcscd this process started (or None when it reuses someone else's)."""

    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    owned: bool = False

    def start(self, timeout: float = 10.0, attempts: int = 3, *, readers: bool = True) -> None:
        """Start pcscd and wait until it shows vpcd's readers (`readers=False`: until it answers, for a
        pcscd started while vpcd's ports are held, which has no virtual reader)."""
        reserve_vpcd_ports()
        for attempt in range(attempts):
            try:
                self._start_once(timeout, readers)
                return
            except PcscdError:
                self.stop()
                if attempt == attempts - 1:
                    raise
                time.sleep(1.0)  # e.g. a vpcd port still held by another socket in TIME_WAIT

    def _start_once(self, timeout: float, readers: bool = True) -> None:
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
            if pcscd_healthy() if readers else pcscd_answers():
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
    _held_ports: list[socket.socket] = field(default_factory=list, repr=False)

    @property
    def owns_pcscd(self) -> bool:
        return self.pcscd.owned

    def can_restart_pcscd(self) -> bool:
        """Whether this stack may stop pcscd: a devstack started it (this one, or one whose run is gone)
        and nobody else uses it now."""
        with _start_lock():
            data = _read_users()
        others = [p for p in data["users"] if p != os.getpid()]
        ours = self.pcscd.owned and self.pcscd.process is not None
        return not others and (ours or data.get("pcscd_pid") is not None)

    def stop_pcscd(self) -> None:
        """Stop pcscd (tests of a pcscd restart). Only for a pcscd a devstack started, used by this stack
        alone; `start_pcscd` starts this stack's own."""
        if not self.can_restart_pcscd():
            raise PcscdError("pcscd is shared with another user (or not ours): it will not be stopped")
        if self.pcscd.process is not None:
            self.pcscd.stop()
            return
        with _start_lock():  # a pcscd that a devstack gone since started (a killed run's)
            data = _read_users()
            pid = data.get("pcscd_pid")
            if pid is not None:
                _stop_pid(int(pid), data.get("pcscd_started"))
                data["pcscd_pid"] = data["pcscd_started"] = None
                _write_users(data)

    def start_pcscd(self, *, readers: bool = True) -> None:
        """Start pcscd again after `stop_pcscd` (`readers=False`: while vpcd's ports are held, see
        `unplug_readers`)."""
        with _start_lock():
            self.pcscd.start(readers=readers)
            data = _read_users()
            assert self.pcscd.process is not None
            data["pcscd_pid"] = self.pcscd.process.pid
            data["pcscd_started"] = started_at(self.pcscd.process.pid)
            _write_users(data)

    def unplug_readers(self) -> None:
        """The virtual readers leave pcscd's list, as a USB reader pulled out does (tests; only for a
        pcscd this stack started and uses alone). pcsc-lite 1.9 keeps a reader of reader.conf.d for as long
        as it runs (its serial rescan drops only a reader whose driver fails, vpcd's never does, and
        Debian's udev build does not even rescan on SIGUSR1), so pcscd is started again while vpcd's ports
        are held: it runs, and lists no virtual reader. A card inserted meanwhile waits outside, as in a
        reader that is not plugged in. `plug_readers()` undoes it."""
        self.stop_pcscd()
        self._held_ports = hold_vpcd_ports()
        self.start_pcscd(readers=False)
        if any(reader in list_readers() for reader in VPCD_READERS):
            raise PcscdError("pcscd opened vpcd's readers although their ports are held")

    def plug_readers(self) -> None:
        """The virtual readers back in pcscd's list (after `unplug_readers`); a card waiting goes in."""
        self.release_vpcd_ports()
        self.stop_pcscd()
        self.start_pcscd()

    def release_vpcd_ports(self) -> None:
        held, self._held_ports = self._held_ports, []
        for sock in held:
            sock.close()


def _stop_pid(pid: int, started: int | None, timeout: float = 5.0) -> None:
    """SIGTERM to the process recorded as (pid, started), SIGKILL after `timeout`; wait until it is gone."""
    if not _same_process(pid, started):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while started_at(pid) is not None and _same_process(pid, started):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline += timeout
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def started_at(pid: int) -> int | None:
    """When the process started (clock ticks since boot, /proc/PID/stat field 22), None if it is gone: a
    pid alive with another start time is an unrelated process that was given the number again."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    if fields[0] in ("Z", "X"):
        return None  # exited, not yet reaped
    return int(fields[19])


def _same_process(pid: int, started: int | None) -> bool:
    """The process recorded as (pid, started) still runs (files from before start times: pid alone)."""
    if started is None:
        return _alive(pid)
    return started_at(pid) == started


def _read_users() -> dict[str, Any]:
    """The users file, without the users and the pcscd that are gone (a killed run leaves its pid; a pid
    given again to another process counts as gone too)."""
    try:
        data: dict[str, Any] = json.loads(_USERS_FILE.read_text())
    except (OSError, ValueError):
        data = {}
    # Users stay plain pids (what older stacks read); their start times beside them, by pid.
    started: dict[str, int | None] = data.get("started") or {}
    data["users"] = [int(p) for p in data.get("users", []) if _same_process(int(p), started.get(str(p)))]
    data["started"] = {str(p): started.get(str(p)) for p in data["users"]}
    pcscd_pid = data.get("pcscd_pid")
    if pcscd_pid is not None and not (
        _same_process(int(pcscd_pid), data.get("pcscd_started")) and _command(int(pcscd_pid)) == "pcscd"
    ):
        data["pcscd_pid"] = None
    if data.get("pcscd_pid") is None:
        data["pcscd_started"] = None
    return data


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _write_users(data: dict[str, Any]) -> None:
    _USERS_FILE.write_text(json.dumps(data))


def _acquire_pcscd(pcscd: Pcscd) -> None:
    """Use the running pcscd, or start one; register this process as one of its users."""
    with _start_lock():
        data = _read_users()
        if not pcscd_healthy():
            pcscd.start()
            assert pcscd.process is not None
            data["pcscd_pid"] = pcscd.process.pid
            data["pcscd_started"] = started_at(pcscd.process.pid)
        data["users"].append(os.getpid())
        data["started"][str(os.getpid())] = started_at(os.getpid())
        _write_users(data)


def _release_pcscd(pcscd: Pcscd) -> None:
    """Leave the shared pcscd; the last devstack user stops a pcscd a devstack started."""
    with _start_lock():
        data = _read_users()
        data["users"] = [p for p in data["users"] if p != os.getpid()]
        data["started"].pop(str(os.getpid()), None)
        if not data["users"] and data.get("pcscd_pid"):
            if pcscd.process is not None and pcscd.process.pid == data["pcscd_pid"]:
                pcscd.stop()
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(data["pcscd_pid"]), signal.SIGTERM)
            data["pcscd_pid"] = data["pcscd_started"] = None
        elif pcscd.process is not None:
            # Others still use the pcscd this process started: leave it running for them (the last one
            # stops it), and stop waiting for it here.
            pcscd.process = None
        _write_users(data)


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
        [sys.executable, "-c", _DAEMON_LAUNCHER, str(os.getpid()), str(root)],
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


def stop_orphaned_daemon(record: Path = _DAEMON_FILE, timeout: float = 5.0) -> int | None:
    """Stop the test-card daemon `record` names if it still runs (its stack was killed: its cards are
    still in the readers); the pid stopped, or None. Call it holding the readers lock."""
    try:
        data = json.loads(record.read_text())
        pid, started = int(data["pid"]), int(data["started"])
    except (OSError, ValueError, KeyError, TypeError):
        record.unlink(missing_ok=True)
        return None
    record.unlink(missing_ok=True)
    if started_at(pid) != started:
        return None  # gone, or the number belongs to another process now
    os.kill(pid, signal.SIGTERM)  # the daemon takes its cards out of the readers and exits
    deadline = time.monotonic() + timeout
    while started_at(pid) == started:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # its vpcd connections close with it: the cards go too
            break
        time.sleep(0.05)
    return pid


def _record_daemon(daemon: subprocess.Popen[bytes], record: Path = _DAEMON_FILE) -> None:
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": daemon.pid, "started": started_at(daemon.pid)}))
    tmp.replace(record)


_READERS_LOCK = Path("/run/ovac-kiosk/vpcd-readers.lock")


@contextlib.contextmanager
def _readers_lock(timeout: float) -> Iterator[None]:
    """The two vpcd readers are machine-wide: one stack inserts test cards into them at a time."""
    _READERS_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(_READERS_LOCK, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise PcscdError(f"the virtual readers are in use by {holder}") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} ({' '.join(sys.argv)[:80]})\n")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def running(
    *, root: Path | None = None, announce: bool = False, set_env: bool = True, wait_for_readers: float = 900.0
) -> Iterator[PcscInfo]:
    """pcscd + virtual readers + provisioned test cards + test-card daemon, stopped whatever happens.

    Waits up to `wait_for_readers` seconds for another stack (a parallel test run, the demo) to be done
    with the two virtual readers.

    root: the test cards' folder (default: a private temp folder, deleted afterwards).
    announce: write the folder to /run/ovac-kiosk/testcards.current so `kiosk testcard` finds it from
    another shell (the demo does; tests do not).
    """
    with _readers_lock(wait_for_readers):
        with _running(root=root, announce=announce, set_env=set_env) as info:
            yield info


@contextlib.contextmanager
def _running(*, root: Path | None, announce: bool, set_env: bool) -> Iterator[PcscInfo]:
    own_root = root is None
    workdir = Path(tempfile.mkdtemp(prefix="ovac-pcsc-")) if root is None else root
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pcscd = Pcscd(log_path=workdir / "pcscd.log")
    daemon: subprocess.Popen[bytes] | None = None
    acquired = False
    saved_env = {k: os.environ.get(k) for k in ("SOFTHSM2_CONF", "OVAC_TESTCARDS_DIR")}
    try:
        _acquire_pcscd(pcscd)
        acquired = True
        cards = provision(workdir)
        env = cards.env()
        orphan = stop_orphaned_daemon()
        if orphan is not None:
            print(f"devstack.pcsc: stopped test-card daemon {orphan} left by a killed run", file=sys.stderr)
        daemon = _start_daemon(workdir, env)
        _record_daemon(daemon)
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
        if daemon is not None:
            _DAEMON_FILE.unlink(missing_ok=True)
        if acquired:
            _release_pcscd(pcscd)
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
