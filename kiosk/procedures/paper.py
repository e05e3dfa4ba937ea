"""The print step of every procedure: the printing part's `PrintScreen` on top of the result screen.

The result screen calls `print_document(screen, document, done)` with the document the backend issued
(a `contract.documents` model, as the client returned it); `done` receives one sentence for the citizen
saying what happened (printed, or not and why), shown under the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from contract.documents import Document
from kiosk.i18n import _
from kiosk.printstep import PrintScreen
from printing.printers import PrintOutcome
from printing.render import document_title


def print_document(screen: Screen[Any], document: Document, done: Callable[[str], None]) -> None:
    def answer(outcome: PrintOutcome | None) -> None:
        done(outcome_text(outcome))

    screen.app.push_screen(PrintScreen(document, document_title(document)), answer)


def outcome_text(outcome: PrintOutcome | None) -> str:
    return (
        _("Printed. Please take your paper from the printer.")
        if outcome is not None and outcome.printed
        else _("It was not printed. You can press Print to try again.")
    )
