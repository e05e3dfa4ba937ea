"""The procedures' side of the backend client: where the client is, which of its errors a citizen can
meet and what to tell them, and small helpers for the payloads it returns.

The client (`kiosk.backend.client.BackendClient`, set by the app as `app.backend`) is blocking: call it
only from thread workers.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from kiosk.backend.client import (
    BackendClient,
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
    "client",
    "ends_flow",
    "local_time",
    "payload",
]


def client(app: Any) -> BackendClient:
    backend = getattr(app, "backend", None)
    if backend is None:
        raise BackendUnavailable("the app has no backend client")
    assert isinstance(backend, BackendClient)
    return backend


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


def payload(result: Any) -> dict[str, Any]:
    """The document payload of a client result (a dict, a pydantic model or a dataclass)."""
    if isinstance(result, dict):
        return result
    for attribute in ("payload", "document"):
        inner = getattr(result, attribute, None)
        if isinstance(inner, dict):
            return inner
    if hasattr(result, "model_dump"):
        dumped = result.model_dump(mode="json")
        assert isinstance(dumped, dict)
        return dumped
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    raise TypeError(f"cannot read a document payload from {type(result).__name__}")


def local_time(value: Any) -> str:
    """`2026-03-02T10:15:00+01:00` → `02/03/2026 10:15`."""
    if value is None:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%d/%m/%Y %H:%M")


def local_date(value: Any) -> str:
    """`2026-03-02` → `02/03/2026`."""
    text = str(value or "")
    parts = text[:10].split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return text
