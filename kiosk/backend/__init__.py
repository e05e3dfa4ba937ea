"""The municipal backend client: typed results and typed errors; no HTTP object leaves it."""

from kiosk.backend.client import (
    BackendClient,
    BackendError,
    BackendUnavailable,
    NotAuthorised,
    Rejected,
    SessionExpired,
    new_idempotency_key,
)

__all__ = [
    "BackendClient",
    "BackendError",
    "BackendUnavailable",
    "NotAuthorised",
    "Rejected",
    "SessionExpired",
    "new_idempotency_key",
]
