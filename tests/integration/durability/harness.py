"""Kiosks that submit instàncies through the kiosk's own client, and the audit of the registry they leave.

A `Kiosk` is a thread with a `kiosk.backend.client.BackendClient` of its own (its own kiosk id and key, a
citizen logged in with a test certificate) that submits instàncies one after another, each with one PDF
attached and its Idempotency-Key made as the kiosk makes it: one key per submission, the same key for
every retry of it. The client retries by itself what is safe (connection errors, 502-504, with backoff);
when it gives up the kiosk sends the same submission again with the same key, as a citizen touching
"Send" again does, until it is acknowledged. Every submission carries a subject of its own, so the audit
can tell its entry from any other.

`audit(engine, submissions)` reads the registry and checks the invariants: the `E/<year>/<n>` numbers of
the year are exactly 1..n (no gap, no number twice), every acknowledged submission is there exactly once
under the number its receipt gave, and no submission has more than one entry.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text

from kiosk.backend.client import BackendClient, BackendError, BackendUnavailable
from municipal import timeutil
from tests.fixtures.backend import Issued, new_client, wait_for

PDF = b"%PDF-1.7\n" + b"d" * 2000 + b"\n%%EOF\n"


def login(client: BackendClient, certificate: Issued) -> str:
    """A citizen session (certificate login through the kiosk's client); its token."""
    challenge = client.create_challenge()
    return client.login_with_certificate(
        challenge.challenge_id, certificate.der, certificate.sign(bytes(challenge.nonce))
    ).token


def fields(subject: str) -> dict[str, object]:
    return {
        "subject": subject,
        "exposo": "Prova de durabilitat del registre.",
        "solicito": "Una sola entrada per enviament.",
        "department": "OAC",
        "notification_channel": "paper",
    }


@dataclass
class Submission:
    kiosk: str
    subject: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: The registry number of the receipt, once acknowledged.
    registry_number: str | None = None
    #: Sends by the kiosk (each one a client call with the client's own retries).
    sends: int = 0
    #: The first send failed: the submission was unacknowledged for a while.
    was_unacknowledged: bool = False


@dataclass
class Tally:
    """What the kiosks did, summed."""

    submitted: int = 0
    acknowledged: int = 0
    #: Submissions sent again by the kiosk (same key) after the client gave up on them.
    retried: int = 0
    #: Client calls that failed (each after the client's own retries).
    failed_sends: int = 0


class Kiosk(threading.Thread):
    """Submits instàncies until `stop` is set (or `limit` submissions are acknowledged).

    `urls`: the servers this kiosk may reach; a failed send moves it to the next one, as a load balancer
    does with a server that stopped answering. `hold`: when set, a submission whose send failed is parked
    (in `parked`) until `hold` is cleared, then sent again with the same key; so a test can look at the
    registry while a submission is unacknowledged. `on_send`: called before each send (a test's hook)."""

    def __init__(
        self,
        name: str,
        urls: Sequence[str],
        kiosk_id: str,
        kiosk_key: str,
        certificate: Issued,
        attachment: Path,
        *,
        stop: threading.Event,
        limit: int | None = None,
        hold: threading.Event | None = None,
        pause: float = 0.0,
        retry_pause: float = 0.2,
        give_up_after: float = 60.0,
    ):
        super().__init__(name=name, daemon=True)
        self.urls = list(urls)
        self.client = new_client(self.urls[0], kiosk_id, kiosk_key)
        self.certificate = certificate
        self.attachment = attachment
        self.stop = stop
        self.limit = limit
        self.hold = hold
        self.pause = pause
        self.retry_pause = retry_pause
        self.give_up_after = give_up_after
        self.submissions: list[Submission] = []
        self.parked: Submission | None = None
        self.failed_sends = 0
        self.error: BaseException | None = None
        self.token = ""
        #: What the kiosk is doing now, for a test that waits on it (and for its failure message).
        self.doing = "starting"
        self._turn = 0

    def _next_server(self) -> None:
        self._turn = (self._turn + 1) % len(self.urls)
        self.client.base = self.urls[self._turn]

    def _until_acknowledged(self, action: Callable[[], object]) -> object:
        deadline = time.monotonic() + self.give_up_after
        while True:
            try:
                return action()
            except BackendUnavailable:
                self.failed_sends += 1
                if time.monotonic() > deadline:
                    raise
                self._next_server()
                time.sleep(self.retry_pause)

    def run(self) -> None:
        try:
            self.doing = "logging in"
            self.token = str(self._until_acknowledged(lambda: login(self.client, self.certificate)))
            n = 0
            while not self.stop.is_set() and (self.limit is None or n < self.limit):
                n += 1
                self._submit(Submission(self.name, f"Durabilitat {self.name}-{n}"))
                if self.pause:
                    time.sleep(self.pause)
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            self.doing = "ended"
            self.client.close()

    def _submit(self, submission: Submission) -> None:
        self.submissions.append(submission)
        deadline = time.monotonic() + self.give_up_after
        while True:
            submission.sends += 1
            self.doing = f"sending {submission.subject} (send {submission.sends})"
            try:
                receipt = self.client.submit_instancia(
                    self.token, fields(submission.subject), [self.attachment], idempotency_key=submission.key
                )
            except BackendUnavailable:
                self.failed_sends += 1
                submission.was_unacknowledged = True
                if time.monotonic() > deadline:
                    raise
                if self.hold is not None and self.hold.is_set():
                    self.parked = submission
                    while self.hold.is_set():
                        time.sleep(0.02)
                    self.parked = None
                self.doing = f"waiting to send {submission.subject} again"
                self._next_server()
                time.sleep(self.retry_pause)
                continue
            submission.registry_number = receipt.registry_number
            return


def tally(kiosks: Sequence[Kiosk]) -> Tally:
    out = Tally()
    for k in kiosks:
        out.failed_sends += k.failed_sends
        for s in k.submissions:
            out.submitted += 1
            out.acknowledged += s.registry_number is not None
            out.retried += s.was_unacknowledged
    return out


def check_kiosks(kiosks: Sequence[Kiosk]) -> None:
    errors = [f"{k.name}: {type(k.error).__name__}: {k.error}" for k in kiosks if k.error is not None]
    assert not errors, errors


@dataclass
class Audit:
    year: int
    entries: int
    #: Numbers of 1..max missing from the registry.
    gaps: list[int]
    #: Numbers held by more than one entry.
    repeated_numbers: list[int]
    #: Submissions with more than one entry.
    duplicates: list[str]
    #: Acknowledged submissions without their entry (or under another number).
    missing: list[str]
    #: Submissions not acknowledged (yet) that have an entry, and that have none.
    unacknowledged_present: list[str]
    unacknowledged_absent: list[str]

    def check(self) -> None:
        assert not self.gaps, f"gaps in E/{self.year}: {self.gaps[:20]}"
        assert not self.repeated_numbers, f"numbers given twice: {self.repeated_numbers[:20]}"
        assert not self.duplicates, f"submissions registered twice: {self.duplicates[:20]}"
        assert not self.missing, f"acknowledged but not registered: {self.missing[:20]}"


def registry(engine: Engine, year: int) -> list[tuple[int, str, str]]:
    """(sequence, registry number, subject) of every entry of `year`, in number order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT sequence, registry_number, receipt FROM instancies WHERE year = :y ORDER BY sequence"
            ),
            {"y": year},
        ).all()
    return [(int(r[0]), str(r[1]), str(json.loads(r[2])["subject"])) for r in rows]


def audit(engine: Engine, submissions: Sequence[Submission], year: int | None = None) -> Audit:
    year = year or timeutil.local_year(timeutil.now())
    rows = registry(engine, year)
    numbers = Counter(sequence for sequence, _, _ in rows)
    top = max(numbers, default=0)
    by_subject: dict[str, list[str]] = {}
    for _, number, subject in rows:
        by_subject.setdefault(subject, []).append(number)
    duplicates = [s.subject for s in submissions if len(by_subject.get(s.subject, [])) > 1]
    missing = [
        s.subject
        for s in submissions
        if s.registry_number is not None and by_subject.get(s.subject) != [s.registry_number]
    ]
    pending = [s for s in submissions if s.registry_number is None]
    return Audit(
        year=year,
        entries=len(rows),
        gaps=[n for n in range(1, top + 1) if n not in numbers],
        repeated_numbers=sorted(n for n, c in numbers.items() if c > 1),
        duplicates=duplicates,
        missing=missing,
        unacknowledged_present=[s.subject for s in pending if s.subject in by_subject],
        unacknowledged_absent=[s.subject for s in pending if s.subject not in by_subject],
    )


def submissions_of(kiosks: Sequence[Kiosk]) -> list[Submission]:
    return [s for k in kiosks for s in k.submissions]


def wait_submitting(kiosks: Sequence[Kiosk], timeout: float = 60) -> None:
    """Wait until every kiosk has had a submission acknowledged: each is logged in and in its loop of
    submissions (a kiosk still logging in when the server dies retries its login, and holds no
    submission), and none has ended with an error."""

    def submitting() -> bool:
        check_kiosks(kiosks)
        return all(any(s.registry_number is not None for s in k.submissions) for k in kiosks)

    wait_for(submitting, timeout, "a submission acknowledged on every kiosk")


def wait_parked(kiosks: Sequence[Kiosk], timeout: float = 30) -> None:
    """Wait until every kiosk holds a submission it could not send (`hold` set, the server gone: after
    `wait_submitting`, each one is sending or about to); a kiosk that ended with an error fails at once."""

    def parked() -> bool:
        check_kiosks(kiosks)
        return all(k.parked is not None for k in kiosks)

    try:
        wait_for(parked, timeout, "a submission left on every kiosk")
    except TimeoutError as timeout_error:
        raise TimeoutError(f"{timeout_error}: {'; '.join(f'{k.name} {k.doing}' for k in kiosks)}") from None


def wait_acknowledged(kiosks: Sequence[Kiosk], more: int, what: str, timeout: float = 60) -> None:
    """Wait until `more` submissions have been acknowledged beyond those acknowledged now."""
    now = tally(kiosks).acknowledged
    wait_for(lambda: tally(kiosks).acknowledged >= now + more, timeout, what)


def join_and_audit(
    kiosks: Sequence[Kiosk], engine: Engine, also: Sequence[Submission] = ()
) -> tuple[Audit, Tally]:
    """The kiosks (told to stop) ended without an error; the registry's invariants checked against every
    submission they made and `also`. The audit and the kiosks' tally, for the test's own checks."""
    for k in kiosks:
        k.join(timeout=60)
    check_kiosks(kiosks)
    result = audit(engine, [*submissions_of(kiosks), *also])
    result.check()
    return result, tally(kiosks)


def resolve(client: BackendClient, token: str, submission: Submission, attachment: Path) -> str:
    """The kiosk's retry of `submission` with its key: the registry number it gets."""
    receipt = client.submit_instancia(
        token, fields(submission.subject), [attachment], idempotency_key=submission.key
    )
    submission.registry_number = receipt.registry_number
    return receipt.registry_number


__all__ = ["BackendError", "Kiosk", "Submission", "audit", "login", "new_client", "resolve", "tally"]
