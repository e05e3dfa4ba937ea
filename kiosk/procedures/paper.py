"""The print step of every procedure: the printing part's `PrintScreen` on top of the result screen.

The result screen calls `print_document(screen, payload, done)`; `done` receives one sentence for the
citizen saying what happened (printed, or not and why), shown under the result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from kiosk.i18n import _
from kiosk.printstep import PrintScreen
from printing.documents import DocumentError, document_from_payload
from printing.printers import PrintOutcome
from printing.render import document_title

log = logging.getLogger(__name__)


def print_document(screen: Screen[Any], payload: dict[str, Any], done: Callable[[str], None]) -> None:
    try:
        document = document_from_payload(payload)
    except DocumentError as exc:
        log.error("document cannot be printed: %s", exc)
        done(_("This document cannot be printed here. Its details are on the screen; ask at the counter."))
        return

    def answer(outcome: PrintOutcome | None) -> None:
        done(outcome_text(outcome))

    screen.app.push_screen(PrintScreen(document, document_title(document)), answer)


def outcome_text(outcome: PrintOutcome | None) -> str:
    if outcome is not None and outcome.printed:
        return _("Printed. Please take your paper from the printer.")
    return _("It was not printed. You can press Print to try again.")
