"""The kiosks' health: `POST /v1/kiosks/heartbeat` (a kiosk's state, every minute), `POST
/v1/kiosks/started` (a kiosk that (re)started: its citizen sessions still open are ended), and, for staff,
`GET /v1/kiosks/status` (every active kiosk's last state, `stale` after `kiosk_stale_seconds` without a
heartbeat), the data of the staff's fleet page.

Kiosk routes authenticate with `X-Kiosk-Id` / `X-Kiosk-Key` (`KIOSK`, as every kiosk call). Staff
routes take a staff credential of the same shape, `X-Staff-Id` / `X-Staff-Key`, registered with
`python -m municipal add-staff --id NAME` (only the key's scrypt hash is stored; a refusal costs the same
scrypt whether the id exists or not, and refused keys are throttled per address with the kiosks').
A kiosk key opens no staff route and a staff key no kiosk route.

The routes are the reference server's own (left out of the OpenAPI document, like training reset): a
city's backend offers its fleet view in its own way; the bodies are `contract.kiosks`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.security import APIKeyHeader
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from contract.errors import ErrorCode
from contract.kiosks import HeartbeatIn, KioskStartedOut, KioskStatus, KioskStatusOut
from municipal import timeutil
from municipal.api.auth import end_open_sessions
from municipal.api.common import KIOSK, Ctx, KioskId
from municipal.context import Context, _dummy_hash, hash_kiosk_key, verify_kiosk_key
from municipal.errors import ApiError
from municipal.models import Kiosk, KioskHeartbeat, StaffKey

log = logging.getLogger("municipal.kiosks")
router = APIRouter(prefix="/v1/kiosks", tags=["kiosks"], include_in_schema=False)

_staff_id = APIKeyHeader(name="X-Staff-Id", auto_error=False, scheme_name="StaffId")
_staff_key = APIKeyHeader(name="X-Staff-Key", auto_error=False, scheme_name="StaffKey")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _context(request: Request) -> Context:
    # From the request, not as a dependency of its own: the route takes `Ctx`, and a dependency is best
    # solved once per request.
    ctx: Context = request.app.state.ctx
    return ctx


def _staff_is_valid(ctx: Context, staff_id: str, key: str) -> bool:
    with ctx.read() as session:
        row = session.get(StaffKey, staff_id)
        stored = row.key_hash if row is not None and row.active else None
    return verify_kiosk_key(key, stored or _dummy_hash()) and stored is not None


async def check_staff(ctx: Context, staff_id: str | None, key: str | None, client: str) -> str:
    """The staff id if `key` is its key, else ApiError 401 (logged without the key), or 429 once `client`
    has had too many keys refused lately (the kiosks' throttle). For the staff headers and the fleet
    page's sign-in form alike."""
    if staff_id and key and len(staff_id) <= 64 and len(key) <= 256:
        if wait := ctx.refusals.attempt(client):
            raise ApiError(429, ErrorCode.RATE_LIMITED, headers={"Retry-After": str(wait)})
        if await run_in_threadpool(_staff_is_valid, ctx, staff_id, key):
            ctx.refusals.passed(client)
            return staff_id
    log.warning("staff refused (staff id %r, from %s)", (staff_id or "")[:64], client)
    raise ApiError(401, ErrorCode.KIOSK_UNAUTHORISED, headers={"WWW-Authenticate": "StaffKey"})


async def _staff(
    request: Request,
    staff_id: Annotated[str | None, Security(_staff_id)],
    key: Annotated[str | None, Security(_staff_key)],
) -> str:
    return await check_staff(_context(request), staff_id, key, _client(request))


StaffId = Annotated[str, Depends(_staff)]


def _store(session: Session, kiosk_id: str, state: str) -> None:
    row = session.get(KioskHeartbeat, kiosk_id)
    now = timeutil.now()
    if row is None:
        session.add(KioskHeartbeat(kiosk_id=kiosk_id, received_at=now, state=state))
    else:
        row.received_at, row.state = now, state


@router.post("/heartbeat", status_code=204, response_class=Response, dependencies=[KIOSK])
def heartbeat(body: HeartbeatIn, ctx: Ctx, kiosk_id: KioskId) -> Response:
    """Keep this kiosk's state (only the last one is kept)."""
    state = body.model_dump_json()
    try:
        with ctx.transaction() as session:
            _store(session, kiosk_id, state)
    except IntegrityError:  # two first heartbeats at once: the other inserted the row
        with ctx.transaction() as session:
            _store(session, kiosk_id, state)
    return Response(status_code=204)


@router.post("/started", status_code=200, response_model=KioskStartedOut, dependencies=[KIOSK])
def started(ctx: Ctx, kiosk_id: KioskId) -> KioskStartedOut:
    """The kiosk (re)started: a kiosk serves one citizen at a time and the new process has none yet, so
    every citizen session of this kiosk still open belongs to a process that died, whose token must never
    be used again; all are ended."""
    with ctx.transaction() as session:
        ended = end_open_sessions(session, kiosk_id, timeutil.now())
    if ended:
        log.warning("kiosk %s started: %d citizen session(s) of its previous run ended", kiosk_id, ended)
    return KioskStartedOut(ended_sessions=ended)


@router.get("/status", response_model=KioskStatusOut)
def status(ctx: Ctx, staff_id: StaffId) -> KioskStatusOut:
    """Every active kiosk with its last heartbeat; `stale` when none came for `kiosk_stale_seconds`."""
    return fleet_status(ctx)


def fleet_status(ctx: Context) -> KioskStatusOut:
    """Every active kiosk with its last heartbeat (the status route's answer and the fleet page's data)."""
    now = timeutil.now()
    limit = ctx.settings.kiosk_stale_seconds
    with ctx.read() as session:
        rows = session.execute(
            select(Kiosk.id, KioskHeartbeat.received_at, KioskHeartbeat.state)
            .outerjoin(KioskHeartbeat, KioskHeartbeat.kiosk_id == Kiosk.id)
            .where(Kiosk.active.is_(True))
            .order_by(Kiosk.id)
        ).all()
    kiosks = []
    for kiosk_id, received_at, state in rows:
        beat = None
        if state is not None:
            try:
                beat = HeartbeatIn.model_validate_json(state)
            except ValidationError:  # stored by an older server: shown as no state
                beat = None
        stale = received_at is None or now - received_at > timedelta(seconds=limit)
        kiosks.append(KioskStatus(kiosk_id=kiosk_id, last_heartbeat_at=received_at, stale=stale, state=beat))
    return KioskStatusOut(checked_at=now, stale_after_seconds=limit, kiosks=kiosks)


def register_staff(engine: Engine, staff_id: str, key: str) -> None:
    """Add a staff credential, or give an existing one a new key. Only the key's scrypt hash is stored."""
    with Session(engine) as session, session.begin():
        row = session.get(StaffKey, staff_id)
        if row is None:
            session.add(
                StaffKey(id=staff_id, key_hash=hash_kiosk_key(key), active=True, created_at=timeutil.now())
            )
        else:
            row.key_hash, row.active = hash_kiosk_key(key), True
