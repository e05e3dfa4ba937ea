"""What the routers share: the kiosk and citizen checks, idempotent writes, CSVs and counters."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from municipal import ids, timeutil
from municipal.context import Context, kiosk_token
from municipal.errors import ApiError, error_body, language_of
from municipal.models import CitizenSession, Counter, IdempotencyRecord, IssuedDocument

log = logging.getLogger("municipal.access")

_kiosk_id = APIKeyHeader(name="X-Kiosk-Id", auto_error=False, scheme_name="KioskId")
_kiosk_key = APIKeyHeader(name="X-Kiosk-Key", auto_error=False, scheme_name="KioskKey")
_bearer = HTTPBearer(auto_error=False, scheme_name="CitizenToken")

CSV_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


async def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


#: Kiosk keys being verified right now (by `kiosk_token`): a request with the same id and key waits for
#: that one scrypt instead of running its own, so a burst from one kiosk whose cached verification
#: expired costs one scrypt and counts once towards the throttle.
_verifying: dict[bytes, asyncio.Future[bool]] = {}


async def _verified(ctx: Context, kiosk_id: str, key: str, client: str) -> bool:
    token = kiosk_token(kiosk_id, key)
    pending = _verifying.get(token)
    if pending is not None:
        return await asyncio.shield(pending)
    if wait := ctx.refusals.attempt(client):
        log.warning("kiosk refused: too many refused keys (kiosk id %r, from %s)", kiosk_id[:64], client)
        raise ApiError(429, "rate_limited", headers={"Retry-After": str(wait)})
    future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    _verifying[token] = future
    try:
        valid = await run_in_threadpool(ctx.kiosk_is_valid, kiosk_id, key)
    except BaseException as error:
        future.set_exception(error)
        future.exception()  # retrieved: only the waiters, if any, raise it
        raise
    finally:
        del _verifying[token]
    future.set_result(valid)
    if valid:
        ctx.refusals.passed(client)
    return valid


async def check_kiosk(ctx: Context, kiosk_id: str | None, key: str | None, client: str) -> str:
    """The authenticated kiosk's id, or ApiError 401 (logged without the secret), or 429 once `client`
    has had too many keys refused lately. A right key verified in the last minute passes at once (no
    database, no scrypt), even from a throttled address; any other key costs one scrypt, known kiosk id
    or not (see `Context.kiosk_is_valid`)."""
    if not kiosk_id or not key or len(kiosk_id) > 64 or len(key) > 256:
        reason = "missing credentials" if not kiosk_id or not key else "malformed credentials"
    elif ctx.kiosk_cached(kiosk_id, key) or await _verified(ctx, kiosk_id, key, client):
        return kiosk_id
    else:
        reason = "unknown kiosk or wrong secret"
    log.warning("kiosk refused: %s (kiosk id %r, from %s)", reason, (kiosk_id or "")[:64], client)
    raise ApiError(401, "kiosk_unauthorised", headers={"WWW-Authenticate": "KioskKey"})


#: Where `KioskAuthentication` leaves the id of the kiosk it authenticated (in the request's scope).
_SCOPE_KIOSK = "municipal.kiosk_id"


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


async def kiosk(
    request: Request,
    kiosk_id: Annotated[str | None, Security(_kiosk_id)],
    key: Annotated[str | None, Security(_kiosk_key)],
) -> str:
    """The authenticated kiosk's id: the one `KioskAuthentication` checked before the body was read (the
    security schemes above are what the OpenAPI document shows); checked here only if it did not run."""
    checked = request.scope.get(_SCOPE_KIOSK)
    if isinstance(checked, str):
        return checked
    return await check_kiosk(request.app.state.ctx, kiosk_id, key, _client(request.scope))


KioskId = Annotated[str, Depends(kiosk)]


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str | None:
    return credentials.credentials if credentials is not None else None


Token = Annotated[str | None, Depends(bearer_token)]
Ctx = Annotated[Context, Depends(context)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="The same key and body return the first result; the same key with another body is 409",
    ),
]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Citizen:
    id_number: str
    given_name: str
    surnames: str
    scope: str
    certificate_kind: str | None
    last_seen_at: datetime | None = None

    @property
    def principal(self) -> str:
        return ids.log_hash(self.id_number)


_SESSIONS = CitizenSession.__table__
_DOCUMENTS = IssuedDocument.__table__
_IDEMPOTENCY = IdempotencyRecord.__table__
assert isinstance(_SESSIONS, Table) and isinstance(_DOCUMENTS, Table) and isinstance(_IDEMPOTENCY, Table)
# The hot paths use statements built once, with bound parameters: SQLAlchemy then skips building and
# compiling them on every request.
_SESSION_BY_HASH = select(_SESSIONS).where(_SESSIONS.c.token_hash == bindparam("token_hash"))
_TOUCH = (
    update(_SESSIONS)
    .where(
        _SESSIONS.c.token_hash == bindparam("b_token_hash"), _SESSIONS.c.last_seen_at < bindparam("b_recent")
    )
    .values(last_seen_at=bindparam("b_now"))
)
_INSERT_DOCUMENT = insert(_DOCUMENTS)
_STORED_ANSWER = select(
    _IDEMPOTENCY.c.request_hash, _IDEMPOTENCY.c.status_code, _IDEMPOTENCY.c.response
).where(
    _IDEMPOTENCY.c.kiosk_id == bindparam("kiosk_id"),
    _IDEMPOTENCY.c.principal == bindparam("principal"),
    _IDEMPOTENCY.c.key == bindparam("key"),
)
_STORE_ANSWER = insert(_IDEMPOTENCY)


def require_citizen(
    session: Session, ctx: Context, kiosk_id: str, token: str | None, *, full: bool = True, touch: bool = True
) -> Citizen:
    """The citizen behind the bearer token (touching the session unless `touch=False`); 401 when absent
    or expired, 403 when the token is only good for the deixalleria and `full` identification is needed."""
    if not token:
        raise ApiError(401, "session_required", headers={"WWW-Authenticate": "Bearer"})
    row = session.connection().execute(_SESSION_BY_HASH, {"token_hash": token_hash(token)}).first()
    now = timeutil.now()
    settings = ctx.settings
    if row is None or row.kiosk_id != kiosk_id or row.ended_at is not None:
        raise ApiError(401, "session_expired", headers={"WWW-Authenticate": "Bearer"})
    last_seen: datetime = row.last_seen_at
    if now - last_seen > timedelta(seconds=settings.session_idle_seconds) or now - row.created_at > timedelta(
        seconds=settings.session_max_seconds
    ):
        raise ApiError(401, "session_expired", "inactive", headers={"WWW-Authenticate": "Bearer"})
    if full and row.scope != "full":
        raise ApiError(403, "scope_forbidden")
    citizen = Citizen(row.id_number, row.given_name, row.surnames, row.scope, row.method, last_seen)
    if touch:
        touch_session(session, token, citizen)
    return citizen


def touch_session(session: Session, token: str | None, citizen: Citizen | None = None) -> None:
    """Record activity on the session, at most every few seconds (fewer writes, same idle rule): when
    the caller already read the session (`citizen`) and it was seen recently, nothing is written."""
    if not token:
        return
    now = timeutil.now()
    recent = now - timedelta(seconds=5)
    if citizen is not None and citizen.last_seen_at is not None and citizen.last_seen_at > recent:
        return
    session.connection().execute(
        _TOUCH, {"b_token_hash": token_hash(token), "b_recent": recent, "b_now": now}
    )


#: Endpoints whose citizen session is checked before their body is read (see `citizen_before_body`).
_CITIZEN_FIRST: set[Callable[..., Any]] = set()


def citizen_before_body(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route whose request body is large (uploads): `KioskAuthentication` checks its full citizen
    session too before the body is read, so a request without one is refused before a byte of it is
    parsed, spooled or held. The route still checks the session itself where it writes."""
    _CITIZEN_FIRST.add(endpoint)
    return endpoint


