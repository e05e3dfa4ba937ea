"""Drive the test cards from Python (staff menu, tests) or the shell (`kiosk testcard ...`).

Talks to the test-card daemon started by `devstack.pcsc.running()`. Which daemon: the folder in
`$OVAC_TESTCARDS_DIR` (set for the process that started the stack and its children), else the one
announced in `/run/ovac-kiosk/testcards.current` by `make demo`, so a trainer's second shell finds it.
"""

from __future__ import annotations

import builtins
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eid.errors import EidError
from testcards.daemon import read_line
from testcards.tokens import CONTROL_SOCKET, find_root


class TestCardsNotRunning(EidError):
    """No test-card daemon answers: start the demo stack first (`make demo`)."""

    __test__ = False


class TestCardError(EidError):
    """The daemon refused the request (unknown card, bad reader)."""

    __test__ = False


@dataclass(frozen=True)
class TestCardInfo:
    name: str
    kind: str
    description: str
    inserted_in: str | None


class TestCardControl:
    __test__ = False

    def __init__(self, root: Path | None = None) -> None:
        found = root or find_root()
        if found is None:
            raise TestCardsNotRunning("the test cards are not running (start them with `make demo`)")
        self.root = found

    def _call(self, request: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(str(self.root / CONTROL_SOCKET))
                sock.sendall(json.dumps(request).encode() + b"\n")
                data = read_line(sock)
        except OSError as exc:
            raise TestCardsNotRunning(
                f"the test-card daemon does not answer ({exc.strerror or exc})"
            ) from None
        answer: dict[str, Any] = json.loads(data)
        if not answer.get("ok"):
            raise TestCardError(str(answer.get("error", "refused")))
        return answer

    def ping(self) -> bool:
        try:
            self._call({"cmd": "ping"}, timeout=2.0)
        except EidError:
            return False
        return True

    def list(self) -> list[TestCardInfo]:
        answer = self._call({"cmd": "list"})
        where = {card: reader for reader, card in answer["inserted"].items()}
        return [
            TestCardInfo(c["name"], c["kind"], c.get("description", ""), where.get(c["name"]))
            for c in answer["cards"]
        ]

    def inserted(self) -> dict[str, str]:
        """reader name → test card name, for the cards inserted now."""
        result: dict[str, str] = self._call({"cmd": "list"})["inserted"]
        return result

    def insert(self, name: str, reader: int = 0) -> str:
        """Insert test card `name` into vpcd reader `reader` (0 or 1); returns the reader's PC/SC name."""
        reader_name: str = self._call({"cmd": "insert", "card": name, "reader": reader})["reader"]
        return reader_name

    def remove(self, reader: int | None = None) -> builtins.list[str]:
        """Remove the card from `reader`, or every test card."""
        removed: builtins.list[str] = self._call({"cmd": "remove", "reader": reader})["removed"]
        return removed


# The staff menu's API: module-level functions on the announced/env test cards.
def insert(name: str, reader: int = 0) -> str:
    return TestCardControl().insert(name, reader)


def remove(reader: int | None = None) -> list[str]:
    return TestCardControl().remove(reader)


def list_cards() -> list[TestCardInfo]:
    return TestCardControl().list()
