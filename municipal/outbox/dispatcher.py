"""The outbox's dispatcher: claims due messages, sends each through its channel, and records what came
of it. Started as a thread by the server (`--outbox-config`) and by `python -m municipal dispatch`;
any number may run at once, on one database.

A claim is a lease: the row gets `claimed_by` and `lease_until`, taken with a compare-and-set update
(on PostgreSQL the candidates are first read `FOR UPDATE SKIP LOCKED`, so that dispatchers do not even
queue on each other's rows; on SQLite the write transaction is `BEGIN IMMEDIATE`, and the update's
condition repeats the selection's). A dispatcher that dies keeps its rows only until their lease runs
out; then another takes them. The attempt is counted at the claim, so a message that kills its
dispatcher also ends dead. Delivery is at least once: a dispatcher killed after the server accepted the
message and before it recorded `sent` has the message sent again after the lease, with the same
Message-ID / client reference, by which the receiving side recognises it.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.orm import Session

from municipal import timeutil
from municipal.models import OutboxMessage
from municipal.outbox.config import OutboxConfig
from municipal.outbox.senders import Outgoing, PermanentFailure, Sender, TemporaryFailure, senders
from municipal.outbox.templates import render

log = logging.getLogger("municipal.outbox")
RETRYABLE = ("pending", "failed")


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    message: Outgoing


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        config: OutboxConfig,
        senders: dict[str, Sender],
        *,
        worker: str | None = None,
        clock: Callable[[], datetime] = timeutil.now,
    ):
        self.engine = engine
        self.config = config
        self.senders = senders
        self.worker = worker or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.clock = clock

    def _due(self, now: datetime) -> tuple[ColumnElement[bool], ...]:
        return (
            OutboxMessage.state.in_(RETRYABLE),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.channel.in_(tuple(self.senders)),
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )

    def claim(self, limit: int = 20) -> list[Claimed]:
        """Lease up to `limit` due messages to this dispatcher."""
        now = self.clock()
        lease = now + timedelta(seconds=self.config.lease_seconds)
        with Session(self.engine) as session, session.begin():
            candidates = (
                select(OutboxMessage.id)
                .where(*self._due(now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
            if self.engine.dialect.name == "postgresql":
                candidates = candidates.with_for_update(skip_locked=True)
            won: list[int] = []
            for message_id in session.scalars(candidates).all():
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, *self._due(now))
                    .values(claimed_by=self.worker, lease_until=lease, attempts=OutboxMessage.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if getattr(result, "rowcount", 0) == 1:
                    won.append(message_id)
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(won))).all()
            return [self._claimed(row) for row in sorted(rows, key=lambda r: r.id)]

    @staticmethod
    def _claimed(row: OutboxMessage) -> Claimed:
        content = render(row.kind, row.language, json.loads(row.payload))
        message = Outgoing(row.channel, row.recipient, row.language, row.idempotency_key, content)
        return Claimed(row.id, row.attempts, message)

    def deliver(self, claimed: Claimed) -> Exception | None:
        """Send one claimed message: None when accepted, else the failure."""
        try:
            self.senders[claimed.message.channel].send(claimed.message)
        except (TemporaryFailure, PermanentFailure) as failure:
            return failure
        except Exception as error:  # a sender's bug must not stop the others: counted as temporary
            log.exception("outbox message %d: sender failed", claimed.id)
            return TemporaryFailure(f"{type(error).__name__}")
        return None

    def settle(self, claimed: Claimed, failure: Exception | None) -> str:
        """Record the outcome, if this dispatcher still holds the lease; the new state."""
        now = self.clock()
        values: dict[str, object] = {"claimed_by": None, "lease_until": None}
        if failure is None:
            values.update(state="sent", sent_at=now, next_attempt_at=None, last_error="")
        elif isinstance(failure, PermanentFailure) or claimed.attempts >= self.config.max_attempts:
            values.update(state="dead", next_attempt_at=None, last_error=str(failure)[:300])
        else:
            delay = timedelta(seconds=self.config.backoff(claimed.attempts))
            values.update(state="failed", next_attempt_at=now + delay, last_error=str(failure)[:300])
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claimed.id, OutboxMessage.claimed_by == self.worker)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        state = str(values["state"])
        if getattr(result, "rowcount", 0) != 1:
            log.warning("outbox message %d: lease lost before it was recorded %s", claimed.id, state)
        elif failure is not None:
            log.warning("outbox message %d (try %d): %s -> %s", claimed.id, claimed.attempts, failure, state)
        return state

    def run_once(self) -> int:
        """Claim what is due and send it; the number of messages handled."""
        claimed = self.claim()
        for one in claimed:
            self.settle(one, self.deliver(one))
        return len(claimed)

    def run(self, stop: threading.Event) -> None:
        """Dispatch until `stop` is set; a database error is logged and tried again at the next tick."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("outbox dispatch failed")
                busy = 0
            if not busy:
                stop.wait(self.config.interval_seconds)


def start(dispatcher: Dispatcher) -> tuple[threading.Thread, threading.Event]:
    """Run `dispatcher` in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=dispatcher.run, args=(stop,), name="outbox-dispatcher", daemon=True)
    thread.start()
    return thread, stop


def start_for_server(engine: Engine, config_path: Path | None) -> threading.Event | None:
    """The server's dispatcher thread, when it has an outbox configuration; set the event to stop it."""
    if config_path is None:
        return None
    config = OutboxConfig.load(config_path)
    _thread, stop = start(Dispatcher(engine, config, senders(config)))
    return stop


def main(engine: Engine, config_path: Path, *, once: bool = False) -> None:
    """`python -m municipal dispatch`: migrate, then dispatch until SIGTERM / Ctrl+C (or once)."""
    import signal

    from municipal import database

    database.migrate(engine)
    config = OutboxConfig.load(config_path)
    worker = Dispatcher(engine, config, senders(config))
    if once:
        while worker.run_once():
            pass
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    log.info("outbox dispatcher %s started", worker.worker)
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        pass
