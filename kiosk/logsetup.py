"""Logging for the kiosk: the systemd journal under the unit, an optional rotating file, never the screen.

Textual's Linux driver draws the kiosk's screen on `sys.__stderr__`: a log line written there would be
drawn over what the citizen sees. So stderr gets log lines only when it is not a terminal (a pipe, a
file). Under a systemd unit the kiosk's stderr is a terminal too (cage + foot on tty1), and the lines go
to the journal through its native socket instead (`JournalHandler`): the datagram protocol of
systemd.journal-fields(7), a few lines, so that no C extension has to be built for it. "Under a unit" is
what systemd tells every service it starts: `$INVOCATION_ID` (set for each start of a unit) or
`$JOURNAL_STREAM` (set when its output goes to the journal), and the journal's socket must exist.

No citizen data is ever logged on purpose; as a second line of defence `RedactIdNumbers` masks anything
shaped like a DNI/NIE number, and the digits after the word PIN, in every record (tracebacks included),
so a mistake in a message cannot leak an ID number or a PIN.
"""

from __future__ import annotations

import array
import errno
import fcntl
import logging
import logging.handlers
import os
import re
import socket
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

_ID_NUMBER = re.compile(r"\b(?:\d{8}|[XYZxyz]\d{7})[A-Za-z]\b")
#: "PIN 1234", "pin=123456", "PIN: 12345678": the digits go, the word stays.
_PIN = re.compile(r"(?i)(\bpin\b\W{0,3})\d{4,12}\b")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The journal's native socket (systemd-journald.socket); a unit with LogNamespace= sees its namespace's
#: socket at this same path.
JOURNAL_SOCKET = Path("/run/systemd/journal/socket")
#: What journalctl shows as the program's name (`journalctl -t ovac-kiosk`).
IDENTIFIER = "ovac-kiosk"
#: Journal fields of this length or longer cannot be sent in one datagram: they go in a sealed memfd.
_DATAGRAM_LIMIT = 200_000


def redact(text: str) -> str:
    """`text` with DNI/NIE-shaped numbers and PIN digits masked."""
    return _PIN.sub(r"\1[pin]", _ID_NUMBER.sub("[id]", text))


class RedactIdNumbers(logging.Filter):
    """Masks ID numbers and PINs in the message and in the traceback text of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def under_service_manager(environ: Mapping[str, str] | None = None) -> bool:
    """Whether systemd started this process (or its parent: cage and foot pass their environment on)."""
    env = os.environ if environ is None else environ
    return bool(env.get("INVOCATION_ID") or env.get("JOURNAL_STREAM"))


# syslog priorities (journal PRIORITY=) by logging level
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def _field(name: str, value: str) -> bytes:
    data = value.encode("utf-8", "replace")
    if b"\n" in data:
        # The binary form: name, newline, little-endian 64-bit length, the value, newline.
        return name.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n"
    return name.encode() + b"=" + data + b"\n"


class JournalHandler(logging.Handler):
    """Sends each record to journald as one native-protocol datagram (MESSAGE, PRIORITY, the logger and
    the code location as fields). Never writes to stderr, not even when the journal is gone: a failed
    send is counted in `dropped` and the record is lost."""

    def __init__(self, socket_path: Path = JOURNAL_SOCKET, identifier: str = IDENTIFIER) -> None:
        super().__init__()
        self.socket_path = str(socket_path)
        self.identifier = identifier
        self.dropped = 0
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._send_lock = threading.Lock()

    def payload(self, record: logging.LogRecord) -> bytes:
        message = redact(self.format(record))
        level = max((lv for lv in _PRIORITY if lv <= record.levelno), default=logging.DEBUG)
        fields = [
            ("MESSAGE", message),
            ("PRIORITY", str(_PRIORITY[level])),
            ("SYSLOG_IDENTIFIER", self.identifier),
            ("LOGGER", record.name),
            ("CODE_FILE", record.pathname),
            ("CODE_LINE", str(record.lineno)),
            ("CODE_FUNC", record.funcName),
            ("THREAD_NAME", record.threadName or ""),
        ]
        return b"".join(_field(name, value) for name, value in fields)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = self.payload(record)
            with self._send_lock:
                if len(data) < _DATAGRAM_LIMIT:
                    try:
                        self._socket.sendto(data, self.socket_path)
                        return
                    except OSError as exc:
                        if exc.errno not in (errno.EMSGSIZE, errno.ENOBUFS):
                            raise
                self._send_memfd(data)
        except Exception:
            self.dropped += 1

    def _send_memfd(self, data: bytes) -> None:
        """A record too large for a datagram: journald reads it from a sealed memfd passed with it."""
        fd = os.memfd_create("journal-entry", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.write(fd, data)
            seals = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
            rights = array.array("i", [fd]).tobytes()
            self._socket.sendmsg([], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)], 0, self.socket_path)
        finally:
            os.close(fd)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        # logging's default prints a traceback on stderr: the citizen's screen.
        self.dropped += 1

    def close(self) -> None:
        self._socket.close()
        super().close()


def setup(
    level: str = "INFO",
    file: Path | None = None,
    *,
    stderr: bool = True,
    journal: bool | None = None,
    journal_socket: Path = JOURNAL_SOCKET,
    environ: Mapping[str, str] | None = None,
) -> list[logging.Handler]:
    """Log to the journal when running under systemd (`journal=None`: `under_service_manager()` and the
    socket exists), to `file` (rotating) if given, and to stderr only when the journal is not used and
    stderr is not a terminal (where log lines would be drawn over the screen); with none of these, a
    NullHandler, so that logging's last resort never writes on the terminal. Returns the handlers."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_ovac", False):
            root.removeHandler(handler)
            handler.close()
    if journal is None:
        journal = under_service_manager(environ) and journal_socket.is_socket()
    handlers: list[logging.Handler] = []
    if journal:
        journal_handler = JournalHandler(journal_socket)
        # journald stamps the time and shows the priority: the message is the logger and the text.
        journal_handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        handlers.append(journal_handler)
    elif stderr and not sys.stderr.isatty():
        handlers.append(logging.StreamHandler())
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(file, maxBytes=1 << 20, backupCount=5))
    if not handlers:
        # Somewhere to go, even nowhere: with no handler at all, logging's last resort writes warnings to
        # stderr, the citizen's screen.
        handlers.append(logging.NullHandler())
    for handler in handlers:
        if handler.formatter is None:
            handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactIdNumbers())
        handler._ovac = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return handlers