def _depends_on_kiosk(dependant: Dependant) -> bool:
    return dependant.call is kiosk or any(_depends_on_kiosk(d) for d in dependant.dependencies)


class KioskAuthentication:
    """Kiosk credentials checked from the headers alone, before anything reads the body, for every route
    that depends on `kiosk` (and the citizen session for `citizen_before_body` routes). A refusal is
    answered at once with `Connection: close`, so an unauthenticated upload is neither parsed, spooled
    to disk nor held in memory: the server stops reading it."""

    def __init__(self, app: ASGIApp, context: Context, routers: Sequence[APIRouter]):
        self.app = app
        self.ctx = context
        self.protected = [
            route
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute) and _depends_on_kiosk(route.dependant)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = next((r for r in self.protected if r.matches(scope)[0] == Match.FULL), None)
        if route is None:
            await self.app(scope, receive, send)
            return
        ctx = self.ctx
        headers = Headers(scope=scope)
        try:
            kiosk_id = await check_kiosk(
                ctx, headers.get("x-kiosk-id"), headers.get("x-kiosk-key"), _client(scope)
            )
            if route.endpoint in _CITIZEN_FIRST:
                scheme, _, token = headers.get("authorization", "").partition(" ")
                await run_in_threadpool(
                    _check_citizen, ctx, kiosk_id, token.strip() if scheme.lower() == "bearer" else None
                )
        except ApiError as refusal:
            await _refuse(scope, send, refusal)
            return
        scope[_SCOPE_KIOSK] = kiosk_id
        await self.app(scope, receive, send)


