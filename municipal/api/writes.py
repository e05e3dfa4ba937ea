"""Writes: idempotency as a dependency (`IdempotentWrite`), issued documents recorded under their CSV,
and gapless counters.

A write route reads as: authenticate (a citizen dependency), validate (its body), build (reads outside
the write transaction), then `with write.transaction(body, citizen) as tx:` write and
`return tx.answer(out)`. The transaction replays the answer stored under the request's Idempotency-Key
(or refuses another body with 409) before the route writes anything, and stores the route's answer with
the key in the same transaction, so a retry never makes a second entry. A document the route issues
starts from `write.document_head(language, at)` and is recorded with `tx.record_document(kind, document,
holder)`, under the request's kiosk.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract.documents import DocumentLanguage, Issued
from contract.errors import ErrorCode
from contract.limits import IDEMPOTENCY_KEY_MAX
from municipal import ids, timeutil
from municipal.api.common import NEEDS_KIOSK, Citizen, context_of, kiosk_of, touch_session
from municipal.context import Context
from municipal.errors import ApiError
from municipal.models import Counter, IdempotencyRecord, IssuedDocument

CSV_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_DOCUMENTS = IssuedDocument.__table__
_IDEMPOTENCY = IdempotencyRecord.__table__
assert isinstance(_DOCUMENTS, Table) and isinstance(_IDEMPOTENCY, Table)
# Built once, with bound parameters: SQLAlchemy then skips building and compiling them on every request.
_INSERT_DOCUMENT = insert(_DOCUMENTS)
_STORED_ANSWER = select(
    _IDEMPOTENCY.c.request_hash, _IDEMPOTENCY.c.status_code, _IDEMPOTENCY.c.response
).where(
    _IDEMPOTENCY.c.kiosk_id == bindparam("kiosk_id"),
    _IDEMPOTENCY.c.principal == bindparam("principal"),
    _IDEMPOTENCY.c.key == bindparam("key"),
)
_STORE_ANSWER = insert(_IDEMPOTENCY)

Out = TypeVar("Out", bound=BaseModel)


class Replayed(Exception):
    """The answer stored under the request's Idempotency-Key, sent again as it was (see `install`)."""

    def __init__(self, status: int, body: str):
        super().__init__(status)
        self.status = status
        self.body = body


def request_hash(path: str, body: Any) -> str:
    canonical = json.dumps([path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class WriteTransaction:
    """The write transaction of one request: `session` to write with, `answer(out)` to end with."""

    def __init__(self, write: IdempotentWrite, session: Session, principal: str, fingerprint: str):
        self.session = session
        self._write = write
        self._principal = principal
        self._fingerprint = fingerprint
        self.answered = False

    def record_document(self, kind: str, document: Issued, holder: str) -> str:
        """Record `document`, issued to `holder` at the request's kiosk, under its CSV in this transaction;
        its JSON, as recorded (the request's answer, when it is that)."""
        return record_document(self.session, kind, document, holder, self._write.kiosk_id)

    def answer(self, out: Out, text: str | None = None) -> Out:
        """`out` is the request's answer: stored with the Idempotency-Key (as `text`, its JSON, when the
        caller has it already), in this transaction."""
        self.answered = True
        write = self._write
        if write.key is None:
            return out
        self.session.flush()  # the route's own writes fail here, before anything is stored
        self.session.connection().execute(
            _STORE_ANSWER,
            {
                "kiosk_id": write.kiosk_id,
                "principal": self._principal,
                "key": write.key,
                "request_hash": self._fingerprint,
                "status_code": write.status,
                "response": text if text is not None else out.model_dump_json(),
                "created_at": timeutil.now(),
            },
        )
        return out


class IdempotentWrite:
    """The `IdempotentWrite` dependency: the request's kiosk, Idempotency-Key and success status, and the
    head of the documents it issues (`document_head`)."""

    def __init__(self, request: Request, key: str | None, status: int):
        self.request = request
        self.ctx = context_of(request)
        self.kiosk_id = kiosk_of(request)
        self.key = key
        self.path = request.url.path
        self.status = status

    def document_head(self, language: DocumentLanguage, at: datetime) -> dict[str, Any]:
        """The fields every document this request issues carries (see `document_head`)."""
        return document_head(self.ctx, self.request, language, at)

    def fingerprint(self, body: BaseModel | None, attachments: Sequence[tuple[str, str]] = ()) -> str:
        """What the key is bound to: the path and the validated body (and the attachments' names and
        digests), so that the same key with another body is told apart."""
        data = body.model_dump(mode="json") if body is not None else None
        return request_hash(self.path, [data, list(attachments)] if attachments else data)

    def _stored(self, session: Session, principal: str, fingerprint: str) -> Replayed | None:
        """The answer stored under the key for this body; 409 if the key came with another body."""
        if self.key is None:
            return None
        stored = (
            session.connection()
            .execute(_STORED_ANSWER, {"kiosk_id": self.kiosk_id, "principal": principal, "key": self.key})
            .first()
        )
        if stored is None:
            return None
        if stored.request_hash != fingerprint:
            raise ApiError(409, ErrorCode.IDEMPOTENCY_CONFLICT)
        return Replayed(stored.status_code, stored.response)

    @contextmanager
    def transaction(
        self,
        body: BaseModel | None,
        citizen: Citizen | None,
        attachments: Sequence[tuple[str, str]] = (),
    ) -> Iterator[WriteTransaction]:
        """One short write transaction: touch the citizen's session, replay the answer stored under the
        key (or 409 for another body), then the route's writes and its `answer`. Two requests with one
        key at once: the loser's insert of the key fails, its writes are rolled back and it gets the
        winner's answer."""
        fingerprint = self.fingerprint(body, attachments)
        principal = citizen.principal if citizen is not None else "-"
        stored: Replayed | None = None
        try:
            with self.ctx.transaction() as session:
                touch_session(session, citizen)
                stored = self._stored(session, principal, fingerprint)
                if stored is None:
                    tx = WriteTransaction(self, session, principal, fingerprint)
                    yield tx
                    if not tx.answered:
                        raise AssertionError("a write transaction ended without its answer")
        except IntegrityError:
            with self.ctx.read() as session:
                stored = self._stored(session, principal, fingerprint)
            if stored is None:
                raise
        if stored is not None:
            raise stored  # after the commit: the session was touched all the same


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX,
        description="The same key and body return the first result; the same key with another body is 409",
    ),
]


