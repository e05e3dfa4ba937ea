"""One citizen's visit: identity, backend token, procedure state and a private temp folder.

A session ends (card removed, "Finish", inactivity, staff) with `wipe()`: the temp folder is deleted,
every listener is told (the app pops its screens and clears widgets, the backend client revokes the
token, the card layer forgets the card) and the object forgets everything it held. Nothing of one
citizen may ever reach the next.

A process that dies (SIGKILL, a power cut, the watchdog) cannot wipe: its folder stays. Each folder's
name carries the process id that made it (`ovac-session-<pid>-<session id>-...`), and `remove_leftovers()`,
run at start before the first screen, deletes those of processes that no longer run (never those of a
kiosk still running beside this one, e.g. in tests sharing the system's temp folder).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract.v1 import Scope

log = logging.getLogger(__name__)

#: Every session folder's name starts with this, then the process id, then the session id.
PREFIX = "ovac-session-"


class EndReason(Enum):
    FINISHED = "finished"
    CARD_REMOVED = "card-removed"
    READER_REMOVED = "reader-removed"
    IDLE = "idle"
    STAFF = "staff"
    ERROR = "error"
    EXIT = "exit"


WipeListener = Callable[["CitizenSession", EndReason], None]


@dataclass
class CitizenSession:
    """State of the citizen at the kiosk now. Never logged: `repr` shows only the opaque id."""

    temp_root: Path | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    #: The citizen's identity once identified (an `eid.identity.Citizen` or the backend's identity).
    identity: Any = field(default=None, repr=False)
    #: The backend's bearer token for this citizen (certificate login or weak identification).
    token: str | None = field(default=None, repr=False)
    #: What the token opens, as the backend's login answered: "full" (a certificate login) or
    #: "deixalleria" (the weak identification); None before a login.
    scope: Scope | None = None
    #: Which reader the citizen's card is in, if any.
    reader: str | None = field(default=None, repr=False)
    #: Free-form state of the procedure in progress (cleared on wipe).
    state: dict[str, Any] = field(default_factory=dict, repr=False)
    ended: EndReason | None = None
    _temp_dir: Path | None = field(default=None, repr=False)
    _listeners: list[WipeListener] = field(default_factory=list, repr=False)

    @property
    def temp_dir(self) -> Path:
        """This session's private folder (mode 0700), created on first use, deleted on wipe."""
        if self.ended is not None:
            raise RuntimeError("the session has ended")
        if self._temp_dir is None:
            if self.temp_root is not None:
                self.temp_root.mkdir(parents=True, exist_ok=True, mode=0o700)
            prefix = f"{PREFIX}{os.getpid()}-{self.id}-"
            self._temp_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=self.temp_root))
        return self._temp_dir

    @property
    def identified(self) -> bool:
        return self.token is not None

    def add_wipe_listener(self, listener: WipeListener) -> None:
        self._listeners.append(listener)

    def wipe(self, reason: EndReason) -> None:
        """End the session and erase every trace of it. Safe to call twice."""
        if self.ended is not None:
            return
        self.ended = reason
        for listener in list(self._listeners):
            try:
                listener(self, reason)
            except Exception:  # a listener's failure must not keep data alive
                log.exception("session wipe listener failed")
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
        self._temp_dir = None
        self.identity = None
        self.token = None
        self.scope = None
        self.reader = None
        self.state.clear()
        self._listeners.clear()
        log.info("session %s ended: %s", self.id, reason.value)


def _started_at(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), from /proc; None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        lines = Path("/proc/stat").read_text().splitlines()
        boot = next(float(line.split()[1]) for line in lines if line.startswith("btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _made_by_running_process(pid: int, folder: Path) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        pass
    # The id may have been given to a new process since: one that started after the folder last changed
    # cannot have made it.
    started = _started_at(pid)
    try:
        changed = folder.stat().st_mtime
    except OSError:
        return False
    return started is None or started <= changed + 1.0


def remove_leftovers(temp_root: Path | None) -> list[Path]:
    """Delete the session folders under `temp_root` (None: the system's temp folder) left by kiosk
    processes that no longer run; returns what was deleted. This process's own are kept."""
    root = Path(tempfile.gettempdir()) if temp_root is None else temp_root
    removed: list[Path] = []
    try:
        candidates = list(root.glob(f"{PREFIX}*"))
    except OSError:
        return removed
    for folder in candidates:
        pid_text = folder.name[len(PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or not folder.is_dir() or folder.is_symlink():
            continue
        pid = int(pid_text)
        if pid == os.getpid() or _made_by_running_process(pid, folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    if removed:
        log.warning("deleted %d session folder(s) left by a kiosk that stopped without wiping", len(removed))
    return removed
