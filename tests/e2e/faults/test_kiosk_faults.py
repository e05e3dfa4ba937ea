"""The fault matrix's faults of the kiosk's own machine, through a real procedure: the printer at the print
step (out of paper, jammed, offline, its queue stopped), the temp folder's filesystem full (a tiny tmpfs)
at the print step, and the card pulled at each step of a card procedure.

At each: the citizen reads a plain message that says what to do; the result (what was registered) stays
on screen until the session ends; the backend holds it once; a pulled card leaves nothing of the citizen
on screen or in the temp folder, and the backend session ended."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import cups
import pytest

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo, FaultQueue
from devstack.pcsc import PcscInfo
from kiosk.app import KioskApp
from kiosk.login import LoginScreen
from kiosk.printstep import PrintScreen
from kiosk.procedures.bustia import BustiaResult, ContactStep, MessageStep
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.padro import DocumentStep, PadroResult, PadroReview, RegistrationStep
from kiosk.screens.attract import AttractScreen
from testcards.control import TestCardControl
from tests.e2e.faults.matrix import survived
from tests.e2e.faults.walks import fill_disk, open_sessions
from tests.e2e.procedures.helpers import (
    PIN,
    READER_INDEX,
    SIZE,
    card_login,
    db_rows,
    kiosk_app,
    launch,
    new_visit,
)
from tests.harness import Driver, drive

#: The print faults, and what the citizen reads while the fault lasts (in Catalan).
PRINT_FAULTS = {
    "media-empty": "La impressora s'ha quedat sense paper",
    "media-jam": "El paper s'ha encallat dins la impressora",
    "offline": "La impressora no respon",
    "stop": "La impressora està aturada",
}


def fault_printer(stack: CupsInfo, queue: FaultQueue) -> dict[str, object]:
    return {"kind": "cups", "name": queue.name, "cups_server": stack.server, "timeout_seconds": 30}


async def bustia_result(driver: Driver, app: KioskApp, topic: str) -> BustiaResult:
    await new_visit(driver)
    assert launch(app, "bustia")
    await driver.wait_screen(MessageStep)
    await driver.type(topic, into="#f-topic")
    await driver.paste("El fanal del carrer no s'encén.", into="#f-text")
    await driver.click("#step-next")
    await driver.wait_screen(ContactStep)
    await driver.click("#step-next")
    await driver.click("#step-next")  # the review's Send
    result = await driver.wait_screen(BustiaResult, timeout=10)
    await driver.wait_for(result.document.reference)
    return result


async def back_at_result(driver: Driver, result: BustiaResult) -> None:
    await driver.wait_for("S'ha imprès el document", timeout=20)
    await driver.click("#print-done")
    await driver.wait_for(lambda: driver.app.screen is result, what="the result again")
    assert result.document.reference in driver.text()


async def test_print_faults_at_the_bustia_print_step(
    tmp_path: Path, backend_server: BackendInfo, cups_stack: CupsInfo, fault_queue: FaultQueue
) -> None:
    printer = {
        "kind": "cups",
        "name": fault_queue.name,
        "cups_server": cups_stack.server,
        "timeout_seconds": 30,
    }
    app = kiosk_app(tmp_path, backend_server, printer=printer)
    topic = f"Paper {uuid.uuid4().hex[:8]}"
    async with drive(app, size=SIZE) as driver:
        result = await bustia_result(driver, app, topic)
        for fault, waiting in PRINT_FAULTS.items():
            fault_queue.set(fault)
            await driver.click("#step-next")  # Print
            await driver.wait_screen(PrintScreen)
            text = await driver.wait_for(waiting, timeout=20, words=True)
            fault_queue.set("ok")
            if fault == "stop":  # staff restart the queue; the citizen tries again
                assert result.document.reference in text or "/v1/verify/" in text.replace(" ", "")
                cups.Connection(host=cups_stack.server).enablePrinter(fault_queue.name)
                await driver.click("#print-retry")
            else:
                assert "S'imprimirà tan bon punt s'hagi resolt" in text
            await back_at_result(driver, result)
            survived(fault, "print step (bústia)", "print")
        # The queue stopped by staff before the citizen presses Print.
        cups.Connection(host=cups_stack.server).disablePrinter(fault_queue.name)
        try:
            await driver.click("#step-next")
            await driver.wait_screen(PrintScreen)
            await driver.wait_for("La impressora està aturada", timeout=20, words=True)
        finally:
            cups.Connection(host=cups_stack.server).enablePrinter(fault_queue.name)
        await driver.click("#print-retry")
        await back_at_result(driver, result)
        survived("queue stopped", "print step (bústia)", "print")
    rows = db_rows(backend_server, "select reference from bustia_messages where topic = :t", t=topic)
    assert [r.reference for r in rows] == [result.document.reference]


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs for the kiosk's temp folder (skipped where mount is not allowed)."""
    where = tmp_path / "small"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(where)],
                             capture_output=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"no tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


