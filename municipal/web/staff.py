"""The staff's fleet page: `/staff`, every kiosk's last heartbeat (stale and faulty ones first, each
said in words, not by colour alone) and the outbox's counts with its dead messages, refreshed every
`REFRESH_SECONDS` by the browser itself (a meta refresh: the page runs no script).

Staff sign in with the credential of the staff routes (`python -m municipal add-staff`), through a form
(`POST /staff/sign-in`), never a key in a URL. The answer is a session cookie: HttpOnly, SameSite=Strict,
Secure when the page came over HTTPS, Path=/staff, ending after `SESSION_SECONDS`. It is signed (HMAC
with a key derived from the installation's ID-hash key, the same in every worker) and bound to the
staff member's stored key hash, so giving a staff member a new key or deactivating them ends their
sessions; it holds no key. CSRF: the sign-in form carries a token that must equal a cookie set with the
form (so no other site can sign a browser in), the sign-out form one derived from the session, every
POST must come from this origin when the browser says where it came from (Origin, Sec-Fetch-Site), and
SameSite=Strict keeps the session cookie off any request another site starts. Signing out forgets the
cookie in the browser and refuses that session in this process from then on (with several workers,
another worker would still take a copy of the cookie until it expires)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from contract.kiosks import KioskStatus
from contract.notifications import OUTBOX_STATES
from municipal import timeutil
from municipal.api.common import context_of
from municipal.api.kiosks import check_staff, fleet_status
from municipal.context import Context
from municipal.errors import ApiError
from municipal.models import OutboxMessage, StaffKey
from municipal.outbox.api import mask
from municipal.web.page import html_page, language_links, local_time, page_language, pick, text, texts

router = APIRouter(prefix="/staff", include_in_schema=False)

SESSION_COOKIE = "ovac_staff"
CSRF_COOKIE = "ovac_staff_form"
#: A staff session lasts a working day at most.
SESSION_SECONDS = 8 * 3600
REFRESH_SECONDS = 30
#: Below this much free space on its session folders' file system, a kiosk is shown as faulty.
DISK_LOW_BYTES = 500 * 1024 * 1024
#: How many dead messages the page lists (the newest).
DEAD_LISTED = 50

TEXT = texts("staff")


def _t(key: str, language: str, **values: object) -> str:
    return pick(TEXT[key], language).format(**{k: text(v) for k, v in values.items()})


# --- sessions ------------------------------------------------------------------------------------------


def _signing_key(ctx: Context) -> bytes:
    return hmac.new(ctx.settings.id_hash_key(), b"ovac staff session", hashlib.sha256).digest()


def _mac(ctx: Context, *parts: str) -> str:
    digest = hmac.new(_signing_key(ctx), "\0".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _key_binding(ctx: Context, staff_id: str) -> str | None:
    """What a session is bound to: a digest of the staff member's stored key hash (None: no such active
    staff member), so a new key or a deactivation ends every session made with the old one."""
    with ctx.read() as session:
        row = session.get(StaffKey, staff_id)
    if row is None or not row.active:
        return None
    return hashlib.sha256(row.key_hash.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class StaffSession:
    staff_id: str
    expires: int
    nonce: str
    cookie: str

    def csrf(self, ctx: Context) -> str:
        """The sign-out form's token: only a page of this session can hold it."""
        return _mac(ctx, "sign-out", self.cookie)


def new_session(ctx: Context, staff_id: str, now: float) -> StaffSession:
    binding = _key_binding(ctx, staff_id) or ""
    expires = int(now) + SESSION_SECONDS
    nonce = secrets.token_urlsafe(16)
    name = base64.urlsafe_b64encode(staff_id.encode()).rstrip(b"=").decode()
    mac = _mac(ctx, "session", name, str(expires), nonce, binding)
    return StaffSession(staff_id, expires, nonce, f"{name}.{expires}.{nonce}.{mac}")


def _signed_out(request: Request) -> dict[str, int]:
    kept = getattr(request.app.state, "staff_signed_out", None)
    if not isinstance(kept, dict):
        kept = {}
        request.app.state.staff_signed_out = kept
    return kept


