"""What every request handler shares: settings, the database, the trust store, the kiosk-key cache and
the throttle on refused kiosk keys."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine
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


@functools.cache
def _dummy_hash() -> str:
    """What a key for an unknown or inactive kiosk id is checked against: such a refusal costs the same
    scrypt as a wrong key for a known kiosk, so the time of a 401 tells nothing about which ids exist."""
    return hash_kiosk_key(secrets.token_urlsafe(32))


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


def kiosk_token(kiosk_id: str, key: str) -> bytes:
    """What the kiosk-key cache knows a kiosk id and key by (never the key itself)."""
    return hashlib.sha256(f"{kiosk_id}\0{key}".encode()).digest()


class RefusalThrottle:
    """Refused kiosk keys counted per client address: past `limit` refusals within `window` seconds,
    further unverified attempts from that address are answered 429 without running scrypt.

    Held in the process on purpose. What it protects is this process's CPU (each refusal costs a
    scrypt run, ~50 ms), and a process that restarts or another worker that has not seen the address
    yet only costs that many scrypt runs again; the answer to a right key never depends on it (a key
    verified recently passes even from a throttled address). A shared table would instead cost a
    database write per refusal, a load an attacker could drive. With N workers an address gets at
    most N x `limit` scrypt runs per window; the reverse proxy's per-address rate limit bounds the rest
    (docs/backend-contract.md)."""

    def __init__(self, limit: int = 20, window: float = 60.0, addresses: int = 10_000):
        self.limit = limit
        self.window = window
        self._addresses = addresses
        #: address -> (refusals in the current window, monotonic start of that window)
        self._counts: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def attempt(self, address: str) -> int:
        """Count an attempt from `address` as refused until `passed` says otherwise (so that attempts
        running at the same time are counted too). Returns 0 when it may go on, or the seconds until
        `address` may try again (the attempt is then not counted)."""
        now = time.monotonic()
        with self._lock:
            count, start = self._counts.pop(address, (0, now))
            if now - start >= self.window:
                count, start = 0, now
            wait = 0 if count < self.limit else max(1, int(start + self.window - now + 0.999))
            self._counts[address] = (count if wait else count + 1, start)
            while len(self._counts) > self._addresses:
                self._counts.popitem(last=False)  # the address seen longest ago
            return wait

    def passed(self, address: str) -> None:
        """The attempt counted by `attempt` had the right key after all."""
        with self._lock:
            count, start = self._counts.get(address, (0, 0.0))
            if count > 0:
                self._counts[address] = (count - 1, start)


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
    #: SQLite only: the engine of `read_on_loop`, None on PostgreSQL (whose reads go to the thread pool).
    loop_reader: Engine | None = None
    _writer_lock: contextlib.AbstractContextManager[object] = field(default_factory=contextlib.nullcontext)
    #: sha256(kiosk id, key) -> monotonic expiry: scrypt runs once a minute per kiosk, not per request.
    _verified: dict[bytes, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    refusals: RefusalThrottle = field(default_factory=RefusalThrottle)

    @classmethod
    def create(cls, settings: ServerSettings) -> Context:
        sqlite = settings.database_url.startswith("sqlite")
        engine = database.make_engine(settings.database_url, checkpoint_in_background=sqlite)
        readers = database.make_engine(settings.database_url, read_only=True) if sqlite else engine
        if sqlite:
            database.start_checkpointer(readers)
        # One connection kept for the event loop's reads; more are opened rather than waited for (the
        # loop must never queue on a pool), should another thread ever read through it at once.
        loop_reader = (
            database.make_engine(settings.database_url, read_only=True, pool_size=1, max_overflow=-1)
            if sqlite
            else None
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=database.session_factory(engine),
            readers=database.session_factory(readers),
            trust=TrustStore(settings.trust_anchors, settings.revoked, settings.crls),
            loop_reader=loop_reader,
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

    @contextmanager
    def read_on_loop(self) -> Iterator[Connection]:
        """SQLite only (see `loop_reader`): a read-only transaction short enough to run on the event loop
        itself, such as one row by its key. A local WAL read neither waits for the writer nor for a
        pooled connection, and costs less than a trip through the thread pool (two thread switches and
        the GIL handed over twice), which made up most of the time a request's citizen check took."""
        assert self.loop_reader is not None, "read_on_loop is for SQLite"
        with self.loop_reader.connect() as connection, connection.begin():
            yield connection

    def kiosk_cached(self, kiosk_id: str, key: str) -> bool:
        """True when this kiosk and key were verified less than a minute ago (no database, no scrypt)."""
        token = kiosk_token(kiosk_id, key)
        with self._lock:
            return self._verified.get(token, 0.0) > time.monotonic()

    def kiosk_is_valid(self, kiosk_id: str, key: str) -> bool:
        """Whether `key` is this active kiosk's. The same work whether the id is known or not: an unknown
        or inactive kiosk's key is checked against a dummy hash."""
        token = kiosk_token(kiosk_id, key)
        now = time.monotonic()
        if self.kiosk_cached(kiosk_id, key):
            return True
        with self.read() as session:
            kiosk = session.get(Kiosk, kiosk_id)
            stored = kiosk.key_hash if kiosk is not None and kiosk.active else None
        matches = verify_kiosk_key(key, stored or _dummy_hash())
        if stored is None or not matches:
            return False
        with self._lock:
            self._verified[token] = now + 60.0
        return True
