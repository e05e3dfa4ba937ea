"""The print step in the kiosk app, driven with Pilot: the folder printer, and CUPS faults told plainly."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import cups
import pytest

from contract.documents import Document, document_from_payload
from devstack.cups import CupsInfo, FaultQueue
from kiosk.app import KioskApp
from kiosk.i18n import set_language
from kiosk.printstep import PrintScreen
from kiosk.session import EndReason
from printing import samples
from printing.printers import PrintOutcome, PrintStatus
from tests.fixtures.app import make_settings
from tests.harness import Driver, drive, make_app
from tests.unit.printing import pdftools

CSV = "PADR7KQ2M9XA4TPRZ3WD"
SIZE = (110, 40)
#: pcscd is machine-wide and other suites insert virtual cards into it: watch no real reader, so that
#: their cards never start or end these tests' sessions.
NO_READERS = {"readers": ["ovac-print-tests-watch-no-reader"]}


def _settings(tmp_path: Path, printer: dict[str, Any] | None = None, **kiosk: Any) -> Any:
    sections: dict[str, Any] = {"eid": NO_READERS}
    if printer:
        sections["printer"] = printer
    if kiosk:
        sections["kiosk"] = kiosk
    return make_settings(tmp_path, **sections)


def _document() -> Document:
    return document_from_payload(samples.padro("volant_collectiu", 6))


def _cups_app(tmp_path: Path, stack: CupsInfo, queue: str, timeout: float = 20, **kiosk: Any) -> KioskApp:
    printer = {"kind": "cups", "name": queue, "cups_server": stack.server, "timeout_seconds": timeout}
    return make_app(_settings(tmp_path, printer, **kiosk))


@asynccontextmanager
async def _at_print_step(
    app: KioskApp, language: str | None = None
) -> AsyncIterator[tuple[Driver, list[PrintOutcome]]]:
    """The app showing the print step of a padró volant; `outcomes` gets what the step ended with."""
    async with drive(app, size=SIZE) as driver:
        if language is not None:
            set_language(language)
        # A session without the home screen: its catalogue call (no backend here) must not interfere.
        app.begin_session()
        outcomes: list[PrintOutcome] = []
        app.push_screen(
            PrintScreen(_document(), "Volant d'empadronament col·lectiu"), lambda o: outcomes.append(o)
        )
        await driver.pause()
        yield driver, outcomes


async def _leave(
    driver: Driver, outcomes: list[PrintOutcome], button: str = "", key: str = ""
) -> PrintOutcome:
    """Leave the print step with `button` (or `key`): what the step returned with."""
    if key:
        await driver.press(key)
    else:
        await driver.click(button)
    await driver.wait_for(lambda: bool(outcomes), what="the print step to end")
    return outcomes[0]


def _fault_app(
    tmp_path: Path, stack: CupsInfo, fault_queue: FaultQueue, behaviour: str, timeout: float = 20
) -> KioskApp:
    """The app printing to the fault queue, which starts with `behaviour` (FaultQueue.set)."""
    fault_queue.set(behaviour)
    return _cups_app(tmp_path, stack, fault_queue.name, timeout)


@asynccontextmanager
async def _held_out_of_paper(
    tmp_path: Path, stack: CupsInfo, fault_queue: FaultQueue
) -> AsyncIterator[tuple[Driver, list[PrintOutcome]]]:
    """The print step with its job held: the fault queue's printer is out of paper."""
    async with _at_print_step(_fault_app(tmp_path, stack, fault_queue, "media-empty")) as (driver, outcomes):
        await driver.wait_for("sense paper")
        yield driver, outcomes


async def test_folder_printer_prints_and_says_where_to_collect(tmp_path: Path) -> None:
    settings = _settings(tmp_path, {"collect_hint": "a la impressora de la dreta"})
    app = make_app(settings)
    async with _at_print_step(app) as (driver, outcomes):
        text = await driver.wait_for("S'ha imprès el document")
        assert "Recolliu-lo: a la impressora de la dreta" in text
        assert app.session is not None
        temp_dir = app.session.temp_dir
        [kept] = temp_dir.glob("*.pdf")  # the PDF lives in the session's folder only
        [printed] = (tmp_path / "printed").glob("*.pdf")
        assert printed.read_bytes() == kept.read_bytes()
        # The kiosk is in training mode (config.toml's demo default): the paper says so.
        assert "DOCUMENT DE PROVA" in pdftools.text(printed)
        outcome = await _leave(driver, outcomes, "#print-done")
        assert outcome.printed and outcome.status is PrintStatus.PRINTED
        app.end_session(EndReason.FINISHED)
        await driver.pause()
        assert not temp_dir.exists()


async def test_cups_file_queue_prints(tmp_path: Path, cups_file_queue: CupsInfo) -> None:
    cups_stack = cups_file_queue
    app = _cups_app(tmp_path, cups_stack, cups_stack.file_queue, mode="production")
    async with _at_print_step(app) as (driver, outcomes):
        await driver.wait_for("S'ha imprès el document")
        assert "Recolliu-lo a la impressora d'aquest punt" in driver.text()
        await driver.wait_for(lambda: app.focused is not None and app.focused.id == "print-done")
        outcome = await _leave(driver, outcomes, key="enter")
    assert outcome.printed
    assert "Marcel·lí Ollé Güell" in pdftools.text(cups_stack.file_output)
    assert "DOCUMENT DE PROVA" not in pdftools.text(cups_stack.file_output)


