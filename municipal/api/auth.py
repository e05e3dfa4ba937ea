"""Citizen login: a nonce signed by the card's authentication key, or weak identification against the
padró for the deixalleria only. Sessions are bearer tokens (stored hashed) bound to the kiosk.

A kiosk serves one citizen at a time, so it has at most one open session: every login (card, weak
identification, phone hand-off: `open_session`) ends the kiosk's sessions still open. A login whose
answer never reached the kiosk (slow, cut, garbled) left a session the kiosk cannot end, since it never
got the token; the kiosk's next login ends it, as its restart does (`POST /v1/kiosks/started`)."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from fastapi import APIRouter, Response
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from contract.errors import ErrorCode, ErrorOut
from contract.v1 import ChallengeOut, CitizenOut, Scope, SessionIn, SessionOut, WeakSessionIn
from municipal import catalogue_data, ids, timeutil
from municipal.api.common import KIOSK, Citizen, Ctx, KioskId, Token, b64decode, token_hash
from municipal.certificates import CertificateRefused, identity, verify_signature
from municipal.context import Context
from municipal.errors import ApiError
from municipal.models import AuthChallenge, CitizenSession, Person, Registration, WeakLoginAttempt

log = logging.getLogger("municipal.auth")
router = APIRouter(prefix="/v1/auth", tags=["authentication"], dependencies=[KIOSK])
REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Kiosk not authorised, or the login was refused"},
    422: {"model": ErrorOut, "description": "Malformed request"},
}


def require_identification(citizen: Citizen | None, *procedures: str) -> None:
    """403 scope_forbidden unless the citizen's identification (none without a session) is one that a
    procedure of `procedures` accepts, as the catalogue says (`catalogue_data.accepts`). Every route of a
    procedure calls it: a hand-off session opens a volant, not a certificat de convivència."""
    kind = "none" if citizen is None else catalogue_data.IDENTIFICATION_OF_SCOPE.get(citizen.scope, "none")
    if not any(kind in catalogue_data.accepts(code) for code in procedures):
        wanted = sorted({accepted for code in procedures for accepted in catalogue_data.accepts(code)})
        detail = f"{kind} identification; accepted: {', '.join(wanted)}"
        raise ApiError(403, ErrorCode.SCOPE_FORBIDDEN, detail)


def session_row(
    token: str, kiosk_id: str, who: CitizenOut, scope: Scope, method: str, serial: str | None, now: datetime
) -> CitizenSession:
    """The stored session of bearer `token` (kept as its hash), for every kind of login."""
    return CitizenSession(
        token_hash=token_hash(token),
        kiosk_id=kiosk_id,
        id_number=who.id_number,
        given_name=who.given_name,
        surnames=who.surnames,
        scope=scope,
        method=method[:20],
        certificate_serial=serial,
        created_at=now,
        last_seen_at=now,
    )


#: Namespaces of the advisory locks on PostgreSQL (the first half of the two-key form): the weak
#: logins' counts per kiosk and per ID number, and one kiosk's logins (`open_session`).
_LOCK_KIOSK = 0x4F56_0001
_LOCK_ID = 0x4F56_0002
_LOCK_SESSIONS = 0x4F56_0003
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")


def _lock_key(value: str) -> int:
    """A signed 32-bit key for `pg_advisory_xact_lock(int, int)`; a collision only serialises more."""
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big", signed=True)


def end_open_sessions(session: Session, kiosk_id: str, now: datetime) -> int:
    """End every session of `kiosk_id` still open, in the caller's transaction; how many were."""
    result = session.execute(
        update(CitizenSession)
        .where(CitizenSession.kiosk_id == kiosk_id, CitizenSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def open_session(session: Session, row: CitizenSession) -> None:
    """Store `row` as its kiosk's one open session: the kiosk's earlier sessions still open are ended in
    the same transaction (on PostgreSQL under a lock on the kiosk, so two logins at once cannot both stay
    open; on SQLite the write transaction is the lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ADVISORY_LOCK, {"space": _LOCK_SESSIONS, "key": _lock_key(row.kiosk_id)})
    ended = end_open_sessions(session, row.kiosk_id, row.created_at)
    if ended:
        log.warning(
            "kiosk %s: %d earlier citizen session(s) still open ended by a new login", row.kiosk_id, ended
        )
    session.add(row)


def _new_session(ctx: Ctx, kiosk_id: str, who: CitizenOut, scope: Scope, serial: str | None) -> SessionOut:
    token = secrets.token_urlsafe(32)
    now = timeutil.now()
    with ctx.transaction() as session:
        open_session(
            session, session_row(token, kiosk_id, who, scope, who.certificate_kind or "weak", serial, now)
        )
    expires = now + timedelta(seconds=ctx.settings.session_idle_seconds)
    return SessionOut(token=token, expires_at=expires, scope=scope, citizen=who)


@router.post("/challenges", status_code=201, response_model=ChallengeOut, responses=REFUSALS)
def create_challenge(ctx: Ctx, kiosk_id: KioskId) -> ChallengeOut:
    """A fresh nonce for the card to sign. Single use; expires after 2 minutes."""
    now = timeutil.now()
    nonce = secrets.token_bytes(32)
    challenge = AuthChallenge(
        id=uuid.uuid4().hex,
        kiosk_id=kiosk_id,
        nonce=nonce,
        created_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.challenge_seconds),
    )
    with ctx.transaction() as session:
        session.add(challenge)
    return ChallengeOut(
        # The model reads its nonce from base64, as a kiosk does from the wire.
        challenge_id=challenge.id,
        nonce=base64.b64encode(nonce),
        expires_at=challenge.expires_at,
    )


@router.post("/sessions", status_code=201, response_model=SessionOut, responses=REFUSALS)
def create_session(body: SessionIn, ctx: Ctx, kiosk_id: KioskId) -> SessionOut:
    """Log a citizen in with the certificate and the signature of the challenge's nonce."""
    certificate = b64decode(body.certificate, "certificate")
    signature = b64decode(body.signature, "signature")
    now = timeutil.now()
    # Burn the challenge first, in its own transaction: a refused attempt cannot be replayed either.
    with ctx.transaction() as session:
        row = session.execute(
            update(AuthChallenge)
            .where(
                AuthChallenge.id == body.challenge_id,
                AuthChallenge.kiosk_id == kiosk_id,
                AuthChallenge.used_at.is_(None),
            )
            .values(used_at=now)
            .returning(AuthChallenge.nonce, AuthChallenge.expires_at)
        ).one_or_none()
        if row is None:
            mine = session.get(AuthChallenge, body.challenge_id)
            known = mine is not None and mine.kiosk_id == kiosk_id
    if row is None:
        code = ErrorCode.CHALLENGE_USED if known else ErrorCode.CHALLENGE_UNKNOWN
        log.info("login refused: %s (kiosk %s)", code, kiosk_id)
        raise ApiError(401, code)
    nonce, expires_at = row
    if now > expires_at:
        log.info("login refused: challenge_expired (kiosk %s)", kiosk_id)
        raise ApiError(401, ErrorCode.CHALLENGE_EXPIRED)
    try:
        cert = ctx.trust.check(certificate, now)
        who = identity(cert)
        verify_signature(cert, nonce, signature)
    except CertificateRefused as refused:
        log.info("login refused: %s %s (kiosk %s)", refused.code, refused.detail, kiosk_id)
        raise ApiError(401, ErrorCode(refused.code), refused.detail or None) from None
    log.info("login: certificate %s, citizen %s (kiosk %s)", who.kind, ids.log_hash(who.id_number), kiosk_id)
    citizen = CitizenOut(
        id_number=who.id_number, given_name=who.given_name, surnames=who.surnames, certificate_kind=who.kind
    )
    return _new_session(ctx, kiosk_id, citizen, "full", who.serial_hex)


def _admit_attempt(ctx: Context, kiosk_id: str, id_hash: str, *, success: bool) -> bool:
    """Count the recent failures of this kiosk and of this ID number and, unless either limit is
    reached, record this attempt: in one write transaction that holds a lock on both, so that
    simultaneous attempts are counted one after another and never pass a limit together. On SQLite the
    write transaction itself is the lock (`BEGIN IMMEDIATE`, one writer); on PostgreSQL two
    transaction-scoped advisory locks, always taken kiosk first, so two attempts cannot deadlock."""
    settings = ctx.settings
    now = timeutil.now()
    since = now - timedelta(seconds=settings.weak_window_seconds)
    with ctx.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(_ADVISORY_LOCK, {"space": _LOCK_KIOSK, "key": _lock_key(kiosk_id)})
            session.execute(_ADVISORY_LOCK, {"space": _LOCK_ID, "key": _lock_key(id_hash)})
        failures = select(func.count()).where(
            WeakLoginAttempt.at > since, WeakLoginAttempt.success.is_(False)
        )
        by_id = session.execute(failures.where(WeakLoginAttempt.id_hash == id_hash)).scalar_one()
        by_kiosk = session.execute(failures.where(WeakLoginAttempt.kiosk_id == kiosk_id)).scalar_one()
        if by_id >= settings.weak_failures_per_id or by_kiosk >= settings.weak_failures_per_kiosk:
            return False
        session.add(WeakLoginAttempt(kiosk_id=kiosk_id, id_hash=id_hash, at=now, success=success))
    return True


@router.post(
    "/weak-sessions",
    status_code=201,
    response_model=SessionOut,
    responses={**REFUSALS, 429: {"model": ErrorOut, "description": "Too many failed attempts"}},
)
def create_weak_session(body: WeakSessionIn, ctx: Ctx, kiosk_id: KioskId) -> SessionOut:
    """Identify with DNI/NIE, birth date and postal code as the padró knows them: a token good only
    for the deixalleria (reading the card and visits, requesting a card)."""
    id_number = ids.normalise(body.id_number)
    id_hash = ids.log_hash(id_number)
    settings = ctx.settings
    person: Person | None = None
    if ids.is_valid(id_number):
        with ctx.read() as session:
            found = session.execute(
                select(Registration)
                .join(Person, Registration.person_id == Person.id)
                .where(Person.id_number == id_number, Registration.left_on.is_(None))
            ).scalar_one_or_none()
            if (
                found is not None
                and found.person.birth_date == body.birth_date
                and found.address.postal_code == body.postal_code
            ):
                person = found.person
    if not _admit_attempt(ctx, kiosk_id, id_hash, success=person is not None):
        log.warning("weak login rate-limited (kiosk %s, id %s)", kiosk_id, id_hash)
        raise ApiError(
            429, ErrorCode.RATE_LIMITED, headers={"Retry-After": str(settings.weak_window_seconds)}
        )
    if not ids.is_valid(id_number):
        raise ApiError(422, ErrorCode.ID_NUMBER_INVALID)
    if person is None:
        log.info("weak login refused (kiosk %s, id %s)", kiosk_id, id_hash)
        raise ApiError(401, ErrorCode.WEAK_LOGIN_FAILED)
    log.info("weak login: citizen %s (kiosk %s)", id_hash, kiosk_id)
    citizen = CitizenOut(
        id_number=id_number, given_name=person.given_name, surnames=person.surnames, certificate_kind=None
    )
    return _new_session(ctx, kiosk_id, citizen, "deixalleria", None)


@router.delete("/sessions/current", status_code=204, response_class=Response, responses=REFUSALS)
def end_session(ctx: Ctx, kiosk_id: KioskId, token: Token) -> Response:
    """End the citizen's session (the kiosk calls it whenever a session is wiped). Ending an ended or
    unknown session is not an error."""
    if not token:
        raise ApiError(401, ErrorCode.SESSION_REQUIRED)
    with ctx.transaction() as session:
        row = session.get(CitizenSession, token_hash(token))
        if row is not None and row.kiosk_id == kiosk_id and row.ended_at is None:
            row.ended_at = timeutil.now()
    return Response(status_code=204)
