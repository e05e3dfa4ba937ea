"""A TCP proxy in front of the backend that can lose one reply: the request reaches the backend and is
processed, but the kiosk never gets the answer (as when the network fails at the worst moment)."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit


class LossyProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.drop_next_reply = threading.Event()
        self.dropped = 0
        self._down = False
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True, name="lossy-proxy").start()

    def set_down(self, down: bool) -> None:
        """Down: every open connection is cut and new ones are refused (the backend is unreachable)."""
        with self._lock:
            self._down = down
            if down:
                for s in self._open:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
                self._open.clear()

    def cut_idle_connections(self) -> None:
        """Cut the connections open now (the kiosk keeps one alive between requests), so that the next
        request opens a fresh one: an idle connection the backend is about to close (uvicorn does after
        5 s) would otherwise fail the request a test is about, before it reached the backend."""
        self.set_down(True)
        self.set_down(False)

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._down:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, is_reply: bool) -> None:
        try:
            while data := source.recv(65536):
                if is_reply and self.drop_next_reply.is_set():
                    # The backend has answered, so it has done the work: lose the answer.
                    self.drop_next_reply.clear()
                    self.dropped += 1
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
