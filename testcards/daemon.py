"""The test-card daemon: holds the virtual cards' vpcd connections so that an insert outlives the command.

`python -m testcards.daemon ROOT` serves a unix socket `ROOT/control.sock` (mode 0600): one JSON
request per connection, one JSON answer. Requests: `{"cmd": "list"}`, `{"cmd": "insert", "card": NAME,
"reader": 0}`, `{"cmd": "remove", "reader": 0 | null}`, `{"cmd": "ping"}`. Before a card connects, the
reader → card mapping is written to `ROOT/inserted.json` (the test token layer reads it); after it
disconnects, the mapping is dropped. devstack.pcsc starts and stops the daemon.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from eid.atr import parse_atr
from testcards.tokens import CONTROL_SOCKET, INSERTED_FILE
from testcards.vpcd import VPCD_PORTS, VPCD_READERS, VirtualCard

log = logging.getLogger(__name__)
#: Seconds between a card leaving a virtual reader and the next one going in (pcscd polls vpcd).
SWAP_PAUSE = 0.6


class Daemon:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest: dict[str, dict[str, str]] = json.loads((root / "cards.json").read_text())
        self.inserted: dict[int, tuple[str, VirtualCard]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._removed_at: dict[int, float] = {}

    def _write_inserted(self) -> None:
        mapping = {VPCD_READERS[i]: name for i, (name, _) in self.inserted.items()}
        tmp = self.root / (INSERTED_FILE + ".tmp")
        tmp.write_text(json.dumps(mapping))
        tmp.replace(self.root / INSERTED_FILE)

    def insert(self, card: str, reader: int = 0) -> dict[str, Any]:
        if card not in self.manifest:
            # A test may have added a card of its own since the daemon started (`testcards.extra`).
            self.manifest = json.loads((self.root / "cards.json").read_text())
        if card not in self.manifest:
            return {"ok": False, "error": f"unknown test card {card!r}", "cards": sorted(self.manifest)}
        if not 0 <= reader < len(VPCD_PORTS):
            return {"ok": False, "error": f"reader must be 0..{len(VPCD_PORTS) - 1}"}
        self.remove(reader)
        # A hand cannot swap cards faster than pcscd polls the reader; without a pause pcscd would not
        # see the first card leave, nor read the second one's ATR.
        since = time.monotonic() - self._removed_at.get(reader, 0.0)
        if since < SWAP_PAUSE:
            time.sleep(SWAP_PAUSE - since)
        virtual = VirtualCard(parse_atr(self.manifest[card]["atr"]), port=VPCD_PORTS[reader])
        self.inserted[reader] = (card, virtual)
        self._write_inserted()  # first the mapping, then the event the kiosk reacts to
        virtual.insert(timeout=5.0)
        return {"ok": True, "reader": VPCD_READERS[reader], "connected": virtual.connected.is_set()}

    def remove(self, reader: int | None = None) -> dict[str, Any]:
        readers = list(self.inserted) if reader is None else [reader]
        removed = []
        for index in readers:
            entry = self.inserted.pop(index, None)
            if entry is not None:
                entry[1].remove()
                self._removed_at[index] = time.monotonic()
                removed.append(VPCD_READERS[index])
        self._write_inserted()
        return {"ok": True, "removed": removed}

    def list(self) -> dict[str, Any]:
        self.manifest = json.loads((self.root / "cards.json").read_text())  # cards come and go in tests
        cards = [
            {"name": n, **{k: v for k, v in e.items() if k != "auth_serial"}}
            for n, e in self.manifest.items()
        ]
        inserted = {VPCD_READERS[i]: name for i, (name, _) in self.inserted.items()}
        return {"ok": True, "cards": cards, "inserted": inserted, "readers": list(VPCD_READERS)}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            cmd = request.get("cmd")
            if cmd == "ping":
                return {"ok": True, "pid": os.getpid()}
            if cmd == "list":
                return self.list()
            if cmd == "insert":
                return self.insert(str(request.get("card")), int(request.get("reader", 0)))
            if cmd == "remove":
                reader = request.get("reader")
                return self.remove(None if reader is None else int(reader))
            return {"ok": False, "error": f"unknown command {cmd!r}"}

    def serve(self) -> None:
        path = self.root / CONTROL_SOCKET
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            server.bind(str(path))
        finally:
            os.umask(old_umask)
        server.listen(8)
        server.settimeout(0.2)
        self._write_inserted()
        try:
            while not self._stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                with conn:
                    conn.settimeout(10)
                    try:
                        request = json.loads(read_line(conn))
                        answer = self.handle(request)
                    except (ValueError, OSError) as exc:
                        answer = {"ok": False, "error": str(exc)}
                    with contextlib.suppress(OSError):
                        conn.sendall(json.dumps(answer).encode() + b"\n")
        finally:
            self.remove(None)
            server.close()
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def stop(self, *_: object) -> None:
        self._stop.set()


def read_line(conn: socket.socket) -> bytes:
    """One request or answer of the control socket: the bytes up to a newline (or the peer's close)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="testcard-daemon: %(levelname)s %(message)s")
    daemon = Daemon(Path(argv[0]))
    signal.signal(signal.SIGTERM, daemon.stop)
    signal.signal(signal.SIGINT, daemon.stop)
    daemon.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
