"""What the routers share: the kiosk check (before the body is read) and the citizen as a dependency:
`CitizenByCertificate` (full scope), `CitizenAny` (certificate or weak identification) and
`CitizenOrNone` (identification optional). Writes are in `municipal.api.writes`.

Every dependency is solved once per request. FastAPI caches a dependency's value, but walks its whole
sub-tree again wherever it appears (its sub-dependencies, their headers and security schemes), so the
shared pieces are not sub-dependencies: a kiosk's router declares the kiosk once (`KIOSK`), and the
dependencies below it read the context and the checked kiosk id from the request (`context_of`,
`kiosk_of`), as the routes read them from `Ctx` and `KioskId`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from contract.errors import ErrorCode, ErrorOut
from municipal import ids, timeutil
from municipal.context import Context, kiosk_token
from municipal.errors import ApiError, error_body, language_of
from municipal.models import CitizenSession

log = logging.getLogger("municipal.access")

_kiosk_id = APIKeyHeader(name="X-Kiosk-Id", auto_error=False, scheme_name="KioskId")
_kiosk_key = APIKeyHeader(name="X-Kiosk-Key", auto_error=False, scheme_name="KioskKey")
_bearer = HTTPBearer(auto_error=False, scheme_name="CitizenToken")


def context_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def context(request: Request) -> Context:
    return context_of(request)


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
        raise ApiError(429, ErrorCode.RATE_LIMITED, headers={"Retry-After": str(wait)})
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
    raise ApiError(401, ErrorCode.KIOSK_UNAUTHORISED, headers={"WWW-Authenticate": "KioskKey"})


#: Where the id of the kiosk authenticated for a request is left in its scope (by `KioskAuthentication`,
#: before the body is read, or by `authenticated_kiosk`).
_SCOPE_KIOSK = "municipal.kiosk_id"


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


async def authenticated_kiosk(
    request: Request,
    kiosk_id: Annotated[str | None, Security(_kiosk_id)],
    key: Annotated[str | None, Security(_kiosk_key)],
) -> None:
    """The kiosk check of a kiosk's router (`KIOSK`): the one `KioskAuthentication` made before the body
    was read (the security schemes above are what the OpenAPI document shows); made here only if it did
    not run."""
    if not isinstance(request.scope.get(_SCOPE_KIOSK), str):
        checked = await check_kiosk(context_of(request), kiosk_id, key, _client(request.scope))
        request.scope[_SCOPE_KIOSK] = checked


#: The dependency of every router whose routes are a kiosk's: `APIRouter(..., dependencies=[KIOSK])`.
KIOSK = Depends(authenticated_kiosk)


def kiosk_of(request: Request) -> str:
    """The id of the kiosk authenticated for this request; for what runs after `KIOSK`."""
    checked = request.scope.get(_SCOPE_KIOSK)
    if not isinstance(checked, str):
        # A route outside a kiosk's router: a mistake in this server, refused rather than let through.
        raise RuntimeError(f"{request.url.path}: no kiosk was authenticated (KIOSK missing)")
    return checked


async def kiosk(request: Request) -> str:
    return kiosk_of(request)


KioskId = Annotated[str, Depends(kiosk)]


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str | None:
    # async: a dependency that does no I/O should not cost a trip through the thread pool.
    return credentials.credentials if credentials is not None else None


Token = Annotated[str | None, Depends(bearer_token)]
Ctx = Annotated[Context, Depends(context)]


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
    #: The bearer token of the session (to touch it where the request writes).
    token: str = field(default="", repr=False)

    @property
    def principal(self) -> str:
        return ids.log_hash(self.id_number)


_SESSIONS = CitizenSession.__table__
assert isinstance(_SESSIONS, Table)
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


def require_citizen(
    connection: Connection, ctx: Context, kiosk_id: str, token: str | None, *, full: bool = True
) -> Citizen:
    """The citizen behind the bearer token, read and not touched (a route touches the session where it
    writes); 401 when absent or expired, 403 when the token is only good for the deixalleria and `full`
    identification is needed."""
    if not token:
        raise ApiError(401, ErrorCode.SESSION_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
    row = connection.execute(_SESSION_BY_HASH, {"token_hash": token_hash(token)}).first()
    now = timeutil.now()
    settings = ctx.settings
    if row is None or row.kiosk_id != kiosk_id or row.ended_at is not None:
        raise ApiError(401, ErrorCode.SESSION_EXPIRED, headers={"WWW-Authenticate": "Bearer"})
    last_seen: datetime = row.last_seen_at
    if now - last_seen > timedelta(seconds=settings.session_idle_seconds) or now - row.created_at > timedelta(
        seconds=settings.session_max_seconds
    ):
        raise ApiError(401, ErrorCode.SESSION_EXPIRED, "inactive", headers={"WWW-Authenticate": "Bearer"})
    if full and row.scope not in ("full", "handoff"):  # which procedure takes which: catalogue_data
        raise ApiError(403, ErrorCode.SCOPE_FORBIDDEN)
    return Citizen(row.id_number, row.given_name, row.surnames, row.scope, row.method, last_seen, token)


def touch_session(session: Session, citizen: Citizen | None) -> None:
    """Record activity on the citizen's session, at most every few seconds (fewer writes, same idle
    rule): a session read (`require_citizen`) and seen recently is not written."""
    if citizen is None or not citizen.token:
        return
    now = timeutil.now()
    recent = now - timedelta(seconds=5)
    if citizen.last_seen_at is not None and citizen.last_seen_at > recent:
        return
    session.connection().execute(
        _TOUCH, {"b_token_hash": token_hash(citizen.token), "b_recent": recent, "b_now": now}
    )


def _read_citizen(ctx: Context, kiosk_id: str, token: str | None, full: bool) -> Citizen:
    with ctx.read() as session:
        return require_citizen(session.connection(), ctx, kiosk_id, token, full=full)


async def read_citizen(ctx: Context, kiosk_id: str, token: str | None, *, full: bool) -> Citizen:
    """The citizen of a request (see `require_citizen`), read without a trip through the thread pool
    where that is safe: on SQLite one row by its key is read on the event loop (`Context.read_on_loop`);
    on PostgreSQL, whose reads wait on the network, in the thread pool."""
    if not token:  # refused without a read
        raise ApiError(401, ErrorCode.SESSION_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
    if ctx.loop_reader is not None:
        with ctx.read_on_loop() as connection:
            return require_citizen(connection, ctx, kiosk_id, token, full=full)
    return await run_in_threadpool(_read_citizen, ctx, kiosk_id, token, full)


# The citizen of a request, as a dependency. Each reads the session and touches nothing: a route touches
# it where it writes (`touch_session`, or `Write.transaction` does). They are async so that the citizen
# costs no trip through the thread pool of its own (see `read_citizen`).


async def citizen_by_certificate(request: Request, token: Token) -> Citizen:
    """The citizen identified with a certificate: 401 without a valid session, 403 for a weak one."""
    return await read_citizen(context_of(request), kiosk_of(request), token, full=True)


async def citizen_any(request: Request, token: Token) -> Citizen:
    """The citizen identified either way (certificate, or weak identification for the deixalleria)."""
    return await read_citizen(context_of(request), kiosk_of(request), token, full=False)


async def citizen_or_none(request: Request, token: Token) -> Citizen | None:
    """The citizen if the request has a session (either way), None if it has none; a token that is not
    a valid session is still refused with 401."""
    if not token:
        return None
    return await read_citizen(context_of(request), kiosk_of(request), token, full=False)


CitizenByCertificate = Annotated[Citizen, Depends(citizen_by_certificate)]
CitizenAny = Annotated[Citizen, Depends(citizen_any)]
CitizenOrNone = Annotated[Citizen | None, Depends(citizen_or_none)]


#: The refusals every route of a citizen may answer, for its OpenAPI entry (see `citizen_refusals`).
CITIZEN_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Kiosk not authorised, or no valid citizen session"},
    403: {"model": ErrorOut, "description": "The session does not allow this (weak identification)"},
    422: {"model": ErrorOut, "description": "Malformed request"},
}


def citizen_refusals(conflict: str, too_large: str | None = None) -> dict[int | str, dict[str, Any]]:
    """The refusals of a citizen's write: `CITIZEN_REFUSALS`, 409 (`conflict` says when) and 413."""
    out = {**CITIZEN_REFUSALS, 409: {"model": ErrorOut, "description": conflict}}
    if too_large:
        out[413] = {"model": ErrorOut, "description": too_large}
    return out


