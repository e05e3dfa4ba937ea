"""devstack.pcsc's machine-wide state: the test-card daemon never outlives its stack, a record left by a
killed run stops only the process it names, and a pid given again to another process counts as gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from devstack import pcsc

ROOT = Path(__file__).resolve().parents[3]


def _card_root(tmp_path: Path) -> Path:
    root = tmp_path / "cards"
    root.mkdir()
    (root / "cards.json").write_text("{}")  # no card: these daemons never touch the readers
    return root


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pcsc.started_at(pid) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_test_card_daemon_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    # A stack killed outright (SIGKILL, no clean-up) left its daemon running, and with it the cards it
    # held in the machine-wide readers: the next run's tests saw a card they never inserted.
    stack = subprocess.run(
        [sys.executable, "-c",
         "import os, sys\n"
         "from pathlib import Path\n"
         "from devstack import pcsc\n"
         "daemon = pcsc._start_daemon(Path(sys.argv[1]), {})\n"
         "print(daemon.pid, flush=True)\n"
         "os.kill(os.getpid(), 9)\n",
         str(_card_root(tmp_path))],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert stack.returncode == -9, stack.stderr
    daemon = int(stack.stdout.split()[0])
    try:
        assert _gone(daemon, 5), "the test-card daemon outlived its stack"
    finally:
        if pcsc.started_at(daemon) is not None:
            os.kill(daemon, 9)


def test_an_orphaned_daemon_is_stopped(tmp_path: Path) -> None:
    record = tmp_path / "daemon.json"
    daemon = pcsc._start_daemon(_card_root(tmp_path), {})
    try:
        pcsc._record_daemon(daemon, record)
        assert pcsc.stop_orphaned_daemon(record) == daemon.pid
        assert daemon.wait(5) == 0  # SIGTERM: it took its cards out and exited
        assert not record.exists()
        assert pcsc.stop_orphaned_daemon(record) is None  # nothing recorded any more
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def test_a_record_whose_pid_now_belongs_to_another_process_spares_it(tmp_path: Path) -> None:
    record = tmp_path / "daemon.json"
    other = subprocess.Popen(["sleep", "30"])
    try:
        started = pcsc.started_at(other.pid)
        assert started is not None
        record.write_text(json.dumps({"pid": other.pid, "started": started - 1}))
        assert pcsc.stop_orphaned_daemon(record) is None
        assert other.poll() is None and not record.exists()
    finally:
        other.kill()
        other.wait()


def test_start_times_tell_a_reused_pid_from_the_process_recorded() -> None:
    me = os.getpid()
    started = pcsc.started_at(me)
    assert started is not None
    assert pcsc._same_process(me, started)
    assert not pcsc._same_process(me, started + 1)
    assert pcsc._same_process(me, None)  # a users file from before start times: the pid alone
