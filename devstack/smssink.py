"""A small HTTP SMS gateway on loopback that sends nothing: every SMS it accepts is kept as a .json file
named by its client reference, the outbox's gateway in tests and in `make demo`
(`.stack/demo/outbox/sms/`). It takes the request shape of `municipal/outbox/config.py` with its default
field names, as JSON or as a form.

    with running(folder) as sink:
        sink.url, sink.messages(), sink.receptions
        sink.fail_next(2)            # the next two requests get 503 (a gateway having a bad minute)
        sink.refuse_next(1)          # the next one gets 400 (a number it will never deliver to)

A reference seen before is answered 200 and not kept twice: the gateway's duplicate check.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from contextlib import AbstractContextManager as ContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from devstack import sink as loopback


class SmsSink:
    def __init__(self, folder: Path, port: int = 0):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.receptions: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._fail = 0
        self._refuse = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size).decode("utf-8", errors="replace")
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                status, answer = sink.accept(body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/sms"

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._fail = count

    def refuse_next(self, count: int) -> None:
        with self._lock:
            self._refuse = count

    def accept(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self._fail:
                self._fail -= 1
                return 503, {"error": "temporarily unavailable"}
            if self._refuse:
                self._refuse -= 1
                return 400, {"error": "refused"}
            reference = str(body.get("reference") or "")
            if not reference or not body.get("to") or "text" not in body:
                return 400, {"error": "to, text and reference are required"}
            self.receptions[reference] += 1
            target = self.folder / (re.sub(r"[^A-Za-z0-9._-]", "_", reference) + ".json")
            if target.exists():
                return 200, {"id": reference, "duplicate": True}
            target.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            return 201, {"id": reference}

    def messages(self) -> list[dict[str, Any]]:
        files = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        return [json.loads(p.read_text(encoding="utf-8")) for p in files]

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, name="sms-sink", daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def running(folder: Path, port: int = 0) -> ContextManager[SmsSink]:
    return loopback.running(SmsSink(folder, port))


def main(argv: list[str] | None = None) -> int:
    return loopback.foreground(
        SmsSink, 8026, lambda gateway: f"SMS sink on {gateway.url}, messages in {gateway.folder}", argv
    )


if __name__ == "__main__":
    raise SystemExit(main())
