"""Engine, sessions and schema migrations (Alembic, run on start) for SQLite and PostgreSQL.

SQLite runs in WAL mode with `BEGIN IMMEDIATE` transactions: readers never block the writer, and a
transaction that reads and then writes (a registry number, an idempotency record) takes the write lock
up front instead of failing half-way with "database is locked".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from municipal.models import Base

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def default_url(folder: Path | None = None) -> str:
    return f"sqlite:///{(folder or Path.cwd()) / 'municipal.sqlite3'}"


def make_engine(
    url: str,
    *,
    pool_size: int = 20,
    max_overflow: int | None = None,
    read_only: bool = False,
    checkpoint_in_background: bool = False,
) -> Engine:
    """`read_only` (SQLite): plain deferred transactions, for reads that must not take the write lock.
    `checkpoint_in_background` (SQLite): commits never checkpoint; call `start_checkpointer`.
    `max_overflow`: connections opened beyond `pool_size` (-1: any number) rather than waited for; by
    default none on SQLite, 10 on PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=0 if max_overflow is None else max_overflow,
            pool_timeout=30,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control away from pysqlite so that "begin" below is the only BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA journal_size_limit=67108864")  # give the WAL's space back after a reset
            if checkpoint_in_background:
                # No checkpoint inside a commit (it would run under the writer lock and stall every
                # writer behind it): `start_checkpointer` copies the WAL back from a thread of its own.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    overflow = 10 if max_overflow is None else max_overflow
    return create_engine(url, pool_size=pool_size, max_overflow=overflow, pool_pre_ping=True)


def start_checkpointer(engine: Engine, every_seconds: float = 1.0) -> threading.Event:
    """Checkpoint the SQLite WAL every few seconds from a daemon thread (PASSIVE: it never blocks a
    reader or the writer). Set the returned event to stop it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_seconds):
            try:
                # A raw connection: outside any transaction, as a checkpoint must be.
                connection = engine.raw_connection()
                try:
                    cursor = connection.cursor()
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.close()
                finally:
                    connection.close()
            except Exception:  # a failed checkpoint is retried on the next tick
                log.warning("WAL checkpoint failed", exc_info=True)

    threading.Thread(target=run, name="sqlite-checkpointer", daemon=True).start()
    return stop


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class SquashedSchema(RuntimeError):
    """The database was made by a development version whose revisions have since been squashed into the
    initial one (pre-release): it cannot be upgraded, and is never dropped or remade here (it could be
    anyone's); the message says to delete it."""


def migrate(engine: Engine) -> None:
    """Bring the schema to the head revisions (a migration that depends on no other one after its base
    is a branch of its own); a city upgrades in place without losing data. A database at a revision that
    no longer exists, or stamped with the initial revision but made before tables were squashed into it,
    raises `SquashedSchema`."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        unknown = sorted(set(MigrationContext.configure(connection).get_current_heads()) - known)
        if unknown:
            raise SquashedSchema(_squashed_message(engine, f"is at schema revision {', '.join(unknown)}"))
        command.upgrade(config, "heads")
        missing = sorted(set(Base.metadata.tables) - set(inspect(connection).get_table_names()))
        if missing:
            raise SquashedSchema(_squashed_message(engine, f"lacks the tables {', '.join(missing)}"))


def _squashed_message(engine: Engine, what: str) -> str:
    where = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    named = f"the file {where} (and its -wal and -shm files)" if where else "it"
    return (
        f"The database {engine.url.render_as_string(hide_password=True)} {what}: it was made by a"
        " development version of the backend, whose schema revisions have since been squashed into"
        " revision 0001 (before the first release, no city database exists at them), and it cannot be"
        f" upgraded. Such a database holds only demo, training or test data: delete {named} and start"
        " again, and a new one is made (`python -m municipal seed --demo` or `serve --seed-demo` loads the"
        " demo data). It is not deleted for you."
    )


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).has_table("people")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session, session.begin():
        yield session
