"""Golden screens of the print step: printing, printed, out of paper (held, then not printed), queue
stopped and CUPS down, at 120x40 and 80x24.

The print step shows what the printer reports, so the printer here is the printing layer's `Printer`
protocol answering each state (`StatePrinter`); the real cupsd states behind them (a `file:` queue, the
fault queue's reasons, a stopped queue, no cupsd) are covered by tests/e2e/printing.
"""

from __future__ import annotations

import threading
from pathlib import Path

from devstack.backend import BackendInfo
from kiosk.printstep import PrintScreen
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from printing.printers import PrintProgress, PrintStatus
from tests.e2e.procedures.helpers import launch
from tests.e2e.snapshots.conftest import Shots, StatePrinter, snapshot_app
from tests.harness import Driver, drive


def showing(driver: Driver, *button_ids: str) -> bool:
    screen = driver.app.screen
    if not isinstance(screen, PrintScreen):
        return False
    shown = {b.id for b in screen.query("#print-buttons Button") if b.display}
    return shown == set(button_ids)


async def test_print_step_states(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    release = threading.Event()
    printer = StatePrinter(progress=(PrintProgress("printing"),), release=release)
    app = snapshot_app(tmp_path, server, printer=printer)
    async with drive(app, size=(80, 24)) as driver:
        # A bústia receipt: the quickest document to get (no identification).
        app.start_visit()
        await driver.pause()
        assert launch(app, "bustia")
        await driver.wait_screen(MessageStep)
        await driver.click("#kind-suggeriment")
        await driver.type("Fanals", into="#f-topic")
        await driver.paste("Caldria més llum al carrer d'en Pau.", into="#f-text")
        await shots.next(driver, ContactStep)
        await shots.next(driver, BustiaReview)
        result = await shots.next(driver, BustiaResult)
        await driver.wait_for(result.document.reference)

        # Printing, then printed.
        await driver.click("#step-next")
        await driver.wait_screen(PrintScreen)
        await driver.wait_for("S'està imprimint…")
        await shots.take(driver, "printing")
        release.set()
        await driver.wait_for(lambda: showing(driver, "print-done"), what="printed")
        await shots.take(driver, "printed")
        await driver.click("#print-done")
        await driver.wait_for(lambda: app.screen is result, what="the result again")

        # Out of paper: the job is held, then it ends without printing.
        release.clear()
        printer.progress = (PrintProgress("held", fault=PrintStatus.OUT_OF_PAPER),)
        printer.outcome = PrintStatus.OUT_OF_PAPER
        await driver.click("#step-next")
        await driver.wait_screen(PrintScreen)
        await driver.wait_for(lambda: showing(driver, "print-cancel"), what="the held job")
        await shots.take(driver, "out-of-paper-held")
        release.set()
        await driver.wait_for(lambda: showing(driver, "print-retry", "print-skip"), what="not printed")
        await shots.take(driver, "out-of-paper-not-printed")

        # Try again: the queue has been stopped.
        printer.progress = ()
        printer.outcome = PrintStatus.QUEUE_STOPPED
        await driver.click("#print-retry")
        await driver.wait_for(
            lambda: printer.jobs == 3 and showing(driver, "print-retry", "print-skip"), what="stopped"
        )
        await driver.wait_for("està aturada")
        await shots.take(driver, "queue-stopped")

        # Try again: cupsd does not answer.
        printer.outcome = PrintStatus.CUPS_UNREACHABLE
        await driver.click("#print-retry")
        await driver.wait_for(
            lambda: printer.jobs == 4 and showing(driver, "print-retry", "print-skip"), what="CUPS down"
        )
        await shots.take(driver, "cups-down")
        await driver.click("#print-skip")
        await driver.wait_for(lambda: app.screen is result, what="the result again")
        await shots.take(driver, "result-not-printed")
    shots.check()
