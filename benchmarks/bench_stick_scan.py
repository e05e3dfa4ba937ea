"""USB stick listing: a folder of 100,000 entries, scanned as the instància's attachments step does.

- Time per scan (median of 5) with the entry bound (`SCAN_MAX_ENTRIES`), against the same scanner
  unbounded (it reads and sorts the whole folder, as before the bound): 100,000 files, then 100,000
  empty folders (each one opened). Target: at most 100 ms bounded.
- The rescan timer (a thread every second, as `RESCAN_SECONDS`) for 25 s over the unbounded folders:
  scan threads alive at most with `scan_if_idle` (a rescan is skipped while one runs) against `scan`
  (every rescan waits its turn: threads pile up), and the worst lateness of a 10 ms timer in the main
  thread meanwhile (the UI's event loop competes with the scan threads for the GIL).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import Figure, median_ms
from kiosk.procedures.attachments import StickScanner

ENTRIES = 100_000
RESCAN_SECONDS = 1.0
RESCAN_FOR = 25.0
UNBOUNDED = 10**9
SCANS = 5


def _rescanning(scan: Callable[[], object]) -> tuple[int, float]:
    """(scan threads alive at most, worst main-thread lateness in ms) over RESCAN_FOR seconds."""
    alive: list[threading.Thread] = []
    most = 0
    worst = 0.0
    started = time.monotonic()
    next_scan = started
    while time.monotonic() - started < RESCAN_FOR:
        now = time.monotonic()
        if now >= next_scan:
            thread = threading.Thread(target=scan, daemon=True)
            thread.start()
            alive.append(thread)
            next_scan += RESCAN_SECONDS
        alive = [t for t in alive if t.is_alive()]
        most = max(most, len(alive))
        before = time.monotonic()
        time.sleep(0.01)
        worst = max(worst, (time.monotonic() - before - 0.01) * 1000)
    for thread in alive:
        thread.join()
    return most, worst


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) / "files"
        (files / "USB").mkdir(parents=True)
        folders = Path(tmp) / "folders"
        (folders / "USB").mkdir(parents=True)
        for n in range(ENTRIES):
            os.close(os.open(files / "USB" / f"f{n:06d}.txt", os.O_CREAT | os.O_WRONLY, 0o600))
            os.mkdir(folders / "USB" / f"d{n:06d}")
        for name, root in (("files", files), ("folders", folders)):
            bounded = median_ms(StickScanner([root]).scan, SCANS)
            unbounded = median_ms(StickScanner([root], max_entries=UNBOUNDED).scan, SCANS)
            figures.append(
                Figure(f"scan, {ENTRIES} {name}, bounded", bounded, "ms", "unbounded", unbounded,
                       target="<= 100 ms", met=bounded <= 100)
            )  # fmt: skip
        skipping = StickScanner([folders], max_entries=UNBOUNDED)
        waiting = StickScanner([folders], max_entries=UNBOUNDED)
        idle_threads, idle_lag = _rescanning(skipping.scan_if_idle)
        queued_threads, queued_lag = _rescanning(waiting.scan)
        figures.append(
            Figure("scan threads alive at most, scan_if_idle", idle_threads, "threads", "scan (queued)",
                   queued_threads, target="<= 2", met=idle_threads <= 2)
        )  # fmt: skip
        figures.append(
            Figure("main-thread lateness, scan_if_idle", idle_lag, "ms", "scan (queued)", queued_lag)
        )
        bounded_scanner = StickScanner([folders])
        _, bounded_lag = _rescanning(bounded_scanner.scan_if_idle)
        figures.append(
            Figure("main-thread lateness, bounded + scan_if_idle", bounded_lag, "ms", "unbounded + scan",
                   queued_lag)
        )  # fmt: skip
    return figures
