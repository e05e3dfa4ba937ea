"""Transaction-scoped locks on a name, for the checks a unique constraint alone cannot make (one citizen's
bookings, a service's turn numbers of a day, an activity's draw). On PostgreSQL an advisory lock, held
until the transaction ends; on SQLite the write transaction already is the lock."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")


def advisory_lock(session: Session, space: int, name: str) -> None:
    """Serialise the transactions that lock `name` in `space` (a namespace: the first half of the
    two-key form) until they end; two names that share a key only serialise more."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)
        session.execute(_ADVISORY_LOCK, {"space": space, "key": key})
