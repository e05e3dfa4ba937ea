"""The procedures' side of the backend client: where the client is, which of its errors a citizen can
meet and what to tell them, and how its dates are shown. Its answers are the contract's models
(`contract.v1`, `contract.documents`): the procedures read their attributes and hand the documents to
printing as they are.

The client (`kiosk.backend.client.BackendClient`, a screen's `self.kiosk.backend`) is blocking: call it
only from thread workers.
"""

from __future__ import annotations

from datetime import date, datetime

from kiosk.backend.client import (
    BackendError,
    BackendUnavailable,
    NotAuthorised,
    Rejected,
    SessionExpired,
)
from kiosk.i18n import _

__all__ = [
    "BackendError",
    "BackendUnavailable",
    "NotAuthorised",
    "Rejected",
    "SessionExpired",
    "citizen_message",
    "ends_flow",
    "local_date",
    "local_time",
]


def citizen_message(exc: BackendError) -> str:
    """What the citizen reads when a backend call fails."""
    if isinstance(exc, BackendUnavailable):
        return _(
            "The city hall's service did not answer. Please try again in a moment: if your request "
            "had already arrived, it will not be registered twice."
        )
    if isinstance(exc, SessionExpired):
        return _("Your session with the city hall has expired. Please identify yourself again.")
    if isinstance(exc, NotAuthorised):
        return _("This kiosk cannot do this procedure right now. Please ask at the counter.")
    if isinstance(exc, Rejected) and exc.message:
        return str(exc.message)
    return _("The city hall's service could not complete this step. Please try again, or ask at the counter.")


def ends_flow(exc: BackendError) -> bool:
    """Whether the procedure cannot go on after this error (the session is gone)."""
    return isinstance(exc, SessionExpired | NotAuthorised)


def local_time(moment: datetime | None) -> str:
    """A moment as the backend sent it (Mataró's local time) → `02/03/2026 10:15`."""
    return "" if moment is None else moment.strftime("%d/%m/%Y %H:%M")


def local_date(day: date | None) -> str:
    """`2026-03-02` → `02/03/2026`."""
    return "" if day is None else day.strftime("%d/%m/%Y")
