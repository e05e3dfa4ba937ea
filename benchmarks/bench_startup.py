"""Start-up: process start to the attract screen drawn, against a bare Textual app drawing one Static.

Each run spawns `python -m kiosk --config <training config>` (what the `kiosk` console script runs:
`kiosk.cli.main`; `-m` because it imports the tree this file is in, where the console script imports the
installed package, which an editable install takes from the main checkout even in a worktree) on a
pseudo-terminal of 120x40, as a kiosk runs on its console, with its card watcher, its PKCS#11 module and
everything `kiosk` does before the first frame. The reference is the same interpreter spawned the same
way running a bare Textual `App` whose only widget is one `Static`, in the same run, the two alternated
so that the machine's load falls on both alike.

"Drawn" is read where a person would see it, on the terminal: the clock stops when the bytes the
process wrote to the terminal hold the attract screen's first and last lines of text ("Ajuntament de
Mataró" and the last language button, "English"; Textual writes a frame top to bottom in one write, so
the last line arriving means the frame has). Nothing in the app is hooked, patched or told it is being
measured. Memory is the process's peak resident set (VmHWM in /proc/PID/status) at that moment, and again
SETTLE seconds later (the kiosk builds its login screen ahead a moment after start: an import moved off
the first frame but paid right after it shows there). One warm-up run of each, not counted (it writes
the .pyc files of a fresh checkout), then the median of RUNS each.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from benchmarks import Figure

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("OVAC_BENCH_STARTUP_RUNS", "9"))
COLUMNS, LINES = 120, 40
#: Seconds after the first frame at which the peak resident set is read again.
SETTLE = 1.5
TIMEOUT = 60.0
#: The attract screen's first and last lines of text (the same in every language).
KIOSK_MARKERS = ("Ajuntament de Mataró", "English")
BARE_TEXT = "A bare Textual app"
BARE_APP = f"""
from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static({BARE_TEXT!r})


Bare().run()
"""


@dataclass(frozen=True)
class Start:
    seconds: float
    """From just before the spawn to the frame on the terminal."""
    peak_kib: int
    """Peak resident set when the frame arrived."""
    settled_kib: int
    """Peak resident set SETTLE seconds later."""


def training_config(folder: Path, root: Path = ROOT) -> Path:
    """The config.toml of the tree at `root` (training mode) with its paths in `folder`."""
    data = tomllib.loads((root / "config.toml").read_text(encoding="utf-8"))
    data["kiosk"]["temp_dir"] = str(folder / "sessions")
    data["printer"]["folder"] = str(folder / "printed")
    data["attachments"]["mount_roots"] = [str(folder / "media")]
    data["logging"].pop("file", None)
    # JSON's strings, numbers, booleans and arrays of them are TOML's too.
    lines = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items())
        lines.append("")
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/PID/status")


def _environment() -> dict[str, str]:
    # Nothing of a test run or of a developer's shell that changes what the kiosk does.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OVAC_", "KIOSK_", "TEXTUAL", "PYTHON")) and k not in ("COLUMNS", "LINES")
    }
    env["TERM"] = "xterm-256color"
    return env


def _read(master: int, written: bytearray, until: float, wanted: list[bytes]) -> bool:
    """Read what the process writes to the terminal until `until` (always: a full terminal would block
    it); True as soon as every one of `wanted` (if any) has been written."""
    while (left := until - time.perf_counter()) > 0:
        ready, _, _ = select.select([master], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the process closed the terminal (it exited)
            chunk = b""
        if not chunk:
            raise RuntimeError(f"the process exited before drawing: {_tail(written)}")
        written.extend(chunk)
        if wanted and all(m in written for m in wanted):
            return True
    return False


def start(argv: list[str], markers: tuple[str, ...], cwd: Path = ROOT) -> Start:
    """Spawn `argv` in `cwd` on a new pseudo-terminal and time it until every marker has been written to
    it."""
    master, child_end = pty.openpty()
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    written = bytearray()
    try:
        started = time.perf_counter()
        try:
            process = subprocess.Popen(
                argv,
                stdin=child_end,
                stdout=child_end,
                stderr=child_end,
                cwd=cwd,
                env=_environment(),
                start_new_session=True,  # its own process group, killed whole at the end
            )
        finally:
            os.close(child_end)
        try:
            if not _read(master, written, started + TIMEOUT, [m.encode() for m in markers]):
                raise RuntimeError(f"nothing drawn in {TIMEOUT:.0f} s: {_tail(written)}")
            drawn = time.perf_counter() - started
            peak = _peak_kib(process.pid)
            _read(master, written, time.perf_counter() + SETTLE, [])
            settled = _peak_kib(process.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    finally:
        os.close(master)
    return Start(drawn, peak, settled)


def _tail(written: bytearray) -> str:
    return repr(written[-400:].decode(errors="replace"))


def _spread(values: list[float]) -> str:
    return f"{min(values):.3g}..{max(values):.3g}"


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="ovac-bench-") as tmp:
        kiosk = [sys.executable, "-m", "kiosk", "--config", str(training_config(Path(tmp)))]
        bare = [sys.executable, "-c", BARE_APP]
        start(kiosk, KIOSK_MARKERS)  # warm-up: .pyc files, the page cache
        start(bare, (BARE_TEXT,))
        kiosks: list[Start] = []
        bares: list[Start] = []
        for _ in range(RUNS):
            kiosks.append(start(kiosk, KIOSK_MARKERS))
            bares.append(start(bare, (BARE_TEXT,)))
    seconds = [k.seconds for k in kiosks]
    bare_seconds = [b.seconds for b in bares]
    print(f"   (spread over {RUNS} runs: kiosk {_spread(seconds)} s, bare {_spread(bare_seconds)} s)")

    def mib(values: list[int]) -> float:
        return statistics.median(values) / 1024

    return [
        Figure(
            f"kiosk start → attract screen drawn, {COLUMNS}x{LINES} pty (median of {RUNS})",
            statistics.median(seconds),
            "s",
            "bare Textual app, one Static",
            statistics.median(bare_seconds),
        ),
        Figure(
            "peak RSS at the attract screen",
            mib([k.peak_kib for k in kiosks]),
            "MiB",
            "bare Textual app",
            mib([b.peak_kib for b in bares]),
        ),
        Figure(
            f"peak RSS {SETTLE:g} s later (login screen built ahead)",
            mib([k.settled_kib for k in kiosks]),
            "MiB",
            "bare Textual app",
            mib([b.settled_kib for b in bares]),
        ),
    ]
