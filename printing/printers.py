"""Printers behind one small interface: submit a PDF, follow the job, get back one plain outcome.

`CupsPrinter` prints through CUPS with pycups: it submits the job, follows it until it completes, and
reads the job's and the printer's state reasons on the way (out of paper, jam, offline, stopped ...).
A fault that clears by itself (paper refilled, jam removed) lets the job complete; if the job has not
completed after the configured time, the printer cancels it itself, so that a document never comes out
later in front of the next person. `FolderPrinter` writes the PDF into a folder, for demos and training
(readable by the kiosk's user only, deleted after a while).

Every call blocks: run it in a worker thread. Outcomes carry a `detail` for staff (queue, job id, what
CUPS said) and never any citizen data.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class PrintStatus(Enum):
    """What became of a print job, in the few cases the kiosk tells a citizen apart."""

    PRINTED = "printed"
    OUT_OF_PAPER = "out-of-paper"
    PAPER_JAM = "paper-jam"
    OFFLINE = "offline"
    QUEUE_STOPPED = "queue-stopped"
    ABORTED = "aborted"
    CUPS_UNREACHABLE = "cups-unreachable"
    TIMED_OUT = "timed-out"

    @property
    def is_fault_that_may_clear(self) -> bool:
        """A printer condition that staff (or the printer) can fix while the job waits."""
        return self in (PrintStatus.OUT_OF_PAPER, PrintStatus.PAPER_JAM, PrintStatus.OFFLINE)


@dataclass(frozen=True)
class PrintOutcome:
    """The final result of `Printer.submit`: `status` for the kiosk, `detail` for staff and the log."""

    status: PrintStatus
    detail: str = ""
    job_id: int | None = None

    @property
    def printed(self) -> bool:
        return self.status is PrintStatus.PRINTED


@dataclass(frozen=True)
class PrintProgress:
    """What the job is doing now, reported while `submit` waits: `fault` is set while a printer fault
    holds the job (it may still complete if the fault clears)."""

    state: str  # "queued" | "printing" | "held"
    fault: PrintStatus | None = None
    detail: str = ""


ProgressCallback = Callable[[PrintProgress], None]


class Printer:
    """Anything that can print a PDF for the kiosk. A printer gives its `description` and does the job in
    `_print`; `submit` reports its progress to whoever asked and logs the outcome."""

    def submit(
        self,
        pdf_path: Path,
        title: str,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> PrintOutcome:
        """Print `pdf_path` (a job named `title`, which must carry no citizen data) and wait for the end."""
        outcome = self._print(pdf_path, title, on_progress or _unheard, cancel)
        if outcome.printed:
            log.info("printed: %s", outcome.detail)
        else:
            log.warning("print failed (%s): %s", outcome.status.value, outcome.detail)
        return outcome

    @property
    def description(self) -> str:
        """For staff and logs: which printer this is."""
        raise NotImplementedError

    def _print(
        self, pdf_path: Path, title: str, report: ProgressCallback, cancel: threading.Event | None
    ) -> PrintOutcome:
        """Print and wait for the end, reporting the job's progress to `report`."""
        raise NotImplementedError


def _unheard(progress: PrintProgress) -> None:
    """Progress nobody asked for."""


# --- CUPS ----------------------------------------------------------------------------------------

# IPP job-state values (RFC 8011 5.3.7).
JOB_PENDING, JOB_HELD, JOB_PROCESSING, JOB_STOPPED, JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = range(3, 10)
# IPP printer-state values.
PRINTER_IDLE, PRINTER_PROCESSING, PRINTER_STOPPED = 3, 4, 5
#: After a connection lost mid-job, cupsd is asked again this long after a first answer (see _reachable).
REACHABLE_RECHECK_SECONDS = 1.0

#: printer-state-reasons (without their -error/-warning/-report suffix) -> the fault they mean.
REASON_FAULTS: dict[str, PrintStatus] = {
    "media-empty": PrintStatus.OUT_OF_PAPER,
    "media-needed": PrintStatus.OUT_OF_PAPER,
    "input-tray-missing": PrintStatus.OUT_OF_PAPER,
    "media-jam": PrintStatus.PAPER_JAM,
    "offline": PrintStatus.OFFLINE,
    "shutdown": PrintStatus.OFFLINE,
    "connecting-to-device": PrintStatus.OFFLINE,
    "timed-out": PrintStatus.OFFLINE,
    "door-open": PrintStatus.OFFLINE,
    "cover-open": PrintStatus.OFFLINE,
    "paused": PrintStatus.QUEUE_STOPPED,
}
#: When several faults show at once, the one a citizen or staff member can act on first.
_FAULT_ORDER = (
    PrintStatus.PAPER_JAM,
    PrintStatus.OUT_OF_PAPER,
    PrintStatus.OFFLINE,
    PrintStatus.QUEUE_STOPPED,
)

