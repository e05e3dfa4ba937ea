"""A running kiosk's health: systemd's notify protocol, the heartbeat to the backend, and the clean-up at
start after a crash.

- `notify()` speaks sd_notify(3) itself (one datagram to `$NOTIFY_SOCKET`, a path or an abstract socket
  given as `@name`): a few lines, no C extension. `Watchdog` sends `READY=1` once the attract screen has
  been drawn, then `WATCHDOG=1` from a timer on the app's event loop, every half `$WATCHDOG_USEC`: a loop
  that stops answering stops the pings, and systemd (`WatchdogSec=`) kills and restarts the kiosk. With
  no `$NOTIFY_SOCKET` (not under systemd) nothing is sent.
- `Heartbeat` is a plain thread that every `[health] heartbeat_seconds` collects the kiosk's state
  (`collect()`: readers, card stack, printer state and reasons, free space for the temp folders,
  version, the last error code) and posts it to the backend. It never touches the event loop nor the
  screen; a failure is logged and the next beat tries again. No citizen data is in it.
- `recover()` runs at start, before any session: the session folders a killed process left behind are
  deleted (`kiosk.session.remove_leftovers`), and the backend is told that this kiosk started
  (`tell_started()`), so it ends every citizen session the kiosk still had open (a killed process could
  not revoke its token; the token lived only in its memory, and the backend would otherwise expire it
  after its idle time). `kiosk` deletes the folders before the app starts and tells the backend from a
  thread once the attract screen is up; the first session waits for that (`KioskApp(startup=...)`).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from contract.kiosks import HeartbeatIn, KioskStartedOut, PrinterHealth, PrinterStateName
from kiosk import __version__
from kiosk.config import Settings
from kiosk.session import remove_leftovers

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------- sd_notify


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send `message` (e.g. "READY=1") to systemd's notify socket; False when there is none or it failed."""
    env = os.environ if environ is None else environ
    path = env.get("NOTIFY_SOCKET")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), address)
    except OSError as exc:
        log.warning("could not notify systemd: %s", type(exc).__name__)
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between watchdog pings (half of `$WATCHDOG_USEC`, as sd_watchdog_enabled(3) advises), or
    None when systemd watches nothing here (no socket, no WATCHDOG_USEC, or it is meant for another pid)."""
    env = os.environ if environ is None else environ
    usec, pid = env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID")
    if not env.get("NOTIFY_SOCKET") or not usec:
        return None
    try:
        if pid and int(pid) != os.getpid():
            return None
        seconds = int(usec) / 1_000_000
    except ValueError:
        return None
    return seconds / 2 if seconds > 0 else None


class _Loop(Protocol):
    """What `Watchdog` needs of the app (a Textual App has both)."""

    def call_after_refresh(self, callback: Callable[[], Any]) -> bool: ...
    def set_interval(
        self, interval: float, callback: Callable[[], Any], *, name: str | None = None
    ) -> Any: ...


class Watchdog:
    """READY=1 after the first screen is drawn, WATCHDOG=1 from the event loop (see the module's doc)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._timer: Any = None
        self.ready = False

    def start(self, app: _Loop) -> None:
        if not self._environ.get("NOTIFY_SOCKET"):
            return
        app.call_after_refresh(self._ready)
        interval = watchdog_interval(self._environ)
        if interval is not None:
            self._timer = app.set_interval(interval, self._ping, name="systemd-watchdog")

    def _ready(self) -> None:
        self.ready = notify("READY=1\nSTATUS=attract screen shown", self._environ)

    def _ping(self) -> None:
        notify("WATCHDOG=1", self._environ)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._environ.get("NOTIFY_SOCKET"):
            notify("STOPPING=1", self._environ)


# ---------------------------------------------------------------------------------------- last error


class LastError(logging.Handler):
    """Remembers the code of the last record at ERROR or above: its `error_code` extra if it has one,
    else the exception's type, else the logger's name. Never the message (it may name a citizen)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.code: str | None = None
        self.at: datetime | None = None

    def emit(self, record: logging.LogRecord) -> None:
        code = getattr(record, "error_code", None)
        if not isinstance(code, str) and record.exc_info and record.exc_info[0] is not None:
            code = f"{record.name}:{record.exc_info[0].__name__}"
        self.code = (code if isinstance(code, str) else record.name)[:120]
        self.at = datetime.fromtimestamp(record.created, UTC)


# ---------------------------------------------------------------------------------------- collecting

#: IPP printer-state values.
_PRINTER_STATES: dict[int, PrinterStateName] = {3: "idle", 4: "processing", 5: "stopped"}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def printer_health(settings: Settings) -> PrinterHealth:
    """The configured printer as CUPS reports it now (pycups, IPP printer-state and -state-reasons)."""
    printer = settings.printer
    if printer.kind == "folder":
        return PrinterHealth(state="folder")
    try:
        import cups

        if printer.cups_server:
            cups.setServer(printer.cups_server)  # per thread in libcups: this thread's own
        connection = cups.Connection()
    except (ImportError, RuntimeError):
        return PrinterHealth(state="unreachable")
    try:
        attributes = connection.getPrinterAttributes(
            printer.name,
            requested_attributes=["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"],
        )
    except cups.IPPError:
        return PrinterHealth(state="unknown")
    except RuntimeError:
        return PrinterHealth(state="unreachable")
    reasons = [r for r in _as_list(attributes.get("printer-state-reasons")) if r != "none"]
    accepting = attributes.get("printer-is-accepting-jobs")
    return PrinterHealth(
        state=_PRINTER_STATES.get(int(attributes.get("printer-state", 0)), "unknown"),
        reasons=[r[:120] for r in reasons][:32],
        accepting_jobs=accepting if isinstance(accepting, bool) else None,
    )


def _card_stack(settings: Settings) -> tuple[int, bool, str | None]:
    """(readers watched, stack OK, problem code)."""
    try:
        from eid.errors import PcscUnavailable
        from eid.pcsc import list_readers
    except ImportError:
        return 0, False, "pcsc_missing"
    try:
        readers = list_readers()
    except PcscUnavailable:
        return 0, False, "pcsc_unavailable"
    prefixes = settings.eid.readers
    watched = [r for r in readers if not prefixes or any(r.startswith(p) for p in prefixes)]
    if not settings.eid.pkcs11_module.exists():
        return len(watched), False, "pkcs11_module_missing"
    return len(watched), True, None


def temp_root(settings: Settings) -> Path:
    return settings.kiosk.temp_dir or Path(tempfile.gettempdir())


def collect(
    settings: Settings, last_error: LastError | None = None, started: float | None = None
) -> HeartbeatIn:
    """The kiosk's state now, as a heartbeat."""
    readers, stack_ok, problem = _card_stack(settings)
    root = temp_root(settings)
    try:
        free = shutil.disk_usage(root if root.exists() else root.parent).free
    except OSError:
        free = 0
    return HeartbeatIn(
        version=__version__,
        mode=settings.kiosk.mode,
        reader_present=readers > 0,
        readers=min(readers, 64),
        card_stack_ok=stack_ok,
        card_stack_problem=problem,
        printer=printer_health(settings),
        temp_free_bytes=free,
        last_error_code=last_error.code if last_error else None,
        last_error_at=last_error.at if last_error else None,
        uptime_seconds=max(0.0, time.monotonic() - started) if started is not None else 0.0,
        sent_at=datetime.now(UTC),
    )


# ---------------------------------------------------------------------------------------- heartbeat


class _HealthBackend(Protocol):
    def heartbeat(self, beat: HeartbeatIn) -> None: ...
    def kiosk_started(self) -> KioskStartedOut: ...


class Heartbeat:
    """A daemon thread posting `collect()` every `interval` seconds (the first at once)."""

    def __init__(
        self,
        settings: Settings,
        backend: _HealthBackend,
        *,
        interval: float | None = None,
        collector: Callable[[], HeartbeatIn] | None = None,
    ) -> None:
        self.settings = settings
        self.backend = backend
        self.interval = interval if interval is not None else settings.health.heartbeat_seconds
        self.last_error = LastError()
        self._started = time.monotonic()
        self._collect = collector or (lambda: collect(self.settings, self.last_error, self._started))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Heartbeats the backend accepted, and failed attempts in a row (for staff and tests).
        self.sent = 0
        self.failures = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        logging.getLogger().addHandler(self.last_error)
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def beat(self) -> bool:
        """Collect and send one heartbeat now; False (logged) when it could not be sent."""
        try:
            self.backend.heartbeat(self._collect())
        except Exception as exc:
            self.failures += 1
            # Once at the first failure, then every tenth: a backend down for a day logs ~150 lines.
            if self.failures == 1 or self.failures % 10 == 0:
                log.warning("heartbeat not sent (%s), %d in a row", type(exc).__name__, self.failures)
            return False
        if self.failures:
            log.info("heartbeat sent again after %d failures", self.failures)
        self.failures = 0
        self.sent += 1
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        logging.getLogger().removeHandler(self.last_error)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


# ---------------------------------------------------------------------------------------- recovery


def recover(settings: Settings, backend: _HealthBackend | None) -> None:
    """At start, before any session: delete the session folders a killed kiosk left, and have the
    backend end the citizen sessions this kiosk still had open (`tell_started`)."""
    remove_leftovers(settings.kiosk.temp_dir)
    if backend is not None:
        tell_started(backend)


def tell_started(backend: _HealthBackend) -> None:
    """Have the backend end the citizen sessions this kiosk still had open (a killed process could not
    revoke their tokens); logged if it cannot be reached: the backend then expires them after its idle
    time. `kiosk` runs it off the first frame, and the first session waits for it."""
    try:
        ended = backend.kiosk_started().ended_sessions
    except Exception as exc:
        log.warning("could not tell the backend this kiosk started (%s)", type(exc).__name__)
        return
    if ended:
        log.warning("the backend ended %d citizen session(s) left open by the previous run", ended)
