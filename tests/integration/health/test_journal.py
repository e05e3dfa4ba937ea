"""Logging under a unit-like environment, into a real systemd-journald.

No systemd runs here as PID 1, but Debian's systemd-journald runs on its own as a journal namespace
(`systemd-journald NAME`: sockets in /run/systemd/journal.NAME, read with `journalctl --namespace=NAME`).
The kiosk's process is started as systemd starts a unit with `LogNamespace=`: in a mount namespace of its
own where that namespace's socket folder is /run/systemd/journal, with $INVOCATION_ID set and its stderr
a terminal (a pty the test reads, as foot's is under the kiosk unit). The lines must arrive in the
journal, masked, and nothing may reach the terminal."""

from __future__ import annotations

import json
import os
import pty
import secrets
import select
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

JOURNALD = Path("/lib/systemd/systemd-journald")
ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(
    not JOURNALD.exists() or shutil.which("unshare") is None or os.geteuid() != 0,
    reason="needs root, systemd-journald and unshare",
)

#: What the kiosk process logs: a DNI and a PIN in a message, a DNI in an exception, one huge record.
PROGRAM = textwrap.dedent(
    """
    import logging, sys
    from kiosk import logsetup
    handlers = logsetup.setup("INFO")
    print("HANDLERS", [type(h).__name__ for h in handlers], file=sys.stdout, flush=True)
    log = logging.getLogger("kiosk.test")
    log.info("journal check %s: citizen 12345678Z typed PIN 4321", sys.argv[1])
    try:
        raise KeyError("X1234567L")
    except KeyError:
        log.exception("journal check %s: lookup failed", sys.argv[1])
    log.warning("journal check %s: big %s", sys.argv[1], "x" * 300_000)
    """
)


@pytest.fixture
def journal() -> Iterator[str]:
    name = f"ovactest{secrets.token_hex(4)}"
    process = subprocess.Popen(
        [str(JOURNALD), name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    socket_dir = Path(f"/run/systemd/journal.{name}")
    try:
        deadline = time.monotonic() + 10
        while not (socket_dir / "socket").is_socket():
            assert process.poll() is None, "systemd-journald exited"
            assert time.monotonic() < deadline, "systemd-journald did not open its socket"
            time.sleep(0.05)
        yield name
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(socket_dir, ignore_errors=True)
        machine = Path("/etc/machine-id").read_text().strip()
        for base in (Path("/var/log/journal"), Path("/run/log/journal")):
            shutil.rmtree(base / f"{machine}.{name}", ignore_errors=True)


def _run_as_unit(name: str, marker: str, env: dict[str, str], tmp_path: Path) -> tuple[str, str]:
    """Run PROGRAM as a unit with LogNamespace=`name` would be: (what its terminal showed, its stdout)."""
    hidden = Path(f"/tmp/{name}-socket")
    # A file, not `-c`: journald records the command line (_CMDLINE) with every entry.
    program = tmp_path / "kiosk_logging.py"
    program.write_text(PROGRAM)
    script = (
        f"mkdir -p {hidden} && mount --bind /run/systemd/journal.{name} {hidden}"
        f" && mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/journal"
        f" && mount --bind {hidden} /run/systemd/journal"
        f' && exec "$@"'
    )
    controller, terminal = pty.openpty()
    shown = b""
    try:
        process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
            + [sys.executable, str(program), marker],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=terminal,
            cwd=ROOT,
            env=env,
        )
        os.close(terminal)
        terminal = -1
        deadline = time.monotonic() + 60
        # Read the terminal while it runs: a pty nobody reads would block a process writing on it.
        while time.monotonic() < deadline:
            if select.select([controller], [], [], 0.1)[0]:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the other side closed
                    chunk = b""
                shown += chunk
                if not chunk and process.poll() is not None:
                    break
            elif process.poll() is not None:
                break
        stdout, _ = process.communicate(timeout=10)
        assert process.returncode == 0, stdout
    finally:
        if terminal >= 0:
            os.close(terminal)
        os.close(controller)
        if hidden.exists():
            hidden.rmdir()
    return shown.decode(errors="replace"), stdout.decode()


def _entries(name: str, marker: str) -> list[dict[str, str]]:
    out = subprocess.run(
        ["journalctl", f"--namespace={name}", "-o", "json", "--all", "--no-pager", "-t", "ovac-kiosk"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    entries = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [e for e in entries if marker in str(e.get("MESSAGE", ""))]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("INVOCATION_ID", "JOURNAL_STREAM")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def test_under_the_unit_lines_go_to_the_journal_masked_and_never_to_the_terminal(
    journal: str, tmp_path: Path
) -> None:
    marker = secrets.token_hex(6)
    shown, stdout = _run_as_unit(journal, marker, _env(INVOCATION_ID=secrets.token_hex(16)), tmp_path)
    assert "HANDLERS ['JournalHandler']" in stdout
    assert shown == ""  # the terminal the kiosk draws on got nothing
    deadline = time.monotonic() + 10
    while len(entries := _entries(journal, marker)) < 3:
        assert time.monotonic() < deadline, entries
        time.sleep(0.1)
    text = json.dumps(entries)
    assert "12345678Z" not in text and "X1234567L" not in text and "4321" not in text
    info, failure, big = entries
    assert info["MESSAGE"] == f"kiosk.test: journal check {marker}: citizen [id] typed PIN [pin]"
    assert info["PRIORITY"] == "6" and info["LOGGER"] == "kiosk.test"
    assert failure["PRIORITY"] == "3" and "KeyError: '[id]'" in failure["MESSAGE"]
    assert "Traceback" in failure["MESSAGE"]
    # A record larger than a datagram came through the memfd.
    assert big["PRIORITY"] == "4" and len(big["MESSAGE"]) > 300_000


def test_outside_a_unit_nothing_goes_to_the_journal_nor_the_terminal(journal: str, tmp_path: Path) -> None:
    marker = secrets.token_hex(6)
    shown, stdout = _run_as_unit(journal, marker, _env(), tmp_path)
    assert "HANDLERS ['NullHandler']" in stdout
    assert shown == ""
    time.sleep(0.5)
    assert _entries(journal, marker) == []