_JOB_ATTRIBUTES = ["job-state", "job-state-reasons", "job-printer-state-message"]
_PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
]


def _as_list(value: Any) -> list[str]:
    """pycups returns a one-valued IPP attribute as a str and a multi-valued one as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def fault_of(reasons: Iterable[str]) -> PrintStatus | None:
    """The fault that printer-state-reasons describe, if any ('none' and warnings of no interest: None)."""
    found = set()
    for reason in reasons:
        base = re.sub(r"-(error|warning|report)$", "", reason)
        if base in REASON_FAULTS:
            # A warning ("media-low-warning" is not here) would not stop a job; an error or report does.
            found.add(REASON_FAULTS[base])
    return next((fault for fault in _FAULT_ORDER if fault in found), None)


class CupsPrinter(Printer):
    """A CUPS queue, through pycups. `server` is "host[:port]" or a socket path; empty = the default."""

    def __init__(
        self, queue: str, server: str = "", timeout_seconds: float = 60.0, poll_seconds: float = 0.2
    ) -> None:
        if not queue:
            raise ValueError("a CUPS printer needs a queue name ([printer] name)")
        self.queue = queue
        self.server = server
        self.timeout_seconds = timeout_seconds
        self.poll_seconds = poll_seconds

    @property
    def description(self) -> str:
        return f"CUPS queue {self.queue} on {self.server or 'the default server'}"

    def _connect(self) -> Any:
        import cups

        if self.server:
            # Per thread in libcups, and needed beyond the connection itself: cupsPrintFile looks the
            # destination up on the default server, so a Connection(host=...) alone is not enough.
            cups.setServer(self.server)
        return cups.Connection()

    def _print(
        self, pdf_path: Path, title: str, report: ProgressCallback, cancel: threading.Event | None
    ) -> PrintOutcome:
        import cups

        try:
            conn = self._connect()
        except RuntimeError as exc:  # pycups: no server answering
            return PrintOutcome(PrintStatus.CUPS_UNREACHABLE, f"{self.description}: {exc}")

        job_id: int | None = None
        try:
            printer = conn.getPrinterAttributes(self.queue, requested_attributes=_PRINTER_ATTRIBUTES)
            refused = self._refusal(printer)
            if refused is not None:
                return refused
            job_id = int(conn.printFile(self.queue, str(pdf_path), title, {}))
            report(PrintProgress("queued", detail=f"job {job_id}"))
            return self._follow(conn, job_id, report, cancel)
        except cups.IPPError as exc:
            status, message = (exc.args + (None, ""))[:2]
            if status == cups.IPP_NOT_FOUND:
                outcome = PrintOutcome(
                    PrintStatus.OFFLINE, f"{self.description}: no such queue ({message})", job_id
                )
            elif status in (cups.IPP_NOT_ACCEPTING, cups.IPP_PRINTER_BUSY):
                outcome = PrintOutcome(
                    PrintStatus.QUEUE_STOPPED, f"{self.description} refuses jobs ({message})", job_id
                )
            elif status in (cups.IPP_SERVICE_UNAVAILABLE, -1) or not self._reachable():
                # libcups reports a connection lost mid-request as an internal IPP error (1280) whose
                # text is the last errno: ask the server again to tell that from a real server error.
                outcome = PrintOutcome(
                    PrintStatus.CUPS_UNREACHABLE, f"{self.description}: IPP error {status} {message}", job_id
                )
            else:
                outcome = PrintOutcome(
                    PrintStatus.ABORTED, f"{self.description}: IPP error {status} {message}", job_id
                )
            self._cancel_quietly(conn, job_id)
            return outcome
        except (RuntimeError, OSError) as exc:  # the connection dropped: cupsd stopped or restarted
            return PrintOutcome(PrintStatus.CUPS_UNREACHABLE, f"{self.description}: {exc}", job_id)

    def _reachable(self) -> bool:
        """Whether cupsd answers now, and still a moment later: a cupsd that is stopping can answer once
        more after it dropped the job's connection, and is gone by the second question."""
        for attempt in range(2):
            if attempt:
                time.sleep(REACHABLE_RECHECK_SECONDS)
            try:
                self._connect().getDefault()
            except Exception:
                return False
        return True

    def _refusal(self, printer: dict[str, Any]) -> PrintOutcome | None:
        """Do not queue a job that cannot print now: it would come out later, in front of someone else."""
        reasons = _as_list(printer.get("printer-state-reasons"))
        message = printer.get("printer-state-message") or ""
        if printer.get("printer-is-accepting-jobs") is False:
            return PrintOutcome(
                PrintStatus.QUEUE_STOPPED, f"{self.description} is not accepting jobs {reasons}"
            )
        if printer.get("printer-state") == PRINTER_STOPPED:
            return PrintOutcome(
                PrintStatus.QUEUE_STOPPED, f"{self.description} is stopped {reasons} {message}".strip()
            )
        return None

    def _follow(
        self, conn: Any, job_id: int, report: ProgressCallback, cancel: threading.Event | None
    ) -> PrintOutcome:
        deadline = time.monotonic() + self.timeout_seconds
        # A local job completes in tens of ms: look every 10 ms for the first second (cheap on a local
        # socket), then back off to poll_seconds for jobs that wait on paper or a person.
        fast_until = time.monotonic() + 1.0
        delay = 0.01
        last: PrintProgress | None = None
        fault: PrintStatus | None = None
        detail = ""
        while True:
            job = conn.getJobAttributes(job_id, requested_attributes=_JOB_ATTRIBUTES)
            state = int(job.get("job-state", 0))
            if state == JOB_COMPLETED:
                return PrintOutcome(
                    PrintStatus.PRINTED, f"{self.description}: job {job_id} completed", job_id
                )
            if state in (JOB_CANCELED, JOB_ABORTED):
                reasons = _as_list(job.get("job-state-reasons"))
                message = job.get("job-printer-state-message") or ""
                word = "aborted" if state == JOB_ABORTED else "canceled"
                return PrintOutcome(
                    PrintStatus.ABORTED,
                    f"{self.description}: job {job_id} {word} {reasons} {message}".strip(),
                    job_id,
                )
            printer = conn.getPrinterAttributes(self.queue, requested_attributes=_PRINTER_ATTRIBUTES)
            reasons = _as_list(printer.get("printer-state-reasons"))
            message = printer.get("printer-state-message") or ""
            if printer.get("printer-state") == PRINTER_STOPPED or state == JOB_STOPPED:
                # Stopped (a backend gave up, or staff paused the queue): it will not resume by itself.
                self._cancel_quietly(conn, job_id)
                return PrintOutcome(
                    PrintStatus.QUEUE_STOPPED,
                    f"{self.description} stopped with job {job_id} {reasons} {message}".strip(),
                    job_id,
                )
            fault = fault_of(reasons)
            detail = f"{self.description}: job {job_id} state {state} {reasons} {message}".strip()
            progress = PrintProgress(
                "held" if fault else ("printing" if state == JOB_PROCESSING else "queued"), fault, message
            )
            if progress != last:
                report(progress)
                if fault is not None:
                    log.warning("printer fault while printing: %s", detail)
                last = progress
            if cancel is not None and cancel.is_set():
                self._cancel_quietly(conn, job_id)
                return PrintOutcome(PrintStatus.ABORTED, f"{detail}; cancelled at the kiosk", job_id)
            if time.monotonic() >= deadline:
                self._cancel_quietly(conn, job_id)
                status = fault or PrintStatus.TIMED_OUT
                return PrintOutcome(
                    status, f"{detail}; not completed after {self.timeout_seconds:g} s, job cancelled", job_id
                )
            time.sleep(delay)
            if time.monotonic() > fast_until:
                delay = min(delay * 2, self.poll_seconds)

    def _cancel_quietly(self, conn: Any, job_id: int | None) -> None:
        if job_id is None:
            return
        try:
            conn.cancelJob(job_id, purge_job=False)
        except Exception as exc:  # already finished, or CUPS gone: nothing more to do
            log.info("could not cancel job %s on %s: %s", job_id, self.queue, exc)


