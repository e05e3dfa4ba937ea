"""A TCP proxy between a kiosk and the backend for the hand-off tests: it notes when each poll of a
hand-off reaches the backend, can lose the one reply that carries the hand-off's session (the backend
has handed it out, the kiosk never gets it, as when the network fails at the worst moment), and can
rewrite a reply's bytes (same length, so that Content-Length still holds)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from urllib.parse import urlsplit

from devstack.backend import BackendInfo

#: What rewrites a reply: (the request line it answers, a chunk of the reply) -> the chunk to pass on.
Rewrite = Callable[[bytes, bytes], bytes]
#: A chunk from the kiosk that starts with one of these begins a request (the kiosk's requests are small).
METHODS = frozenset({b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"HEAD"})


def is_poll(request_line: bytes) -> bool:
    return request_line.startswith(b"POST /v1/auth/handoffs/") and b"/token " in request_line


class Wire:
    """The kiosk's way to `server` (give it to `kiosk_app` in the server's place)."""

    def __init__(self, server: BackendInfo) -> None:
        parts = urlsplit(server.url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.kiosk_id, self.kiosk_key = server.kiosk_id, server.kiosk_key
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        #: `time.monotonic()` of every poll the kiosk sent, as it went on to the backend.
        self.polls: list[float] = []
        self.rewrite: Rewrite | None = None
        self.lost = threading.Event()
        self._lose: Callable[[], None] | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="handoff-wire").start()

    def lose_session(self, then: Callable[[], None] = lambda: None) -> None:
        """Lose the next reply that hands out a session (a poll answered 200); `then` runs once the
        backend has answered and before the kiosk learns that the answer was lost."""
        self._lose = then

    def close(self) -> None:
        self._listener.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self._upstream)
            except OSError:
                client.close()
                continue
            # The request line this connection carried last (the kiosk waits for each answer).
            last = [b""]
            threading.Thread(target=self._requests, args=(client, server, last), daemon=True).start()
            threading.Thread(target=self._replies, args=(server, client, last), daemon=True).start()

    def _requests(self, client: socket.socket, server: socket.socket, last: list[bytes]) -> None:
        try:
            while data := client.recv(65536):
                if data.split(b" ", 1)[0] in METHODS:
                    last[0] = data.split(b"\r\n", 1)[0]
                    if is_poll(last[0]):
                        with self._lock:
                            self.polls.append(time.monotonic())
                server.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, server)

    def _replies(self, server: socket.socket, client: socket.socket, last: list[bytes]) -> None:
        try:
            while data := server.recv(65536):
                if self._lose is not None and is_poll(last[0]) and data.startswith(b"HTTP/1.1 200"):
                    then, self._lose = self._lose, None
                    then()
                    self.lost.set()
                    break
                if self.rewrite is not None:
                    data = self.rewrite(last[0], data)
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(server, client)


def _close(*sockets: socket.socket) -> None:
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
