"""CupsPrinter against a real, private cupsd: a `file:` queue, cups-pdf, and a fault-injecting backend."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cups
import pytest

from devstack import cups as cups_devstack
from devstack.cups import CupsInfo, FaultQueue
from printing.printers import CupsPrinter, PrintOutcome, PrintProgress, PrintStatus
from tests.unit.printing import pdftools

#: What the fault queue is told to do -> the fault the printer reports while it lasts.
FAULTS = [
    ("media-empty", PrintStatus.OUT_OF_PAPER),
    ("media-jam", PrintStatus.PAPER_JAM),
    ("offline", PrintStatus.OFFLINE),
]


def _printer(stack: CupsInfo, queue: str, timeout: float = 20.0) -> CupsPrinter:
    return CupsPrinter(queue, stack.server, timeout_seconds=timeout, poll_seconds=0.05)


def _job_state(stack: CupsInfo, job_id: int | None) -> int:
    assert job_id is not None
    return int(cups.Connection(host=stack.server).getJobAttributes(job_id)["job-state"])


def test_file_queue_prints_the_document_text(cups_file_queue: CupsInfo, sample_pdf: Path) -> None:
    seen: list[PrintProgress] = []
    outcome = _printer(cups_file_queue, cups_file_queue.file_queue).submit(
        sample_pdf, "Volant", on_progress=seen.append
    )
    assert outcome.status is PrintStatus.PRINTED and outcome.printed
    assert outcome.job_id is not None and f"job {outcome.job_id}" in outcome.detail
    printed = pdftools.text(cups_file_queue.file_output)
    assert "PADR7KQ2M9XA4TPRZ3WD" in printed and "Marcel·lí Ollé Güell" in printed
    assert "Còpia en paper d'un document electrònic" in printed
    assert seen and seen[0].state == "queued"


def test_server_given_as_host_and_port(cups_file_queue: CupsInfo, sample_pdf: Path) -> None:
    stack = cups_file_queue
    printer = CupsPrinter(stack.file_queue, f"127.0.0.1:{stack.port}", 20, poll_seconds=0.05)
    assert printer.submit(sample_pdf, "Volant").status is PrintStatus.PRINTED
    assert "PADR7KQ2M9XA4TPRZ3WD" in pdftools.text(stack.file_output)


def _short_pdf(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"{text}.pdf"
    path.write_bytes(cups_devstack.one_page_pdf(text))
    return path


@pytest.mark.parametrize("between", ["emptied", "removed"])
def test_file_queue_prints_twice_in_a_row(
    cups_file_queue: CupsInfo, sample_pdf: Path, tmp_path: Path, between: str
) -> None:
    """The second job's output is the second document, whole: whether the output was emptied or removed
    in between (cupsd neither creates nor truncates a file: device, devstack.cups)."""
    stack = cups_file_queue
    printer = _printer(stack, stack.file_queue)
    assert printer.submit(sample_pdf, "Volant").status is PrintStatus.PRINTED
    assert "PADR7KQ2M9XA4TPRZ3WD" in pdftools.text(stack.file_output)
    first_size = stack.file_output.stat().st_size
    if between == "removed":
        stack.file_output.unlink()  # what the procedure tests' print helper once did
    else:
        stack.file_output.write_bytes(b"")
    stack.reset_file_queue()  # what every print that reads the output does first
    second = _short_pdf(tmp_path, "SECONDJOB")
    outcome = printer.submit(second, "Second")
    assert outcome.status is PrintStatus.PRINTED, outcome.detail
    printed = pdftools.text(stack.file_output)
    assert "SECONDJOB" in printed and "PADR7KQ2M9XA4TPRZ3WD" not in printed
    assert pdftools.page_count(stack.file_output) == 1
    assert stack.file_output.stat().st_size < first_size  # nothing of the first job left behind
    # And the queue goes on printing: a third job after the second, the usual way.
    stack.reset_file_queue()
    assert printer.submit(sample_pdf, "Volant").status is PrintStatus.PRINTED
    assert "PADR7KQ2M9XA4TPRZ3WD" in pdftools.text(stack.file_output)


def test_reset_recovers_a_queue_whose_output_was_removed(cups_file_queue: CupsInfo, sample_pdf: Path) -> None:
    """A job that found no output file is stopped by cupsd; the reset cancels it and the queue prints."""
    stack = cups_file_queue
    stack.file_output.unlink()
    stuck = cups.Connection(host=stack.server).printFile(stack.file_queue, str(sample_pdf), "Volant", {})
    _wait_for(lambda: _job_state(stack, stuck) == 6)  # stopped: "could not open the output file"
    stack.reset_file_queue()
    assert _job_state(stack, stuck) == 7  # canceled: it will not come out later
    assert _printer(stack, stack.file_queue).submit(sample_pdf, "Volant").status is PrintStatus.PRINTED
    assert "PADR7KQ2M9XA4TPRZ3WD" in pdftools.text(stack.file_output)


def test_self_check_fails_at_once_with_the_error_log(tmp_path: Path) -> None:
    with cups_devstack.running(with_pdf_queue=False) as own:
        own.lpadmin("-p", own.file_queue, "-v", f"file://{own.root}/no-such-folder/out.pdf")
        started = time.monotonic()
        with pytest.raises(cups_devstack.CupsError, match="could not open the output file"):
            cups_devstack.self_check(own)
        assert time.monotonic() - started < 5  # not a print step's 40 s timeout


def test_stack_starts_and_prints_under_a_strict_umask(sample_pdf: Path) -> None:
    old = os.umask(0o077)
    try:
        with cups_devstack.running(with_pdf_queue=False) as own:
            outcome = _printer(own, own.file_queue).submit(sample_pdf, "Volant")
            assert outcome.status is PrintStatus.PRINTED, outcome.detail
            assert "PADR7KQ2M9XA4TPRZ3WD" in pdftools.text(own.file_output)
    finally:
        os.umask(old)


def test_a_parent_folder_lp_cannot_enter_is_refused_at_start(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    started = time.monotonic()
    with pytest.raises(cups_devstack.CupsError, match="cannot pass through"):
        with cups_devstack.running(with_pdf_queue=False, parent=closed):
            pass
    assert time.monotonic() - started < 5
    assert not list(closed.iterdir())  # nothing left behind


def test_cups_pdf_queue_puts_out_a_page(cups_stack: CupsInfo, sample_pdf: Path) -> None:
    before = set(cups_stack.pdf_output_dir.glob("*.pdf"))
    outcome = _printer(cups_stack, cups_stack.pdf_queue, timeout=60).submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.PRINTED, outcome.detail
    [made] = set(cups_stack.pdf_output_dir.glob("*.pdf")) - before
    assert pdftools.page_count(made) >= 1


def _submit_in_thread(
    printer: CupsPrinter, pdf: Path, seen: list[PrintProgress]
) -> tuple[threading.Thread, list[PrintOutcome]]:
    result: list[PrintOutcome] = []
    thread = threading.Thread(
        target=lambda: result.append(printer.submit(pdf, "Volant", on_progress=seen.append))
    )
    thread.start()
    return thread, result


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.mark.parametrize(("behaviour", "fault"), FAULTS)
def test_a_fault_that_clears_lets_the_job_complete(
    cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path, behaviour: str, fault: PrintStatus
) -> None:
    fault_queue.set(behaviour)
    seen: list[PrintProgress] = []
    thread, result = _submit_in_thread(_printer(cups_stack, fault_queue.name), sample_pdf, seen)
    _wait_for(lambda: any(p.fault is fault for p in seen))
    held = next(p for p in seen if p.fault is fault)
    assert held.state == "held" and held.detail  # the printer's own message, for staff
    fault_queue.set("ok")  # paper refilled / jam cleared / printer back on line
    thread.join(20)
    [outcome] = result
    assert outcome.status is PrintStatus.PRINTED, outcome.detail
    assert fault_queue.output.read_bytes() == sample_pdf.read_bytes()
    assert seen[-1].fault is None or outcome.printed


@pytest.mark.parametrize(("behaviour", "fault"), FAULTS)
def test_a_fault_that_lasts_ends_as_that_fault_and_the_job_is_cancelled(
    cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path, behaviour: str, fault: PrintStatus
) -> None:
    fault_queue.set(behaviour)
    outcome = _printer(cups_stack, fault_queue.name, timeout=1.5).submit(sample_pdf, "Volant")
    assert outcome.status is fault
    assert "job cancelled" in outcome.detail
    _wait_for(lambda: _job_state(cups_stack, outcome.job_id) == 7)  # canceled


def test_timeout_cancels_the_job(cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path) -> None:
    fault_queue.set("hang")
    started = time.monotonic()
    outcome = _printer(cups_stack, fault_queue.name, timeout=1.0).submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.TIMED_OUT
    assert 1.0 <= time.monotonic() - started < 15  # generous: the machine may be busy
    _wait_for(lambda: _job_state(cups_stack, outcome.job_id) == 7)


def test_a_backend_that_stops_the_queue(
    cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path
) -> None:
    fault_queue.set("stop")
    outcome = _printer(cups_stack, fault_queue.name).submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.QUEUE_STOPPED, outcome.detail
    # The job is cancelled: when staff restart the queue, nothing comes out for a citizen long gone.
    _wait_for(lambda: _job_state(cups_stack, outcome.job_id) == 7)


def test_a_paused_queue_is_not_sent_the_job(
    cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path
) -> None:
    conn = cups.Connection(host=cups_stack.server)
    conn.disablePrinter(fault_queue.name, reason="paused by staff")
    jobs_before = set(conn.getJobs(which_jobs="all"))
    outcome = _printer(cups_stack, fault_queue.name).submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.QUEUE_STOPPED and outcome.job_id is None
    assert set(conn.getJobs(which_jobs="all")) == jobs_before
    conn.enablePrinter(fault_queue.name)


def test_a_queue_refusing_jobs(cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path) -> None:
    conn = cups.Connection(host=cups_stack.server)
    conn.rejectJobs(fault_queue.name)
    outcome = _printer(cups_stack, fault_queue.name).submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.QUEUE_STOPPED
    conn.acceptJobs(fault_queue.name)


def test_a_failing_job_is_aborted(cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path) -> None:
    fault_queue.set("fail")
    outcome = _printer(cups_stack, fault_queue.name).submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.ABORTED, outcome.detail
    assert "aborted" in outcome.detail
    assert _job_state(cups_stack, outcome.job_id) == 8


def test_an_unknown_queue_is_a_printer_offline(cups_stack: CupsInfo, sample_pdf: Path) -> None:
    outcome = _printer(cups_stack, "no_such_queue").submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.OFFLINE and "no such queue" in outcome.detail


def test_cups_not_running(tmp_path: Path, sample_pdf: Path) -> None:
    outcome = CupsPrinter("any", str(tmp_path / "no-cupsd.sock")).submit(sample_pdf, "Volant")
    assert outcome.status is PrintStatus.CUPS_UNREACHABLE


def test_cups_going_down_during_a_job(tmp_path: Path, sample_pdf: Path) -> None:
    with cups_devstack.running(with_pdf_queue=False) as own:
        queue = own.make_fault_queue("hang")
        seen: list[PrintProgress] = []
        thread, result = _submit_in_thread(_printer(own, queue.name), sample_pdf, seen)
        _wait_for(lambda: any(p.state in ("printing", "queued") for p in seen))
        own.stop()
        thread.join(20)
    [outcome] = result
    assert outcome.status is PrintStatus.CUPS_UNREACHABLE, outcome.detail


def test_cancel_from_the_kiosk(cups_stack: CupsInfo, fault_queue: FaultQueue, sample_pdf: Path) -> None:
    fault_queue.set("media-empty")
    cancel = threading.Event()
    seen: list[PrintProgress] = []

    def on_progress(progress: PrintProgress) -> None:
        seen.append(progress)
        if progress.fault is not None:
            cancel.set()  # the citizen pressed "cancel" while the printer was out of paper

    outcome = _printer(cups_stack, fault_queue.name).submit(
        sample_pdf, "Volant", on_progress=on_progress, cancel=cancel
    )
    assert outcome.status is PrintStatus.ABORTED and "cancelled at the kiosk" in outcome.detail
    _wait_for(lambda: _job_state(cups_stack, outcome.job_id) == 7)


def test_lp_tools_see_the_private_server(cups_stack: CupsInfo) -> None:
    out = subprocess.run(
        ["lpstat", "-p"], env=cups_stack.env, capture_output=True, text=True, check=True
    ).stdout
    assert cups_stack.file_queue in out and cups_stack.fault_queue in out