async def idempotent_write(request: Request, key: IdempotencyKey = None) -> IdempotentWrite:
    route = request.scope.get("route")
    status = getattr(route, "status_code", None) or 200
    return IdempotentWrite(request, key, status)


NEEDS_KIOSK.add(idempotent_write)
Write = Annotated[IdempotentWrite, Depends(idempotent_write)]


async def replayed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replayed)
    return Response(exc.body.encode(), status_code=exc.status, media_type="application/json")


# --- issued documents -----------------------------------------------------------------------------


def new_csv() -> str:
    """20 characters of a 32-letter alphabet without look-alikes (100 bits), from one read of the CSPRNG."""
    return "".join(CSV_ALPHABET[b & 31] for b in secrets.token_bytes(20))


def verify_url(ctx: Context, request: Request, csv: str) -> str:
    base = ctx.settings.public_base_url or str(request.base_url)
    return f"{base.rstrip('/')}/v1/verify/{csv}"


def document_head(ctx: Context, request: Request, language: DocumentLanguage, at: datetime) -> dict[str, Any]:
    """The fields every issued document carries (csv, verify_url, issued_at, language, training)."""
    csv = new_csv()
    return {
        "csv": csv,
        "verify_url": verify_url(ctx, request, csv),
        "issued_at": at,
        "language": language,
        "training": ctx.settings.training,
    }


def record_document(session: Session, kind: str, document: Issued, holder: str, kiosk_id: str) -> str:
    """Record `document` under its CSV; its JSON, as recorded (the route's answer, when it is that)."""
    text = document.model_dump_json()
    # A Core insert: no unit of work to flush, so the write transaction stays short.
    session.connection().execute(
        _INSERT_DOCUMENT,
        {
            "csv": document.csv,
            "kind": kind,
            "holder_hash": ids.log_hash(holder) if holder else "-",
            "kiosk_id": kiosk_id,
            "issued_at": document.issued_at,
            "payload": text,
        },
    )
    return text


def yearly_number(session: Session, series: str, at: datetime, separator: str = "/") -> str:
    """The next number of `series` in Mataró's year of `at`, as a document prints it:
    `<series>/<year>/<6 digits>` (`separator` between the parts)."""
    year = timeutil.local_year(at)
    return f"{series}{separator}{year}{separator}{next_number(session, series, year):06d}"


def next_number(session: Session, series: str, year: int) -> int:
    """The next number of a gapless series: one atomic upsert, locked until the transaction ends, so a
    rolled-back transaction gives its number back and concurrent ones never share one."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        upsert(Counter)
        .values(series=series, year=year, last=1)
        .on_conflict_do_update(index_elements=["series", "year"], set_={"last": Counter.last + 1})
        .returning(Counter.last)
    )
    return int(session.execute(statement).scalar_one())