# --- a folder, for demos -------------------------------------------------------------------------


#: How long the folder printer keeps a PDF by default: a workshop's morning or afternoon.
DEFAULT_FOLDER_KEEP_SECONDS = 3 * 3600.0
#: The names FolderPrinter gives its files (and the only files `prune_folder` ever deletes).
_FOLDER_FILE = re.compile(r"^\d{8}-\d{6}-\d{6}-[a-z0-9-]*\.(?:pdf|part)$")


def prune_folder(folder: Path, keep_seconds: float, now: Callable[[], float] = time.time) -> int:
    """Delete the folder printer's PDFs (and half-written copies) older than `keep_seconds`.

    Only files named as FolderPrinter names them are touched, so a folder set by mistake to one that
    holds other files loses none of them. Returns how many were deleted; a missing folder is fine.
    """
    deadline = now() - keep_seconds
    deleted = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("PDF folder %s cannot be read to delete old documents: %s", folder, exc.strerror)
        return 0
    for entry in entries:
        if not _FOLDER_FILE.match(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime < deadline:
                os.unlink(entry.path)
                deleted += 1
        except FileNotFoundError:
            continue  # deleted meanwhile (another kiosk process pruning the same folder)
        except OSError as exc:
            log.warning("old document %s could not be deleted: %s", entry.name, exc.strerror)
    if deleted:
        log.info(
            "PDF folder %s: %d document(s) older than %.0f min deleted", folder, deleted, keep_seconds / 60
        )
    return deleted


class FolderPrinter(Printer):
    """Writes each PDF into `folder`: the demo's and the training room's printer.

    A document is readable by the kiosk's user only (0600; a folder it creates is 0700), and is deleted
    `keep_seconds` after it was printed: the trainer can open what the participants printed during the
    workshop, and nothing of it stays for good. Old documents are deleted at each print (and by
    `prune()`, which the kiosk calls when it starts and exits).
    """

    def __init__(
        self,
        folder: Path,
        clock: Callable[[], datetime] = datetime.now,
        *,
        keep_seconds: float = DEFAULT_FOLDER_KEEP_SECONDS,
        now: Callable[[], float] = time.time,
    ) -> None:
        """`clock` names the files; `now` (the file system's time) decides which are old enough to go."""
        self.folder = Path(folder)
        self.keep_seconds = keep_seconds
        self._clock = clock
        self._now = now

    @property
    def description(self) -> str:
        return f"PDF folder {self.folder}"

    def prune(self) -> int:
        """Delete the documents older than `keep_seconds`; how many went."""
        return prune_folder(self.folder, self.keep_seconds, self._now)

    def _print(
        self, pdf_path: Path, title: str, report: ProgressCallback, cancel: threading.Event | None
    ) -> PrintOutcome:
        report(PrintProgress("printing"))
        slug = re.sub(r"[^A-Za-z0-9]+", "-", _ascii(title)).strip("-").lower()[:60] or "document"
        stamp = self._clock().strftime("%Y%m%d-%H%M%S-%f")
        target = self.folder / f"{stamp}-{slug}.pdf"
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.prune()
            partial = target.with_suffix(".part")
            # Created 0600 from the start (never readable by others, not even while it is written).
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out, pdf_path.open("rb") as src:
                os.fchmod(out.fileno(), 0o600)  # a .part left by a crash may have had other bits
                shutil.copyfileobj(src, out)
            partial.replace(target)  # never a half-written PDF in the folder
        except OSError as exc:
            return PrintOutcome(PrintStatus.OFFLINE, f"{self.description}: {exc.strerror or exc}")
        return PrintOutcome(PrintStatus.PRINTED, f"written to {target}")


def _ascii(value: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def printer_from_settings(
    kind: str,
    name: str,
    cups_server: str,
    folder: Path | str,
    timeout_seconds: float,
    *,
    folder_keep_seconds: float = DEFAULT_FOLDER_KEEP_SECONDS,
) -> Printer:
    """The printer `[printer]` in config.toml describes (plain values: printing never imports the kiosk)."""
    if kind == "cups":
        return CupsPrinter(name, cups_server, timeout_seconds)
    if kind == "folder":
        return FolderPrinter(Path(folder), keep_seconds=folder_keep_seconds)
    raise ValueError(f"unknown printer kind {kind!r} (expected 'cups' or 'folder')")