#: Endpoints whose citizen session is checked before their body is read (see `citizen_before_body`).
_CITIZEN_FIRST: set[Callable[..., Any]] = set()


def citizen_before_body(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route whose request body is large (uploads): `KioskAuthentication` checks its full citizen
    session too before the body is read, so a request without one is refused before a byte of it is
    parsed, spooled or held. The route still checks the session itself where it writes."""
    _CITIZEN_FIRST.add(endpoint)
    return endpoint


#: Dependencies that read the kiosk of the request (`kiosk_of`): a route that depends on one is checked
#: by `KioskAuthentication`, even one whose router forgot `KIOSK` (its OpenAPI entry would lack the
#: kiosk's security schemes; a test checks that none does).
NEEDS_KIOSK: set[Callable[..., Any]] = {
    authenticated_kiosk, kiosk, citizen_by_certificate, citizen_any, citizen_or_none
}  # fmt: skip


def _depends_on_kiosk(dependant: Dependant) -> bool:
    return dependant.call in NEEDS_KIOSK or any(_depends_on_kiosk(d) for d in dependant.dependencies)


class KioskAuthentication:
    """Kiosk credentials checked from the headers alone, before anything reads the body, for every route
    that depends on the kiosk (`NEEDS_KIOSK`), and the citizen session for `citizen_before_body` routes.
    A refusal is answered at once with `Connection: close`, so an unauthenticated upload is neither
    parsed, spooled to disk nor held in memory: the server stops reading it."""

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
                bearer = token.strip() if scheme.lower() == "bearer" else None
                await read_citizen(ctx, kiosk_id, bearer, full=True)
        except ApiError as refusal:
            await _refuse(scope, send, refusal)
            return
        scope[_SCOPE_KIOSK] = kiosk_id
        await self.app(scope, receive, send)


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


#: The `language` query parameter of a route that answers in the citizen's language.
LanguageQuery = Annotated[str | None, Query(max_length=5, description="ca, es or en")]


def language_param(request: Request, language: str | None) -> str:
    return language if language in ("ca", "es", "en") else language_of(request)


async def answer_language(request: Request, language: LanguageQuery = None) -> str:
    return language_param(request, language)


#: The language a route answers in, as a dependency: its `language` query parameter when that is ca, es or
#: en, else the request's Accept-Language.
Language = Annotated[str, Depends(answer_language)]


Row = TypeVar("Row")


def row_by_code(session: Session, model: type[Row], code: str, unknown: ErrorCode, field: str) -> Row:
    """The row of `model` whose key is `code`, or 404 `unknown` naming the code as `field` (at most the 40
    characters a code in a path may have)."""
    row = session.get(model, code)
    if row is None:
        raise ApiError(404, unknown, {field: code[:40]})
    return row


def b64decode(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise ApiError(
            422, ErrorCode.VALIDATION_ERROR, [{"loc": ["body", field], "msg": "not base64"}]
        ) from None
