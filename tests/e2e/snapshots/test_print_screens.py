"""Golden screens of the print step: printing, printed, out of paper (held, then not printed), queue
stopped and CUPS down, at 120x40 and 80x24.

The print step shows what the printer reports, so the printer here is the printing layer's `Printer`
protocol answering each state (`StatePrinter`); the real cupsd states behind them (a `file:` queue, the
fault queue's reasons, a stopped queue, no cupsd) are covered by tests/e2e/printing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from devstack.backend import BackendInfo
from kiosk.printstep import PrintScreen
from kiosk.procedures import launch
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from printing.printers import PrintProgress, PrintStatus
from tests.e2e.procedures.helpers import paste, press_button, type_text, wait_for, wait_screen, wait_text
from tests.e2e.snapshots.conftest import Shots, StatePrinter, snapshot_app


def showing(pilot: Any, *button_ids: str) -> bool:
    screen = pilot.app.screen
    if not isinstance(screen, PrintScreen):
        return False
    shown = {b.id for b in screen.query("#print-buttons Button") if b.display}
    return shown == set(button_ids)


async def test_print_step_states(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    release = threading.Event()
    printer = StatePrinter(progress=(PrintProgress("printing"),), release=release)
    app = snapshot_app(tmp_path, server, printer=printer)
    async with app.run_test(size=(80, 24)) as pilot:
        # A bústia receipt: the quickest document to get (no identification).
        app.start_visit()
        await pilot.pause()
        assert launch(app, "bustia")
        await wait_screen(pilot, MessageStep)
        await press_button(pilot, "#kind-suggeriment")
        await type_text(pilot, "#f-topic", "Fanals")
        await paste(pilot, "#f-text", "Caldria més llum al carrer d'en Pau.")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, ContactStep)
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, BustiaReview)
        await press_button(pilot, "#step-next")
        result = await wait_screen(pilot, BustiaResult)
        await wait_text(pilot, result.document.reference)

        # Printing, then printed.
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, PrintScreen)
        await wait_text(pilot, "S'està imprimint…")
        await shots.take(pilot, "printing")
        release.set()
        await wait_for(pilot, lambda: showing(pilot, "print-done"), "printed")
        await shots.take(pilot, "printed")
        await press_button(pilot, "#print-done")
        await wait_for(pilot, lambda: app.screen is result, "the result again")

        # Out of paper: the job is held, then it ends without printing.
        release.clear()
        printer.progress = (PrintProgress("held", fault=PrintStatus.OUT_OF_PAPER),)
        printer.outcome = PrintStatus.OUT_OF_PAPER
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, PrintScreen)
        await wait_for(pilot, lambda: showing(pilot, "print-cancel"), "the held job")
        await shots.take(pilot, "out-of-paper-held")
        release.set()
        await wait_for(pilot, lambda: showing(pilot, "print-retry", "print-skip"), "not printed")
        await shots.take(pilot, "out-of-paper-not-printed")

        # Try again: the queue has been stopped.
        printer.progress = ()
        printer.outcome = PrintStatus.QUEUE_STOPPED
        await press_button(pilot, "#print-retry")
        await wait_for(
            pilot, lambda: printer.jobs == 3 and showing(pilot, "print-retry", "print-skip"), "stopped"
        )
        await wait_text(pilot, "està aturada")
        await shots.take(pilot, "queue-stopped")

        # Try again: cupsd does not answer.
        printer.outcome = PrintStatus.CUPS_UNREACHABLE
        await press_button(pilot, "#print-retry")
        await wait_for(
            pilot, lambda: printer.jobs == 4 and showing(pilot, "print-retry", "print-skip"), "CUPS down"
        )
        await shots.take(pilot, "cups-down")
        await press_button(pilot, "#print-skip")
        await wait_for(pilot, lambda: app.screen is result, "the result again")
        await shots.take(pilot, "result-not-printed")
    shots.check()