async def test_temp_folder_full_at_the_print_step(
    tmp_path: Path, backend_server: BackendInfo, cups_file_queue: CupsInfo, tiny_tmpfs: Path
) -> None:
    app = kiosk_app(
        tmp_path, backend_server, cups_file_queue, kiosk={"temp_dir": str(tiny_tmpfs / "sessions")}
    )
    topic = f"Disc ple {uuid.uuid4().hex[:8]}"
    async with drive(app, size=SIZE) as driver:
        result = await bustia_result(driver, app, topic)
        filler = tiny_tmpfs / "filler"
        fill_disk(filler, 4096)  # the disk fills up (another program's)
        await driver.click("#step-next")  # Print
        await driver.wait_screen(PrintScreen)
        text = await driver.wait_for(lambda: driver.shown("#print-retry") or driver.shown("#print-skip"),
                                     timeout=20, what="the print step's refusal")  # fmt: skip
        words = driver.words()
        assert "La impressora no ha pogut imprimir el document" in words or "no ha pogut" in words, words
        assert "Errno" not in words and "OSError" not in words and "ENOSPC" not in words, text
        filler.unlink()  # space again: the citizen tries again
        await driver.click("#print-retry")
        await back_at_result(driver, result)
        survived("temp folder full", "print step (bústia)", "print")
    rows = db_rows(backend_server, "select reference from bustia_messages where topic = :t", t=topic)
    assert [r.reference for r in rows] == [result.document.reference]
    assert not list((tiny_tmpfs / "sessions").iterdir()), "a session's files stayed in the temp folder"


PADRO_STEPS = ("PIN pad", "registration", "document", "review", "result", "printing")
LATER_STEPS = (("document", DocumentStep), ("review", PadroReview), ("result", PadroResult))


async def test_card_pulled_at_each_step_of_the_padro(
    tmp_path: Path,
    pcsc_stack: PcscInfo,
    testcards: TestCardControl,
    faults_card_backend: BackendInfo,
    cups_stack: CupsInfo,
    fault_queue: FaultQueue,
) -> None:
    eid = {"pkcs11_module": str(pcsc_stack.pkcs11_module), "readers": [pcsc_stack.readers[READER_INDEX]]}
    printer = {
        "kind": "cups",
        "name": fault_queue.name,
        "cups_server": cups_stack.server,
        "timeout_seconds": 30,
    }
    app = kiosk_app(tmp_path, faults_card_backend, eid=eid, printer=printer)
    temp_root = app.settings.kiosk.temp_dir
    assert temp_root is not None

    async with drive(app, size=SIZE) as driver:
        for step in PADRO_STEPS:
            sessions = open_sessions(faults_card_backend)
            await new_visit(driver)
            assert launch(app, "volant_individual")
            await driver.wait_screen(InsertCardScreen)
            if step == "PIN pad":
                pcsc_stack.control.insert("dnie3-valid", reader=READER_INDEX)
                await driver.wait_screen(LoginScreen, timeout=20)
                await driver.wait_for(
                    lambda: bool(app.screen.query("PinPad")), timeout=20, what="the PIN pad"
                )
                await driver.press(*PIN[:3])
            else:
                await card_login(driver, pcsc_stack)
                await driver.wait_screen(RegistrationStep, timeout=20)
                await driver.wait_for("Consteu al padró de Mataró", timeout=10)
                for later, kind in (
                    ("document", DocumentStep),
                    ("review", PadroReview),
                    ("result", PadroResult),
                ):
                    if PADRO_STEPS.index(step) < PADRO_STEPS.index(later):
                        break
                    await driver.click("#step-next")
                    await driver.wait_screen(kind, timeout=15)
                if step == "printing":
                    fault_queue.set("media-empty")  # held at the printer when the card comes out
                    await driver.click("#step-next")
                    await driver.wait_screen(PrintScreen)
                    await driver.wait_for("La impressora s'ha quedat sense paper", timeout=20, words=True)
            pcsc_stack.control.remove()
            await driver.wait_screen(AttractScreen, timeout=15)
            fault_queue.set("ok")
            assert app.session is None
            shown = driver.text()
            for trace in ("ESPAÑOLA", "CARMEN", "Riera", "Consteu"):
                assert trace not in shown, f"{trace!r} left on screen after the card was pulled at {step}"
            assert not temp_root.exists() or not any(temp_root.iterdir()), f"temp files left at {step}"
            ended = lambda before=sessions: open_sessions(faults_card_backend) == before  # noqa: E731
            await driver.wait_for(ended, timeout=10, what="the backend session to end")
            survived("card pulled", "padro", step)
