"""Logging for the kiosk: stderr (journald picks it up) and an optional rotating file.

No citizen data is ever logged on purpose; as a second line of defence a filter masks anything shaped
like a DNI/NIE number in every record, so a mistake in a message cannot leak an ID number.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

_ID_NUMBER = re.compile(r"\b(?:\d{8}|[XYZxyz]\d{7})[A-Za-z]\b")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactIdNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _ID_NUMBER.search(message):
            record.msg = _ID_NUMBER.sub("[id]", message)
            record.args = None
        return True


def setup(level: str = "INFO", file: Path | None = None, *, stderr: bool = True) -> None:
    """Log to `file` (rotating) and to stderr; stderr only when it is not the kiosk's own terminal,
    where log lines would be drawn over the screen (a systemd unit sends stderr to the journal)."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_ovac", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = []
    if stderr and not sys.stderr.isatty():
        handlers.append(logging.StreamHandler())
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(file, maxBytes=1 << 20, backupCount=5))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactIdNumbers())
        handler._ovac = True  # type: ignore[attr-defined]
        root.addHandler(handler)