def read_session(
    ctx: Context, cookie: str | None, now: float, signed_out: dict[str, int]
) -> StaffSession | None:
    """The session of a cookie, or None: malformed, forged, expired, signed out, or made with a key the
    staff member no longer has."""
    if not cookie or len(cookie) > 400:
        return None
    try:
        name, expires_text, nonce, mac = cookie.split(".")
        staff_id = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
        expires = int(expires_text)
    except ValueError:
        return None
    if expires <= now or nonce in signed_out:
        return None
    binding = _key_binding(ctx, staff_id)
    if binding is None or not hmac.compare_digest(
        mac, _mac(ctx, "session", name, expires_text, nonce, binding)
    ):
        return None
    return StaffSession(staff_id, expires, nonce, cookie)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _same_origin(request: Request) -> bool:
    """A POST this site's own page sent: the browser's Origin (or Sec-Fetch-Site) says so when it says
    anything at all."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own


# --- sign in and out -----------------------------------------------------------------------------------


def _sign_in_page(
    request: Request, language: str, message: str = "", status: int = 200, **headers: str
) -> Response:
    token = secrets.token_urlsafe(32)
    notice = f'<p class="notice" role="alert">{message}</p>' if message else ""
    body = (
        f"{language_links(request, language)}{notice}<p>{_t('sign_in_intro', language)}</p>"
        f'<form method="post" action="/staff/sign-in?lang={language}">'
        f'<input type="hidden" name="csrf" value="{text(token)}">'
        f'<label for="staff_id">{_t("staff_id", language)}</label>'
        '<input id="staff_id" name="staff_id" autocomplete="username" required maxlength="64">'
        f'<label for="key">{_t("key", language)}</label>'
        '<input id="key" name="key" type="password" autocomplete="current-password" required maxlength="256">'
        f'<p><button type="submit" id="sign-in">{_t("sign_in", language)}</button></p></form>'
    )
    response = html_page(
        language,
        _t("sign_in_title", language),
        body,
        status=status,
        heading=_t("band", language),
        headers=headers,
    )
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=3600,
        path="/staff",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request, page_language(request))


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    staff_id: Annotated[str, Form(max_length=200)] = "",
    key: Annotated[str, Form(max_length=400)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    language = page_language(request)
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf, expected) or not _same_origin(request):
        return _sign_in_page(request, language, _t("form_expired", language), status=403)
    ctx = context_of(request)
    client = request.client.host if request.client else "?"
    try:
        checked = await check_staff(ctx, staff_id, key, client)
    except ApiError as refusal:
        if refusal.status == 429:
            wait = (refusal.headers or {}).get("Retry-After", "60")
            message = _t("too_many", language, seconds=wait)
            return _sign_in_page(request, language, message, status=429, **{"Retry-After": wait})
        return _sign_in_page(request, language, _t("refused", language), status=401)
    session = await run_in_threadpool(new_session, ctx, checked, time.time())
    response = RedirectResponse(f"/staff?lang={language}", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=SESSION_SECONDS,
        expires=SESSION_SECONDS,  # for browsers that know no Max-Age
        path="/staff",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(
        CSRF_COOKIE, path="/staff", secure=_secure(request), httponly=True, samesite="strict"
    )
    return response


@router.post("/sign-out", response_class=HTMLResponse)
async def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    language = page_language(request)
    ctx = context_of(request)
    signed_out = _signed_out(request)
    session = await run_in_threadpool(
        read_session, ctx, request.cookies.get(SESSION_COOKIE), time.time(), signed_out
    )
    if session is not None:
        if not _same_origin(request) or not hmac.compare_digest(csrf, session.csrf(ctx)):
            return _sign_in_page(request, language, _t("form_expired", language), status=403)
        now = int(time.time())
        for nonce in [n for n, until in signed_out.items() if until <= now]:
            del signed_out[nonce]
        signed_out[session.nonce] = session.expires
    response = _sign_in_page(request, language, _t("signed_out", language))
    response.delete_cookie(
        SESSION_COOKIE, path="/staff", secure=_secure(request), httponly=True, samesite="strict"
    )
    return response


# --- the fleet -----------------------------------------------------------------------------------------


def problems(kiosk: KioskStatus, language: str) -> list[str]:
    """What is wrong with a kiosk that sends heartbeats, in words (escaped); empty when nothing is."""
    state = kiosk.state
    if state is None:
        return []
    out = []
    if not state.reader_present:
        out.append(_t("p_no_reader", language))
    if not state.card_stack_ok:
        out.append(
            _t("p_card_stack", language)
            + (f" ({text(state.card_stack_problem)})" if state.card_stack_problem else "")
        )
    printer = state.printer
    reasons = [r for r in printer.reasons if r.endswith("-error") or r in ("paused", "offline-report")]
    if printer.state in ("stopped", "unreachable", "unknown") or reasons or printer.accepting_jobs is False:
        out.append(f"{_t('p_printer', language)}: {text(', '.join([printer.state, *reasons]))}")
    if state.temp_free_bytes < DISK_LOW_BYTES:
        out.append(_t("p_disk", language))
    return out


def _size(count: int, language: str) -> str:
    shown = f"{count / 1e9:.1f} GB" if count >= 1e9 else f"{count / 1e6:.0f} MB"
    return shown.replace(".", ",") if language != "en" else shown


def _kiosk_row(kiosk: KioskStatus, now: datetime, language: str) -> tuple[int, str]:
    found = problems(kiosk, language)
    if kiosk.stale:
        rank, css, label = 0, "stale", "⚠ " + _t("state_stale", language)
    elif found:
        rank, css, label = 1, "faulty", "⚠ " + _t("state_faulty", language) + ": " + "; ".join(found)
    else:
        rank, css, label = 2, "ok", "✓ " + _t("state_ok", language)
    if kiosk.last_heartbeat_at is None:
        heartbeat = _t("never", language)
    else:
        minutes = int((now - kiosk.last_heartbeat_at).total_seconds() // 60)
        at = text(local_time(kiosk.last_heartbeat_at, seconds=True))
        heartbeat = f"{at} ({_t('ago', language, minutes=minutes)})"
    state = kiosk.state
    cells = [f'<th scope="row">{text(kiosk.kiosk_id)}</th>', f"<td>{label}</td>", f"<td>{heartbeat}</td>"]
    if state is None:
        cells += ["<td>—</td>"] * 6
    else:
        reader = _t(
            "reader_ok" if state.reader_present else "reader_missing", language, readers=state.readers
        )
        printer = text(", ".join([state.printer.state, *state.printer.reasons]))
        if state.printer.accepting_jobs is False:
            printer += f" ({_t('not_accepting', language)})"
        started = local_time(
            datetime.fromtimestamp(state.sent_at.timestamp() - state.uptime_seconds, tz=state.sent_at.tzinfo),
            seconds=True,
        )
        error = "—"
        if state.last_error_code:
            error = text(state.last_error_code) + (
                f" ({text(local_time(state.last_error_at, seconds=True))})" if state.last_error_at else ""
            )
        cells += [
            f"<td>{reader}</td>",
            f"<td>{printer}</td>",
            f"<td>{text(_size(state.temp_free_bytes, language))}</td>",
            f"<td>{text(state.version)} · {text(state.mode)}</td>",
            f"<td>{text(started)}</td>",
            f"<td>{error}</td>",
        ]
    return rank, f'<tr class="{css}" id="kiosk-{text(kiosk.kiosk_id)}">{"".join(cells)}</tr>'


_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_NUMBER = re.compile(r"\+?\d[\d ]{5,}(\d{3})")


def scrubbed(error: str, channel: str, recipient: str) -> str:
    """A delivery error without the recipient in full (a mail server's refusal often quotes the address):
    the recipient masked as the outbox shows it, and any other address or long number too."""
    if recipient:
        error = error.replace(recipient, mask(channel, recipient))
    error = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", error)
    return _NUMBER.sub(lambda m: "*" * (len(m[0]) - 3) + m[1], error)


@dataclass(frozen=True)
class _Dead:
    """A dead message as the page lists it: nothing of its body, the recipient masked."""

    id: int
    created_at: datetime
    kind: str
    channel: str
    recipient: str
    attempts: int
    error: str


@dataclass(frozen=True)
class _Outbox:
    counts: dict[str, int]
    dead: list[_Dead]


def _outbox(ctx: Context) -> _Outbox:
    newest_dead = (
        select(OutboxMessage)
        .where(OutboxMessage.state == "dead")
        .order_by(OutboxMessage.id.desc())
        .limit(DEAD_LISTED)
    )
    with ctx.read() as session:
        counts = dict(
            session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
        )
        dead = [
            _Dead(m.id, m.created_at, m.kind, m.channel, mask(m.channel, m.recipient), m.attempts,
                  scrubbed(m.last_error or "", m.channel, m.recipient))
            for m in session.scalars(newest_dead)
        ]  # fmt: skip
    return _Outbox({s: int(counts.get(s, 0)) for s in OUTBOX_STATES}, dead)


def _outbox_section(outbox: _Outbox, language: str) -> str:
    counts = "".join(
        f'<tr><th scope="row">{_t(s, language)}</th><td>{n}</td></tr>' for s, n in outbox.counts.items()
    )
    out = (
        f'<h2>{_t("outbox", language)}</h2><table id="outbox-counts">'
        f"<thead><tr><th>{_t('col_state', language)}</th>"
        f"<th>{_t('col_count', language)}</th></tr></thead><tbody>{counts}</tbody></table>"
        f"<h2>{_t('dead_title', language)}</h2>"
    )
    if not outbox.dead:
        return out + f"<p>{_t('no_dead', language)}</p>"
    heads = ("col_id", "col_created", "col_what", "col_recipient", "col_attempts", "col_error")
    rows = "".join(
        f"<tr><td>{m.id}</td><td>{text(local_time(m.created_at))}</td>"
        f"<td>{text(m.kind)} · {text(m.channel)}</td>"
        f"<td>{text(m.recipient)}</td><td>{m.attempts}</td><td>{text(m.error)}</td></tr>"
        for m in outbox.dead
    )
    head = "".join(f'<th scope="col">{_t(h, language)}</th>' for h in heads)
    return out + f'<table id="outbox-dead"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


@router.get("", response_class=HTMLResponse)
async def fleet_page(request: Request) -> Response:
    language = page_language(request)
    ctx = context_of(request)
    session = await run_in_threadpool(
        read_session, ctx, request.cookies.get(SESSION_COOKIE), time.time(), _signed_out(request)
    )
    if session is None:
        return RedirectResponse(
            f"/staff/sign-in?lang={language}", status_code=303, headers={"Cache-Control": "no-store"}
        )
    fleet = await run_in_threadpool(fleet_status, ctx)
    outbox = await run_in_threadpool(_outbox, ctx)
    now = timeutil.now()
    rows = sorted(
        (_kiosk_row(k, now, language) + (k.kiosk_id,) for k in fleet.kiosks), key=lambda r: (r[0], r[2])
    )
    ranks = [r[0] for r in rows]
    heads = (
        "col_kiosk",
        "col_state",
        "col_heartbeat",
        "col_reader",
        "col_printer",
        "col_disk",
        "col_version",
        "col_started",
        "col_error",
    )
    head = "".join(f'<th scope="col">{_t(h, language)}</th>' for h in heads)
    if rows:
        lines = "".join(r[1] for r in rows)
        table = f'<table id="kiosks"><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>'
    else:
        table = f"<p>{_t('no_kiosks', language)}</p>"
    checked = local_time(fleet.checked_at, seconds=True)
    summary = _t("summary", language, stale=ranks.count(0), faulty=ranks.count(1), ok=ranks.count(2))
    body = (
        f"{language_links(request, language)}"
        f'<form method="post" action="/staff/sign-out?lang={language}">'
        f"<p>{_t('signed_in_as', language, who=session.staff_id)} "
        f'<input type="hidden" name="csrf" value="{text(session.csrf(ctx))}">'
        f'<button type="submit" id="sign-out">{_t("sign_out", language)}</button></p></form>'
        f"<p>{_t('checked_at', language, at=checked, seconds=REFRESH_SECONDS)} "
        f"{_t('stale_rule', language, seconds=fleet.stale_after_seconds)}</p>"
        f"<h2>{_t('kiosks', language)}</h2>"
        f'<p id="fleet-summary">{summary}</p>'
        f"{table}{_outbox_section(outbox, language)}"
    )
    return html_page(
        language,
        _t("fleet_title", language),
        body,
        heading=_t("band", language),
        refresh_seconds=REFRESH_SECONDS,
    )
