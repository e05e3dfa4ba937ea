"""What every request handler shares: settings, the database, the trust store, the kiosk-key cache."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from municipal import database
from municipal.certificates import TrustStore
from municipal.models import Kiosk
from municipal.settings import ServerSettings

log = logging.getLogger(__name__)

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_kiosk_key(key: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(key.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + (
        f"{base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )


def verify_kiosk_key(key: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            key.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


class WriterLock:
    """One SQLite writer at a time across the threads of this process (a lock) and across uvicorn's
    worker processes (flock on a file beside the database): writers queue in the kernel instead of
    polling SQLite's busy handler, whose back-off sleeps would add tens of milliseconds."""

    def __init__(self, path: Path | None):
        self._thread_lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path is not None else None

    def __enter__(self) -> WriterLock:
        self._thread_lock.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    return Path(f"{database}-writer.lock") if database and database != ":memory:" else None


@dataclass
class Context:
    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    trust: TrustStore
    _writer_lock: contextlib.AbstractContextManager[object] = field(default_factory=contextlib.nullcontext)
    #: sha256(kiosk id, key) -> monotonic expiry: scrypt runs once a minute per kiosk, not per request.
    _verified: dict[bytes, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: ServerSettings) -> Context:
        sqlite = settings.database_url.startswith("sqlite")
        engine = database.make_engine(settings.database_url, checkpoint_in_background=sqlite)
        readers = database.make_engine(settings.database_url, read_only=True) if sqlite else engine
        if sqlite:
            database.start_checkpointer(readers)
        return cls(
            settings=settings,
            engine=engine,
            sessions=database.session_factory(engine),
            readers=database.session_factory(readers),
            trust=TrustStore(settings.trust_anchors, settings.revoked, settings.crls),
            _writer_lock=WriterLock(_sqlite_file(engine)) if sqlite else contextlib.nullcontext(),
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction. On SQLite the threads of this process take turns here, so that they
        queue on a lock instead of polling SQLite's busy handler (whose back-off sleeps add up to tens
        of milliseconds); other worker processes are still serialised by SQLite itself."""
        with self._writer_lock, self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: on SQLite (WAL) it neither waits for nor blocks the writer."""
        with self.readers() as session, session.begin():
            yield session

    def kiosk_cached(self, kiosk_id: str, key: str) -> bool:
        """True when this kiosk and key were verified less than a minute ago (no database, no scrypt)."""
        token = hashlib.sha256(f"{kiosk_id}\0{key}".encode()).digest()
        with self._lock:
            return self._verified.get(token, 0.0) > time.monotonic()

    def kiosk_is_valid(self, kiosk_id: str, key: str) -> bool:
        token = hashlib.sha256(f"{kiosk_id}\0{key}".encode()).digest()
        now = time.monotonic()
        if self.kiosk_cached(kiosk_id, key):
            return True
        with self.read() as session:
            kiosk = session.get(Kiosk, kiosk_id)
            stored = kiosk.key_hash if kiosk is not None and kiosk.active else None
        if stored is None or not verify_kiosk_key(key, stored):
            return False
        with self._lock:
            self._verified[token] = now + 60.0
        return True
