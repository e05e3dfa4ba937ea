"""The print step: render the document into the session's temp folder, print it in a thread worker,
show what is happening, and end with the outcome.

While the printer holds the job with a fault (out of paper, jam, off line) the citizen sees it and may
cancel; a fault that clears lets the job complete. When the paper did not come out, the screen says why
in plain words, offers "Try again", and tells the citizen how to get the same document later with its
CSV. Staff find the printer's own reason in the log, which never carries citizen data. If the session
ends meanwhile (card removed, inactivity) the job is cancelled, so nothing prints for the next person.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, LoadingIndicator, Static

from contract.documents import Document
from kiosk.i18n import N_, _
from kiosk.screens.base import KioskModal
from kiosk.session import CitizenSession, EndReason
from printing.printers import PrintOutcome, PrintProgress, PrintStatus
from printing.render import default_renderer
from widgets.plain import plain

log = logging.getLogger(__name__)

#: What happened, for the citizen (message ids; translated when shown).
_FAULTS: dict[PrintStatus, str] = {
    PrintStatus.OUT_OF_PAPER: N_("The printer has run out of paper."),
    PrintStatus.PAPER_JAM: N_("The paper is stuck inside the printer."),
    PrintStatus.OFFLINE: N_("The printer is switched off or not connected."),
    PrintStatus.QUEUE_STOPPED: N_("The printer has been stopped and is not printing right now."),
    PrintStatus.ABORTED: N_("The printer could not print the document."),
    PrintStatus.CUPS_UNREACHABLE: N_("The kiosk cannot reach its printer service."),
    PrintStatus.TIMED_OUT: N_("The printer took too long, so the kiosk cancelled the printing."),
}
#: While a fault holds the job (it may still print when it clears).
_WAITING: dict[PrintStatus, str] = {
    PrintStatus.OUT_OF_PAPER: N_(
        "The printer has run out of paper. Please ask a member of staff to refill it."
    ),
    PrintStatus.PAPER_JAM: N_(
        "The paper is stuck inside the printer. Please ask a member of staff to clear it."
    ),
    PrintStatus.OFFLINE: N_("The printer is not answering. Please ask a member of staff to check it."),
}


def fault_text(status: PrintStatus) -> str:
    """The citizen's sentence for a print that failed, in the UI language."""
    return _(_FAULTS.get(status, N_("The printer could not print the document.")))


def collect_text(hint: str) -> str:
    """Where to pick the paper up: the kiosk's `collect_hint`, or a general sentence."""
    if hint:
        return _("Please collect it: {where}").format(where=hint)
    return _("Please collect it from the printer of this kiosk.")