@pytest.mark.parametrize(
    ("behaviour", "waiting"),
    [
        ("media-empty", "La impressora s'ha quedat sense paper"),
        ("media-jam", "El paper s'ha encallat dins la impressora"),
        ("offline", "La impressora no respon"),
    ],
)
async def test_a_fault_is_shown_then_clears_and_the_document_prints(
    tmp_path: Path, cups_stack: CupsInfo, fault_queue: FaultQueue, behaviour: str, waiting: str
) -> None:
    app = _fault_app(tmp_path, cups_stack, fault_queue, behaviour)
    async with _at_print_step(app) as (driver, outcomes):
        text = await driver.wait_for(waiting)
        assert "S'imprimirà tan bon punt s'hagi resolt" in text
        assert app.screen.query_one("#print-cancel").display
        fault_queue.set("ok")
        await driver.wait_for("S'ha imprès el document")
        outcome = await _leave(driver, outcomes, "#print-done")
    assert outcome.printed


async def test_stopped_queue_offers_try_again_and_the_csv(
    tmp_path: Path, cups_stack: CupsInfo, fault_queue: FaultQueue, caplog: pytest.LogCaptureFixture
) -> None:
    app = _fault_app(tmp_path, cups_stack, fault_queue, "stop")
    with caplog.at_level(logging.INFO):
        async with _at_print_step(app) as (driver, outcomes):
            text = await driver.wait_for("La impressora està aturada")
            assert CSV in text and f"/v1/verify/{CSV}" in text.replace("\n", "")
            assert (
                app.screen.query_one("#print-retry").display and app.screen.query_one("#print-skip").display
            )
            # Staff restart the printer; the citizen tries again.
            fault_queue.set("ok")
            cups.Connection(host=cups_stack.server).enablePrinter(fault_queue.name)
            await driver.click("#print-retry")
            await driver.wait_for("S'ha imprès el document")
            outcome = await _leave(driver, outcomes, "#print-done")
    assert outcome.printed
    staff = [r.getMessage() for r in caplog.records if r.name == "kiosk.printstep.screen"]
    assert any("not printed, queue-stopped" in line and fault_queue.name in line for line in staff)
    logged = caplog.text
    for secret in ("Núria", "Pérez", "40000000X", "Marcel·lí"):
        assert secret not in logged


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ca", "El punt no pot contactar amb el servei d'impressió."),
        ("es", "El punto no puede contactar con el servicio de impresión."),
        ("en", "The kiosk cannot reach its printer service."),
    ],
)
async def test_cups_down_in_each_language(tmp_path: Path, language: str, message: str) -> None:
    printer = {"kind": "cups", "name": "Kiosk_Printer", "cups_server": str(tmp_path / "no-cupsd.sock")}
    app = make_app(_settings(tmp_path, printer))
    async with _at_print_step(app, language) as (driver, outcomes):
        text = await driver.wait_for(message)
        assert CSV in text
        outcome = await _leave(driver, outcomes, "#print-skip")
    assert outcome.status is PrintStatus.CUPS_UNREACHABLE


async def test_aborted_and_timed_out_jobs(
    tmp_path: Path, cups_stack: CupsInfo, fault_queue: FaultQueue
) -> None:
    app = _fault_app(tmp_path, cups_stack, fault_queue, "fail", timeout=1.0)
    async with _at_print_step(app) as (driver, outcomes):
        await driver.wait_for("La impressora no ha pogut imprimir el document.")
        fault_queue.set("hang")
        await driver.click("#print-retry")
        await driver.wait_for("La impressora ha trigat massa")
        outcome = await _leave(driver, outcomes, key="escape")
    assert outcome.status is PrintStatus.TIMED_OUT


async def test_citizen_cancels_while_out_of_paper(
    tmp_path: Path, cups_stack: CupsInfo, fault_queue: FaultQueue
) -> None:
    async with _held_out_of_paper(tmp_path, cups_stack, fault_queue) as (driver, outcomes):
        await driver.click("#print-cancel")
        await driver.wait_for("Torna-ho a provar")
        outcome = await _leave(driver, outcomes, "#print-skip")
    assert outcome.status is PrintStatus.ABORTED and outcome.job_id is not None
    state = cups.Connection(host=cups_stack.server).getJobAttributes(outcome.job_id)["job-state"]
    assert state == 7  # cancelled: it will not print later for someone else


async def test_card_removed_while_printing_cancels_the_job(
    tmp_path: Path, cups_stack: CupsInfo, fault_queue: FaultQueue
) -> None:
    async with _held_out_of_paper(tmp_path, cups_stack, fault_queue) as (driver, _):
        app = driver.app
        screen = app.screen
        assert isinstance(screen, PrintScreen)
        session = app.session
        assert session is not None
        temp_dir = session.temp_dir
        app.end_session(EndReason.CARD_REMOVED)
        await driver.wait_for(lambda: screen.outcome is not None or not screen.is_attached)
        await driver.wait_for(lambda: not any(w.is_running for w in app.workers))
        assert not temp_dir.exists()
    conn = cups.Connection(host=cups_stack.server)
    jobs = [conn.getJobAttributes(j) for j in conn.getJobs(which_jobs="all")]
    mine = [job for job in jobs if job["job-printer-uri"].endswith("/" + fault_queue.name)]
    assert [job["job-state"] for job in mine] == [7]  # cancelled: nothing prints for the next person
