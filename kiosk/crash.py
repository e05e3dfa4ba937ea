"""What the kiosk does with an exception nothing caught: a report for staff, never a traceback on screen.

Textual's answer to an unhandled exception (`App._handle_exception` → `_fatal_error` / `panic`) is to
close the app and print a traceback, with the local variables of every frame, on the terminal: on a
kiosk that is the citizen's screen, and the locals hold the citizen's data. `KioskApp` answers instead
by ending the citizen's session (wiped, backend token revoked, every screen gone), showing the plain
error screen, and writing `report(error)` to the log. `CrashCounter` tells a kiosk that keeps failing
(the error screen itself, say) from one that met one bad moment: then it exits, wiped, for its
supervisor to restart it.

`report()` holds the exception's type and the code's frames (file, line, function, source line) of it
and of what it was raised from, never its message nor any value: a message may carry a name or an ID
number (`KeyError('12345678Z')`). It is one log message, so `kiosk.logsetup`'s filter sees all of it.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Protocol

log = logging.getLogger(__name__)

#: More crashes than this within `CRASH_WINDOW_SECONDS` and the kiosk exits instead of going on.
MAX_CRASHES = 3
CRASH_WINDOW_SECONDS = 30.0
#: The error screen is shown this long after the session ended, once the failed message loop has stopped.
ERROR_SCREEN_DELAY_SECONDS = 0.05
#: At exit, how long the backend may take to revoke the session's token before the kiosk goes anyway.
EXIT_REVOKE_SECONDS = 3.0
#: How many chained exceptions (`raise ... from`, or raised while handling another) a report follows.
MAX_CHAIN = 5


def unwrap(error: BaseException) -> BaseException:
    """The exception a worker raised, for Textual's `WorkerFailed` wrapper (which has it as `.error`)."""
    inner = getattr(error, "error", None)
    return inner if isinstance(inner, BaseException) and type(error).__name__ == "WorkerFailed" else error


def _frames(error: BaseException) -> list[str]:
    return [
        f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {(frame.line or "").strip()}'
        for frame in traceback.extract_tb(error.__traceback__)
    ]


def report(error: BaseException) -> str:
    """The exception's type and frames, and those of the exceptions it was raised from; no message."""
    parts: list[str] = []
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen and len(seen) < MAX_CHAIN:
        seen.add(id(current))
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        if parts:
            parts.append(f"raised while handling {name}:")
        else:
            parts.append(f"{name}:")
        parts.extend(_frames(current))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


class CrashCounter:
    """Crashes in the last `window` seconds; `many()` once there were more than `limit`."""

    def __init__(self, limit: int = MAX_CRASHES, window: float = CRASH_WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._times: list[float] = []

    def add(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._times = [t for t in self._times if now - t < self.window] + [now]

    def many(self) -> bool:
        return len(self._times) > self.limit


class _Logout(Protocol):
    def logout(self, token: str) -> None: ...


def revoke(backend: _Logout, token: str, *, wait: float | None = None) -> None:
    """End a backend session from a thread; `wait` seconds at most for it (at exit), else not at all."""

    def run() -> None:
        try:
            backend.logout(token)
        except Exception as exc:  # the backend also expires sessions by itself
            log.warning("could not revoke a backend session: %s", type(exc).__name__)

    thread = threading.Thread(target=run, name="revoke-session", daemon=True)
    thread.start()
    if wait is not None:
        thread.join(wait)
