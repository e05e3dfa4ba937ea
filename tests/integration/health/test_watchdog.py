"""The systemd watchdog: a socket of the test's own plays systemd's notify socket (the datagram protocol
of sd_notify(3), $NOTIFY_SOCKET and $WATCHDOG_USEC as systemd sets them for a unit with WatchdogSec=).
The kiosk says READY=1 once the attract screen is shown, pings WATCHDOG=1 from its event loop, and stops
pinging while the loop is blocked: systemd would notice within WatchdogSec and restart it."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import health
from kiosk.config import Settings
from kiosk.screens.attract import AttractScreen
from tests.harness import drive, make_app

#: WatchdogSec=1s: the kiosk pings every half of it.
WATCHDOG_SECONDS = 1.0


class NotifySocket:
    """What systemd listens on: every datagram, with the monotonic time it arrived."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)
        self.received: list[tuple[float, str]] = []

    def drain(self) -> list[tuple[float, str]]:
        while True:
            try:
                data = self.sock.recv(4096)
            except BlockingIOError:
                return self.received
            self.received.append((time.monotonic(), data.decode()))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NotifySocket]:
    listener = NotifySocket(tmp_path / "notify")
    monkeypatch.setenv("NOTIFY_SOCKET", str(listener.path))
    monkeypatch.setenv("WATCHDOG_USEC", str(int(WATCHDOG_SECONDS * 1_000_000)))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield listener
    listener.close()


def _pings(messages: list[tuple[float, str]]) -> list[float]:
    return [at for at, text in messages if "WATCHDOG=1" in text.split("\n")]


async def test_ready_then_pings_and_a_blocked_loop_stops_them(
    settings: Settings, notify_socket: NotifySocket
) -> None:
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(100, 30)) as kiosk:
        deadline = time.monotonic() + 10
        while not any("READY=1" in text for _, text in notify_socket.drain()):
            assert time.monotonic() < deadline, "no READY=1"
            await asyncio.sleep(0.02)
        # READY came once the attract screen was there to be seen.
        assert isinstance(kiosk.screen, AttractScreen)
        await asyncio.sleep(2.2)
        messages = notify_socket.drain()
        ready_at = next(at for at, text in messages if "READY=1" in text)
        pings = [at for at in _pings(messages) if at > ready_at]
        assert len(pings) >= 3, messages
        assert max(b - a for a, b in zip(pings, pings[1:], strict=False)) < WATCHDOG_SECONDS

        # The event loop blocked on purpose (a handler that never yields), for three WatchdogSec.
        blocked_from = time.monotonic()
        time.sleep(3 * WATCHDOG_SECONDS)
        blocked_to = time.monotonic()
        await asyncio.sleep(0.05)
        during = [at for at in _pings(notify_socket.drain()) if blocked_from + 0.01 < at < blocked_to]
        assert during == []
        # What systemd sees: no ping for longer than WatchdogSec, so it kills the kiosk and starts it again.
        last_before = max(at for at in _pings(notify_socket.received) if at <= blocked_from + 0.01)
        assert blocked_to - last_before > WATCHDOG_SECONDS

        # Once the loop runs again, so do the pings.
        await asyncio.sleep(1.5)
        assert [at for at in _pings(notify_socket.drain()) if at > blocked_to]
    assert any(text == "STOPPING=1" for _, text in notify_socket.drain())


async def test_nothing_is_sent_without_systemd(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    assert health.watchdog_interval() is None
    assert health.notify("READY=1") is False


def test_abstract_socket_and_another_pid(tmp_path: Path) -> None:
    """`@name` is an abstract socket; WATCHDOG_PID of another process means the watchdog is not ours."""
    name = f"ovac-test-notify-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        assert health.notify("READY=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(100) == b"READY=1"
    env = {"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "4000000"}
    assert health.watchdog_interval(env) == 2.0
    assert health.watchdog_interval({**env, "WATCHDOG_PID": "1"}) is None
