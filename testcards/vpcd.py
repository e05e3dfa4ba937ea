"""A virtual card in pcscd's virtual reader (vsmartcard's vpcd): insert = connect, remove = disconnect.

The vpcd protocol (RECIPES.md): every message is a 2-byte big-endian length and a payload. A 1-byte
payload from the reader is a control: 0 power off, 1 power on, 2 reset, 4 "send your ATR"; anything
longer is a command APDU, answered with a response APDU. Our card answers SELECT with 90 00 and every
other command with 6D 00: the test cards' keys live in SoftHSM2, the virtual card only carries the ATR
and the insert/remove events through the real PC/SC stack.

If pcscd goes away while the card is inserted the card keeps knocking, like a card left in a reader,
and is seen again when pcscd comes back.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
#: vpcd's readers `Virtual PCD 00 00` and `Virtual PCD 00 01` listen here (/etc/reader.conf.d/vpcd).
VPCD_PORTS = (35963, 35964)
VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")

_POWER_OFF, _POWER_ON, _RESET, _GET_ATR = 0, 1, 2, 4


class VirtualCard:
    """One virtual card inserted in one vpcd reader until `remove()`."""

    def __init__(self, atr: bytes, port: int = VPCD_PORTS[0], host: str = VPCD_HOST) -> None:
        self.atr = atr
        self.port = port
        self.host = host
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self, timeout: float = 5.0) -> None:
        """Connect to the reader (keep trying while pcscd is not there). Waits up to `timeout` for it."""
        self._thread = threading.Thread(target=self._run, name=f"vpcd-card-{self.port}", daemon=True)
        self._thread.start()
        if not self.connected.wait(timeout):
            log.warning("vpcd reader on port %d not reachable yet; the card keeps trying", self.port)

    def remove(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.connected.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=0.15)
            except OSError:
                self._stop.wait(0.1)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self.connected.set()
            try:
                self._serve(sock)
            except OSError:
                pass
            finally:
                self.connected.clear()
                self._sock = None
                with contextlib.suppress(OSError):
                    sock.close()

    def _serve(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            header = _recv_exact(sock, 2)
            if header is None:
                return
            (length,) = struct.unpack(">H", header)
            payload = _recv_exact(sock, length)
            if payload is None:
                return
            if length == 1:
                if payload[0] == _GET_ATR:
                    _send(sock, self.atr)
                # power on / off / reset need no answer
                continue
            _send(sock, self.respond(payload))

    def respond(self, apdu: bytes) -> bytes:
        if len(apdu) >= 2 and apdu[1] == 0xA4:  # SELECT
            return b"\x90\x00"
        return b"\x6d\x00"  # instruction not supported


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)
