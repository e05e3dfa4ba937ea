"""The kiosk's CUPS queue as kiosk-setup sets it up (`queue_command`), made on the tests' private cupsd:
a job the printer fails ends aborted and the queue goes on accepting and printing the next citizen's job
(printer-error-policy=abort-job), instead of stopping with the job held for later. Uses the shared
stack: run under /tmp/ovac-stack.lock."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import cups
import pytest

from deploy import installer
from devstack import cups as cups_devstack

ABORTED, COMPLETED = 8, 9


@pytest.fixture
def kiosk_queue(cups_stack: cups_devstack.CupsInfo) -> Iterator[cups_devstack.FaultQueue]:
    name = installer.QUEUE
    queue = cups_devstack.FaultQueue(name, cups_stack.root / "faults" / name, "abort-job")
    queue.set("fail")
    command = installer.queue_command(f"ovacfault:/{name}", "raw")
    subprocess.run(command, env=cups_stack.env, check=True, timeout=30, capture_output=True)
    yield queue
    subprocess.run(["lpadmin", "-x", name], env=cups_stack.env, check=False, timeout=30)


def _wait_job(connection: cups.Connection, job: int, states: set[int], timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    state = 0
    while time.monotonic() < deadline:
        state = int(connection.getJobAttributes(job)["job-state"])
        if state in states:
            return state
        time.sleep(0.05)
    return state


def test_a_failed_job_is_aborted_and_the_queue_keeps_serving(
    cups_stack: cups_devstack.CupsInfo, kiosk_queue: cups_devstack.FaultQueue, sample_pdf: Path
) -> None:
    connection = cups.Connection(host=cups_stack.server)
    attributes = connection.getPrinterAttributes(installer.QUEUE)
    assert attributes["printer-error-policy"] == "abort-job"
    assert attributes["printer-is-shared"] is False
    assert attributes["printer-is-accepting-jobs"] is True
    failed = connection.printFile(installer.QUEUE, str(sample_pdf), "volant", {})
    assert _wait_job(connection, failed, {ABORTED, COMPLETED, 6}) == ABORTED
    attributes = connection.getPrinterAttributes(installer.QUEUE)
    assert attributes["printer-state"] != 5, "the queue stopped after a failed job"
    assert attributes["printer-is-accepting-jobs"] is True
    kiosk_queue.set("ok")
    printed = connection.printFile(installer.QUEUE, str(sample_pdf), "volant", {})
    assert _wait_job(connection, printed, {ABORTED, COMPLETED, 6}) == COMPLETED