class PrintScreen(KioskModal):
    """Print one document and dismiss with the final `PrintOutcome`."""

    CSS_PATH = Path(__file__).parent / "printstep.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", show=False)]
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"print-done": "leave", "print-skip": "leave"}

    @dataclass
    class Progress(Message):
        """From the print worker: the job's state changed."""

        progress: PrintProgress

    @dataclass
    class Finished(Message):
        """From the print worker: the job ended."""

        outcome: PrintOutcome

    def __init__(self, document: Document, title: str) -> None:
        super().__init__(id="print-step")
        self.document = document
        self.title_text = title
        self.outcome: PrintOutcome | None = None
        self.attempts = 0
        self._pdf: Path | None = None
        self._cancel = threading.Event()
        self._session: CitizenSession | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Vertical(id="print-box"):
            yield Static(_("Printing your document"), id="print-heading")
            yield Static(plain(self.title_text), id="print-title")
            yield LoadingIndicator(id="print-spinner")
            yield Static(_("Preparing the document…"), id="print-status")
            yield Static("", id="print-later")
            with Horizontal(id="print-buttons"):
                yield Button(_("Cancel printing"), id="print-cancel", variant="warning", classes="big")
                yield Button(_("Try again"), id="print-retry", variant="primary", classes="big")
                yield Button(_("Continue"), id="print-done", variant="success", classes="big")
                yield Button(_("Continue without printing"), id="print-skip", classes="big")

    def on_mount(self) -> None:
        super().on_mount()
        session = self.kiosk.session or self.kiosk.begin_session()
        self._session = session
        # Card out, inactivity, staff: stop the job, so it never prints for whoever comes next.
        session.add_wipe_listener(self._session_wiped)
        self._show_working()
        if self.outcome is None:  # not after a language change, which recomposes
            self._start()

    def _session_wiped(self, session: CitizenSession, reason: EndReason) -> None:
        self._cancel.set()

    def on_unmount(self) -> None:
        # Popped while a job still runs (session wiped, app closing): the job must not go on alone.
        self._cancel.set()

    def _buttons(self, *visible: str) -> None:
        for button in self.query("#print-buttons Button"):
            button.display = button.id in visible
        if visible:
            self.query_one(f"#{visible[0]}", Button).focus()

    def _status(self, text: str) -> None:
        self.query_one("#print-status", Static).update(plain(text, lines=True))

    def _show_working(self) -> None:
        self.query_one("#print-heading", Static).update(_("Printing your document"))
        self.query_one("#print-spinner").display = True
        self.query_one("#print-later", Static).update("")
        self._buttons()

    # ------------------------------------------------------------------ the worker
    def _start(self) -> None:
        self.attempts += 1
        self._cancel.clear()
        self.outcome = None
        self._show_working()
        self._status(_("Preparing the document…"))
        self._print(self.kiosk.settings)

    @work(thread=True, exclusive=True, exit_on_error=False, group="print", description="Printing")
    def _print(self, settings: Any) -> None:
        try:
            pdf = self._make_pdf(settings.training)
        except Exception as exc:  # the document could not be made: say so, never crash the kiosk
            log.error("print step: rendering failed: %s", type(exc).__name__)
            self.post_message(
                self.Finished(PrintOutcome(PrintStatus.ABORTED, f"render failed: {type(exc).__name__}"))
            )
            return
        printer = self.kiosk.printer()

        def report(progress: PrintProgress) -> None:
            self.post_message(self.Progress(progress))

        outcome = printer.submit(pdf, self.title_text, on_progress=report, cancel=self._cancel)
        self.post_message(self.Finished(outcome))

    def _make_pdf(self, kiosk_training: bool) -> Path:
        """The PDF, in the session's temp folder only (deleted with the session); made once per screen."""
        if self._pdf is not None and self._pdf.exists():
            return self._pdf
        assert self._session is not None
        pdf = default_renderer().render(self.document, training=kiosk_training)
        path = self._session.temp_dir / f"document-{self.document.csv}.pdf"
        path.write_bytes(pdf)
        self._pdf = path
        return path

    # ------------------------------------------------------------------ what the worker says
    @on(Progress)
    def _progress(self, message: Progress) -> None:
        progress = message.progress
        if progress.fault is not None and progress.fault in _WAITING:
            self._status(
                _(_WAITING[progress.fault]) + "\n" + _("The document will print as soon as it is fixed.")
            )
            self._buttons("print-cancel")
        elif progress.state == "printing":
            self._status(_("Printing…"))
            self._buttons()
        else:
            self._status(_("Sending the document to the printer…"))
            self._buttons()

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        outcome = self.outcome = message.outcome
        self.query_one("#print-spinner").display = False
        heading = self.query_one("#print-heading", Static)
        if outcome.printed:
            heading.update(_("Printed"))
            log.info("print step: printed (%s)", outcome.detail)
            self._status(
                _("Your document has been printed.")
                + "\n"
                + collect_text(self.kiosk.settings.printer.collect_hint)
            )
            self._buttons("print-done")
            return
        # Staff read the printer's reason here; the detail names queues and jobs, never the citizen.
        log.warning("print step: not printed, %s: %s", outcome.status.value, outcome.detail)
        heading.update(_("The document was not printed"))
        self._status(
            fault_text(outcome.status) + "\n" + _("You can try again, or ask a member of staff for help.")
        )
        self.query_one("#print-later", Static).update(
            plain(
                _(
                    "You can also get this document later on the city's website, at {url} "
                    "(secure verification code, CSV: {csv})."
                ).format(url=self.document.verify_url, csv=self.document.csv)
            )
        )
        self._buttons("print-retry", "print-skip")

    # ------------------------------------------------------------------ buttons
    @on(Button.Pressed, "#print-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self._start()

    @on(Button.Pressed, "#print-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._cancel.set()
        self._status(_("Cancelling…"))
        self._buttons()

    def action_leave(self) -> None:
        """Escape or a closing button: only once the job has ended (a running job is cancelled first)."""
        if self.outcome is None:
            return
        self.dismiss(self.outcome)