def _check_citizen(ctx: Context, kiosk_id: str, token: str | None) -> None:
    with ctx.read() as session:
        require_citizen(session, ctx, kiosk_id, token, touch=False)


async def _refuse(scope: Scope, send: Send, refusal: ApiError) -> None:
    body = json.dumps(
        error_body(refusal.code, language_of(Request(scope)), refusal.detail), ensure_ascii=False
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The body, if any, is left unread: the connection cannot carry another request.
        (b"connection", b"close"),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in (refusal.headers or {}).items()]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def language_param(request: Request, language: str | None) -> str:
    return language if language in ("ca", "es", "en") else language_of(request)


def new_csv() -> str:
    """20 characters of a 32-letter alphabet without look-alikes (100 bits), from one read of the CSPRNG."""
    return "".join(CSV_ALPHABET[b & 31] for b in secrets.token_bytes(20))


def verify_url(ctx: Context, request: Request, csv: str) -> str:
    base = ctx.settings.public_base_url or str(request.base_url)
    return f"{base.rstrip('/')}/v1/verify/{csv}"


def document_head(ctx: Context, request: Request, language: str, at: datetime) -> dict[str, Any]:
    """The fields every issued document carries (csv, verify_url, issued_at, language, training)."""
    csv = new_csv()
    return {
        "csv": csv,
        "verify_url": verify_url(ctx, request, csv),
        "issued_at": timeutil.local_iso(at),
        "language": language,
        "training": ctx.settings.training,
    }


def record_document(
    session: Session, kind: str, payload: dict[str, Any], holder: str, kiosk_id: str, at: datetime
) -> None:
    # A Core insert: no unit of work to flush, so the write transaction stays short.
    session.connection().execute(
        _INSERT_DOCUMENT,
        {
            "csv": payload["csv"],
            "kind": kind,
            "holder_hash": ids.log_hash(holder) if holder else "-",
            "kiosk_id": kiosk_id,
            "issued_at": at,
            "payload": json.dumps(payload, ensure_ascii=False),
        },
    )


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


def request_hash(path: str, body: Any) -> str:
    canonical = json.dumps([path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_write(
    ctx: Context,
    kiosk_id: str,
    key: str | None,
    fingerprint: str,
    authenticate: Callable[[Session], Citizen | None],
    work: Callable[[Session, Citizen | None, Any], tuple[int, dict[str, Any]]],
    prepare: Callable[[Session, Citizen | None], Any] | None = None,
    token: str | None = None,
) -> Response:
    """Authenticate and `prepare` (reads) in a read transaction; then, in one short write transaction,
    either replay the answer stored under the idempotency key or run `work` and store its answer with
    it: a retry with the same key and body gets the first answer and never makes a second entry; the
    same key with another body gets 409. `authenticate` must not write (touch=False): the session is
    touched here, in the write transaction."""
    with ctx.read() as session:
        citizen = authenticate(session)
        prepared = prepare(session, citizen) if prepare is not None else None
    principal = citizen.principal if citizen is not None else "-"
    for attempt in range(3):
        try:
            with ctx.transaction() as session:
                touch_session(session, token, citizen)
                if key is not None:
                    stored = (
                        session.connection()
                        .execute(_STORED_ANSWER, {"kiosk_id": kiosk_id, "principal": principal, "key": key})
                        .first()
                    )
                    if stored is not None:
                        if stored.request_hash != fingerprint:
                            raise ApiError(409, "idempotency_conflict")
                        return Response(
                            stored.response.encode(),
                            status_code=stored.status_code,
                            media_type="application/json",
                        )
                status, body = work(session, citizen, prepared)
                session.flush()
                text = json.dumps(body, ensure_ascii=False)  # once: stored and sent as it is
                if key is not None:
                    session.connection().execute(
                        _STORE_ANSWER,
                        {
                            "kiosk_id": kiosk_id,
                            "principal": principal,
                            "key": key,
                            "request_hash": fingerprint,
                            "status_code": status,
                            "response": text,
                            "created_at": timeutil.now(),
                        },
                    )
            return Response(text.encode(), status_code=status, media_type="application/json")
        except IntegrityError:
            # Two requests with one key at once: the loser's writes are rolled back; read the winner's.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def b64decode(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise ApiError(422, "validation_error", [{"loc": ["body", field], "msg": "not base64"}]) from None
