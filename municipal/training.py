"""Training mode's reset: erase everything done on a training backend and load the demo data again,
exactly as a fresh `seed --demo` leaves it. Only the registered kiosks stay.

Every table is emptied except `KEEP`, so a table added later is erased too unless it is listed here.
On PostgreSQL one `TRUNCATE ... RESTART IDENTITY` empties them and restarts their id sequences
(transactional there: a failed reset rolls back whole); on SQLite the ids restart by themselves, since
the tables have no AUTOINCREMENT and a rowid continues from the largest one left.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.orm import Session

from municipal import seed
from municipal.models import (
    ActivityApplication,
    AuthChallenge,
    Base,
    BustiaMessage,
    CitizenSession,
    DeixalleriaCard,
    IdempotencyRecord,
    Instancia,
    InstanciaAttachment,
    IssuedDocument,
    WeakLoginAttempt,
)

#: Tables the reset leaves alone: the kiosks, and the ID-hash key the servers on this database share
#: (`municipal.idkey`).
KEEP = frozenset({"kiosks", "server_keys"})

#: What citizens leave behind, counted before it is erased (the name is the answer's key).
_COUNTED: dict[str, type[Base]] = {
    "registry_entries": Instancia,
    "attachments": InstanciaAttachment,
    "documents": IssuedDocument,
    "bustia_messages": BustiaMessage,
    "activity_applications": ActivityApplication,
    "citizen_sessions": CitizenSession,
    "login_challenges": AuthChallenge,
    "login_attempts": WeakLoginAttempt,
    "idempotency_records": IdempotencyRecord,
}


def erased_tables() -> list[Table]:
    """Every table but `KEEP`, children before their parents."""
    return [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP]


def _count(session: Session, model: type[Base]) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def reset(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """Empty every table but the kiosks and seed the demo data, in the caller's transaction.
    Returns (what was erased, what the demo data holds again)."""
    erased = {name: _count(session, model) for name, model in _COUNTED.items()}
    cards_before = _count(session, DeixalleriaCard)
    tables = erased_tables()
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(session.get_bind().dialect.identifier_preparer.quote(t.name) for t in tables)
        session.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY"))
    else:
        for table in tables:
            session.execute(delete(table))
    restored = {what.replace(" ", "_"): n for what, n in seed.seed_demo_into(session).items()}
    # Card requests are the cards beyond the demo's (the API never deletes a card).
    erased["deixalleria_card_requests"] = max(0, cards_before - restored["deixalleria_cards"])
    return erased, restored
