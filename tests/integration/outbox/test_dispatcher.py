"""The dispatcher against the real aiosmtpd and the HTTP SMS sink, on SQLite and PostgreSQL: a message
commits with its write or not at all; a mail server down, a dispatcher dead after claiming or after
sending: the message stays due and is delivered once later; retries with back-off, then dead; two
dispatchers never hold one message."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from devstack.smssink import SmsSink
from devstack.smtp import SmtpServer
from municipal import timeutil
from municipal.models import BustiaMessage, OutboxMessage
from municipal.outbox import enqueue
from municipal.outbox.config import OutboxConfig, SmsConfig, SmtpConfig
from municipal.outbox.dispatcher import Dispatcher
from municipal.outbox.senders import senders


class Clock:
    def __init__(self) -> None:
        self.at = timeutil.now()

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def config(mail: SmtpServer | None = None, sms: SmsSink | None = None, **kw: float) -> OutboxConfig:
    return OutboxConfig(
        from_address="OVAC Mataró <no-reply@ovac.test>",
        smtp=SmtpConfig(host=mail.host, port=mail.port, timeout_seconds=2) if mail else None,
        sms=SmsConfig(url=sms.url, timeout_seconds=2) if sms else None,
        backoff_base_seconds=10,
        lease_seconds=60,
        **kw,  # type: ignore[arg-type]
    )


def dispatcher(engine: Engine, cfg: OutboxConfig, clock: Clock) -> Dispatcher:
    return Dispatcher(engine, cfg, senders(cfg), clock=clock)


def add(
    engine: Engine, count: int = 1, *, email: str | None = "anna@example.org", phone: str | None = None
) -> None:
    with Session(engine) as session, session.begin():
        for n in range(count):
            enqueue(
                session,
                kind="bustia_received",
                language="ca",
                values={"reference": f"QS/2026/{n:06d}", "topic": "Enllumenat"},
                consent="bustia:contact",
                email=email,
                phone=phone,
            )


def states(engine: Engine) -> list[tuple[str, int]]:
    with Session(engine) as session:
        return [
            (r.state, r.attempts) for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_message_commits_with_its_write_or_not_at_all(engine: Engine) -> None:
    def bustia_row() -> BustiaMessage:
        now = timeutil.now()
        return BustiaMessage(
            reference="QS/2026/999999",
            kind="queixa",
            topic="t",
            text="x",
            kiosk_id="k",
            submitted_at=now,
            csv="C",
        )

    with pytest.raises(RuntimeError), Session(engine) as session, session.begin():
        session.add(bustia_row())
        add_in = enqueue(
            session, kind="bustia_received", language="ca", values={}, consent="c", email="a@b.cat"
        )
        assert add_in is not None
        session.flush()
        raise RuntimeError("the write fails after its message was written")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(BustiaMessage)) == 0
    with Session(engine) as session, session.begin():
        session.add(bustia_row())
        enqueue(session, kind="bustia_received", language="ca", values={"reference": "r", "topic": "t"},
                consent="c", email="a@b.cat")  # fmt: skip
    assert states(engine) == [("pending", 0)]


def test_smtp_down_then_up_sent_once(engine: Engine, mail: SmtpServer) -> None:
    add(engine)
    clock = Clock()
    worker = dispatcher(engine, config(mail), clock)
    mail.stop()
    assert worker.run_once() == 1
    assert states(engine) == [("failed", 1)]
    assert worker.run_once() == 0  # not due before its back-off
    mail.start()
    clock.advance(10)
    assert worker.run_once() == 1
    assert states(engine) == [("sent", 2)]
    assert worker.run_once() == 0
    assert sum(mail.receptions.values()) == 1


def test_dispatcher_dead_after_claiming_its_message_is_sent_once_after_the_lease(
    engine: Engine, mail: SmtpServer
) -> None:
    add(engine, 3)
    clock = Clock()
    dead = dispatcher(engine, config(mail), clock)
    assert len(dead.claim()) == 3  # ... and the process dies here
    successor = dispatcher(engine, config(mail), clock)
    assert successor.run_once() == 0  # the lease still holds
    clock.advance(61)
    assert successor.run_once() == 3
    assert [s for s, _ in states(engine)] == ["sent"] * 3
    assert sorted(mail.receptions.values()) == [1, 1, 1]


def test_dispatcher_dead_after_sending_resends_under_the_same_message_id(
    engine: Engine, mail: SmtpServer
) -> None:
    add(engine)
    clock = Clock()
    dead = dispatcher(engine, config(mail), clock)
    [claimed] = dead.claim()
    assert dead.deliver(claimed) is None  # the server accepted it; the process dies before recording it
    clock.advance(61)
    successor = dispatcher(engine, config(mail), clock)
    assert successor.run_once() == 1
    assert states(engine) == [("sent", 2)]
    # Delivered twice with one Message-ID: the receiving side keeps one message.
    [(message_id, count)] = mail.receptions.items()
    assert count == 2 and message_id == f"<{claimed.message.idempotency_key}@ovac.test>"
    assert len(mail.messages()) == 1
    # The first dispatcher coming back to record its result changes nothing.
    assert dead.settle(claimed, None) == "sent"
    assert states(engine) == [("sent", 2)]


def test_retries_with_backoff_then_dead(engine: Engine, sms: SmsSink) -> None:
    add(engine, email=None, phone="+34600000001")
    clock = Clock()
    worker = dispatcher(engine, config(sms=sms, max_attempts=3), clock)
    sms.fail_next(10)
    waits = []
    for _ in range(3):
        start = clock.at
        assert worker.run_once() == 1
        with Session(engine) as session:
            row = session.scalars(select(OutboxMessage)).one()
        if row.next_attempt_at is not None:
            waits.append((row.next_attempt_at - start).total_seconds())
            clock.at = row.next_attempt_at
    assert waits == [10, 20]
    assert states(engine) == [("dead", 3)]
    assert worker.run_once() == 0 and sms.messages() == []


def test_a_permanent_refusal_is_dead_at_once(engine: Engine, sms: SmsSink) -> None:
    add(engine, email=None, phone="+34600000002")
    sms.refuse_next(1)
    assert dispatcher(engine, config(sms=sms), Clock()).run_once() == 1
    assert states(engine) == [("dead", 1)]


def test_dispatchers_at_once_never_share_a_message(engine: Engine, sms: SmsSink) -> None:
    add(engine, 40, email=None, phone="+34600000003")
    clock = Clock()
    claims: list[list[int]] = []
    start = threading.Barrier(4)

    def claim() -> None:
        worker = dispatcher(engine, config(sms=sms), clock)
        start.wait()
        mine: list[int] = []
        while got := worker.claim(limit=3):
            mine += [c.id for c in got]
            for c in got:
                worker.settle(c, worker.deliver(c))
        claims.append(mine)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for mine in claims for i in mine]
    assert len(every) == len(set(every)) == 40
    assert sorted(sms.receptions.values()) == [1] * 40
