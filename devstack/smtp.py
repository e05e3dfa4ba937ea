"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts as a .eml file, named by
its Message-ID: the outbox's mail server in tests and in `make demo` (`.stack/demo/outbox/email/`).

    with running(folder) as smtp:
        smtp.host, smtp.port, smtp.messages(), smtp.receptions
        smtp.stop(); smtp.start()        # the server down and up again, on the same port

A second delivery of the same Message-ID (a message sent again after its dispatcher died) is counted in
`receptions` but not stored twice. `tls=(cert, key)` offers STARTTLS with that certificate.
`python -m devstack.smtp --folder F --port N` runs one in the foreground.
"""

from __future__ import annotations

import re
import ssl
import threading
import time
from collections import Counter
from contextlib import AbstractContextManager as ContextManager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from devstack import sink as loopback
from devstack.ports import free_port


def file_name(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]", "_", message_id.strip("<> ")) + ".eml"


class Keeper:
    """The aiosmtpd handler: each message accepted is written to the folder (once per Message-ID)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.receptions: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message_id = str(message_from_bytes(raw, policy=policy.default).get("Message-ID") or "")
        name = file_name(message_id or f"no-id-{time.time_ns()}")
        with self._lock:
            self.receptions[message_id] += 1
            target = self.folder / name
            if not target.exists():
                partial = self.folder / f".{name}.partial"
                partial.write_bytes(raw)
                partial.replace(target)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, folder: Path, port: int = 0, tls: tuple[Path, Path] | None = None):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.keeper = Keeper(folder)
        self.tls = tls
        self._controller: Controller | None = None

    @property
    def receptions(self) -> Counter[str]:
        return self.keeper.receptions

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            kwargs = {"tls_context": context, "require_starttls": True}
        self._controller = Controller(self.keeper, hostname=self.host, port=self.port, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        """Every message kept, oldest first."""
        files = sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        out = []
        for path in files:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            out.append(message)
        return out


def running(folder: Path, port: int = 0, tls: tuple[Path, Path] | None = None) -> ContextManager[SmtpServer]:
    return loopback.running(SmtpServer(folder, port, tls))


def main(argv: list[str] | None = None) -> int:
    return loopback.foreground(
        SmtpServer,
        8025,
        lambda server: f"SMTP on {server.host}:{server.port}, messages in {server.folder}",
        argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
