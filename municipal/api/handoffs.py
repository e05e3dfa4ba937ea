"""Login by QR hand-off (RFC 8628's device authorization pattern over an OAuth 2.0 authorisation-code
login at an identity provider such as the AOC's VÀLid: idCAT Mòbil, Cl@ve).

    kiosk   POST /v1/auth/handoffs               -> handoff_id, user_code, verification_uri(_complete)
    phone   GET  /handoff?code=USERCODE          -> 302 to the provider's /o/oauth2/auth (state, PKCE)
    phone   ... identifies at the provider ...   -> 302 to GET /v1/auth/handoffs/callback?code&state
    server  POST {provider}/o/oauth2/token, GET {provider}/serveis-rest/getUserInfo
    kiosk   POST /v1/auth/handoffs/{id}/token    -> 400 authorization_pending | slow_down | ... | 200 session
    kiosk   DELETE /v1/auth/handoffs/{id}        -> 204 (cancelled)

Everything a hand-off is lives in `auth_handoffs`, so any server behind the load balancer may answer
any step. The kiosk's handle, the OAuth state and the session token are stored as hashes; the PKCE
verifier never leaves the server. A hand-off gives one session once, to the kiosk that started it; its
scope is "handoff": procedures that need a certificate still refuse it (403 scope_forbidden).

The provider is named in the TOML file of `--handoff-config` (`MUNICIPAL_HANDOFF_CONFIG`), its client
secret read from a file it names:

    [handoff]
    seconds = 600               # a hand-off expires after this (idCAT Mòbil and Cl@ve codes last 10 min)
    interval_seconds = 5        # the kiosk polls at most this often ...
    slow_down_seconds = 5       # ... and this much less often after each `slow_down`

    [idp]                       # no [idp]: a training server uses its simulator (municipal.idp_sim),
    name = "VÀLid"              # a production one answers 503 handoff_unavailable
    authorize_url = "https://identitats.aoc.cat/o/oauth2/auth"
    token_url = "https://identitats.aoc.cat/o/oauth2/token"
    userinfo_url = "https://identitats.aoc.cat/serveis-rest/getUserInfo"
    client_id = "..."           # as registered with the AOC
    client_secret_file = "/etc/ovac/valid-client-secret"
    scope = "autenticacio_usuari"
    redirect_uri = ""           # empty: {public base URL}/v1/auth/handoffs/callback (as registered)
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import logging
import secrets
import tomllib
import urllib.parse
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import requests
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import select

from contract.errors import ErrorOut
from contract.handoffs import HandoffError, HandoffErrorOut, HandoffIn, HandoffOut
from contract.v1 import CitizenOut, SessionOut
from municipal import ids, timeutil
from municipal.api.auth import open_session, session_row
from municipal.api.common import KIOSK, Ctx, KioskId, token_hash
from municipal.context import Context
from municipal.errors import LANGUAGES, language_of
from municipal.models import AuthHandoff, CitizenSession
from municipal.settings import ServerSettings

log = logging.getLogger("municipal.handoff")

CALLBACK_PATH = "/v1/auth/handoffs/callback"
VERIFY_PATH = "/handoff"
#: RFC 8628 section 6.1: 20 consonants (no vowels, so no words; no 0/O, 1/I to confuse).
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8

router = APIRouter(prefix="/v1/auth/handoffs", tags=["authentication"], dependencies=[KIOSK])
#: What the citizen's phone opens: no kiosk credentials there.
phone_router = APIRouter(tags=["authentication"], include_in_schema=False)

POLL_ANSWERS: dict[int | str, dict[str, Any]] = {
    400: {"model": HandoffErrorOut, "description": "Not (yet) a session: RFC 8628 `error`, or this server's"},
    401: {"model": ErrorOut, "description": "Kiosk not authorised"},
    422: {"model": ErrorOut, "description": "Malformed request"},
    503: {"model": HandoffErrorOut, "description": "No identity provider configured"},
}

START_ANSWERS = {status: answer for status, answer in POLL_ANSWERS.items() if status != 400}


@dataclass(frozen=True)
class IdentityProvider:
    name: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str = "autenticacio_usuari"
    redirect_uri: str = ""


@dataclass(frozen=True)
class HandoffConfig:
    seconds: int = 600
    interval_seconds: int = 5
    slow_down_seconds: int = 5
    #: None: the training server's simulator, at this server's own base URL.
    idp: IdentityProvider | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HandoffConfig:
        idp = None
        if "idp" in data:
            raw = dict(data["idp"])
            secret_file = raw.pop("client_secret_file", "")
            raw["client_secret"] = (
                Path(secret_file).read_text(encoding="utf-8").strip() if secret_file else ""
            )
            idp = IdentityProvider(**raw)
        return cls(**data.get("handoff", {}), idp=idp)


@functools.cache
def _load(path: Path | None) -> HandoffConfig:
    if path is None:
        return HandoffConfig()
    return HandoffConfig.from_dict(tomllib.loads(path.read_text(encoding="utf-8")))


def config_of(settings: ServerSettings) -> HandoffConfig:
    return _load(settings.handoff_config)


def base_url(settings: ServerSettings, request: Request) -> str:
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


def provider(settings: ServerSettings, request: Request) -> IdentityProvider | None:
    """The identity provider of this server: the configured one, else (training only) the simulator."""
    config = config_of(settings)
    base = base_url(settings, request)
    idp = config.idp
    if idp is None:
        if not settings.training:
            return None
        from municipal import idp_sim

        idp = idp_sim.provider(base)
    return idp if idp.redirect_uri else replace(idp, redirect_uri=base + CALLBACK_PATH)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_user_code(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def shown_user_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


# -- the kiosk's routes --------------------------------------------------------------------------------

_MESSAGES: dict[HandoffError, tuple[str, str, str]] = {
    "authorization_pending": (
        "Completeu la identificació al mòbil.",
        "Complete la identificación en el móvil.",
        "Complete the identification on your phone.",
    ),
    "slow_down": (
        "Un moment, si us plau.",
        "Un momento, por favor.",
        "One moment, please.",
    ),
    "expired_token": (
        "El temps per identificar-vos amb el mòbil s'ha acabat. Torneu-ho a provar.",
        "El tiempo para identificarse con el móvil se ha acabado. Vuelva a intentarlo.",
        "The time to identify with your phone has run out. Please try again.",
    ),
    "access_denied": (
        "La identificació amb el mòbil no s'ha completat.",
        "La identificación con el móvil no se ha completado.",
        "The identification with your phone was not completed.",
    ),
    "handoff_unknown": (
        "Aquesta identificació amb el mòbil no existeix. Torneu a començar.",
        "Esta identificación con el móvil no existe. Vuelva a empezar.",
        "This phone identification does not exist. Please start again.",
    ),
    "handoff_other_kiosk": (
        "Aquesta identificació amb el mòbil es va començar en un altre caixer.",
        "Esta identificación con el móvil se empezó en otro cajero.",
        "This phone identification was started at another kiosk.",
    ),
    "handoff_used": (
        "Aquesta identificació amb el mòbil ja s'ha fet servir.",
        "Esta identificación con el móvil ya se ha utilizado.",
        "This phone identification has already been used.",
    ),
    "handoff_session_ended": (
        "La sessió d'aquesta identificació ja s'ha acabat. Torneu a identificar-vos.",
        "La sesión de esta identificación ya ha terminado. Vuelva a identificarse.",
        "The session of this identification has ended. Please identify again.",
    ),
    "handoff_cancelled": (
        "La identificació amb el mòbil s'ha cancel·lat.",
        "La identificación con el móvil se ha cancelado.",
        "The phone identification was cancelled.",
    ),
    "handoff_unavailable": (
        "La identificació amb el mòbil no està disponible en aquest moment.",
        "La identificación con el móvil no está disponible en este momento.",
        "Identification with your phone is not available at the moment.",
    ),
}


def _language_index(language: str) -> int:
    return LANGUAGES.index(language) if language in LANGUAGES else 0


def refusal(
    request: Request, error: HandoffError, status: int = 400, *, interval: int | None = None, detail: str = ""
) -> JSONResponse:
    body = HandoffErrorOut(
        error=error,
        message=_MESSAGES[error][_language_index(language_of(request))],
        error_description=detail or error,
        interval=interval,
    )
    # RFC 8628 answers are not to be cached (RFC 6749 section 5.2).
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers={"Cache-Control": "no-store"}
    )


@router.post("", status_code=201, response_model=HandoffOut, responses=START_ANSWERS)
def start_handoff(
    body: HandoffIn, request: Request, ctx: Ctx, kiosk_id: KioskId
) -> HandoffOut | JSONResponse:
    """Start a login by QR hand-off: the kiosk shows `verification_uri_complete` as a QR code and
    `user_code`, and polls `POST /v1/auth/handoffs/{handoff_id}/token` every `interval` seconds."""
    settings = ctx.settings
    if provider(settings, request) is None:
        return refusal(request, "handoff_unavailable", 503)
    config = config_of(settings)
    handle = secrets.token_urlsafe(32)
    code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
    now = timeutil.now()
    row = AuthHandoff(
        id_hash=_hash(handle),
        kiosk_id=kiosk_id,
        user_code=code,
        language=body.language,
        status="pending",
        created_at=now,
        expires_at=now + timedelta(seconds=config.seconds),
        interval_seconds=config.interval_seconds,
    )
    with ctx.transaction() as session:
        session.add(row)
    log.info("hand-off started (kiosk %s)", kiosk_id)
    verify = base_url(settings, request) + VERIFY_PATH
    return HandoffOut(
        handoff_id=handle,
        user_code=shown_user_code(code),
        verification_uri=verify,
        verification_uri_complete=f"{verify}?code={code}",
        expires_at=row.expires_at,
        expires_in=config.seconds,
        interval=config.interval_seconds,
    )


def _session_over(ctx: Context, session_row: CitizenSession | None) -> bool:
    if session_row is None or session_row.ended_at is not None:
        return True
    now = timeutil.now()
    settings = ctx.settings
    return now - session_row.last_seen_at > timedelta(seconds=settings.session_idle_seconds) or (
        now - session_row.created_at > timedelta(seconds=settings.session_max_seconds)
    )


@router.post("/{handoff_id}/token", response_model=SessionOut, responses=POLL_ANSWERS)
def poll_handoff(handoff_id: str, request: Request, ctx: Ctx, kiosk_id: KioskId) -> SessionOut | JSONResponse:
    """The kiosk's poll (RFC 8628 section 3.4): the session once the citizen has identified, else 400
    with `error`. Polled sooner than `interval` after the previous poll: `slow_down`, and the interval
    is longer from then on."""
    settings = ctx.settings
    config = config_of(settings)
    now = timeutil.now()
    with ctx.transaction() as session:
        statement = select(AuthHandoff).where(AuthHandoff.id_hash == _hash(handoff_id))
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = session.execute(statement).scalar_one_or_none()
        if row is None:
            return refusal(request, "handoff_unknown")
        if row.kiosk_id != kiosk_id:
            log.warning("hand-off polled by kiosk %s, started by kiosk %s", kiosk_id, row.kiosk_id)
            return refusal(request, "handoff_other_kiosk")
        if row.status == "consumed":
            ended = _session_over(ctx, session.get(CitizenSession, row.session_hash or ""))
            return refusal(request, "handoff_session_ended" if ended else "handoff_used")
        if row.status == "cancelled":
            return refusal(request, "handoff_cancelled")
        if row.status == "denied":
            return refusal(request, "access_denied")
        if now > row.expires_at:
            return refusal(request, "expired_token")
        if row.status == "pending":
            too_soon = row.last_polled_at is not None and now - row.last_polled_at < timedelta(
                seconds=row.interval_seconds
            )
            row.last_polled_at = now
            if too_soon:
                row.interval_seconds += config.slow_down_seconds
                return refusal(request, "slow_down", interval=row.interval_seconds)
            return refusal(request, "authorization_pending", interval=row.interval_seconds)
        # authorised: the session, once
        assert row.id_number and row.given_name is not None and row.surnames is not None
        token = secrets.token_urlsafe(32)
        citizen = CitizenOut(
            id_number=row.id_number, given_name=row.given_name, surnames=row.surnames, certificate_kind=None
        )
        # The kiosk's earlier sessions still open end here (one citizen at a kiosk: auth.open_session).
        method = row.method or "handoff"
        open_session(session, session_row(token, kiosk_id, citizen, "handoff", method, None, now))
        row.status = "consumed"
        row.session_hash = token_hash(token)
        row.finished_at = now
    log.info(
        "hand-off login: citizen %s by %s (kiosk %s)", ids.log_hash(citizen.id_number), row.method, kiosk_id
    )
    expires = now + timedelta(seconds=settings.session_idle_seconds)
    return SessionOut(token=token, expires_at=expires, scope="handoff", citizen=citizen)


@router.delete("/{handoff_id}", status_code=204, response_class=Response, responses=POLL_ANSWERS)
def cancel_handoff(handoff_id: str, request: Request, ctx: Ctx, kiosk_id: KioskId) -> Response:
    """Cancel a hand-off that has not given its session yet (the citizen pressed Cancel, or left):
    the phone's pages and the kiosk's polls say so from now on. Cancelling twice is not an error."""
    with ctx.transaction() as session:
        row = session.get(AuthHandoff, _hash(handoff_id))
        if row is None:
            return refusal(request, "handoff_unknown")
        if row.kiosk_id != kiosk_id:
            return refusal(request, "handoff_other_kiosk")
        if row.status in ("pending", "authorised"):
            row.status = "cancelled"
            row.state_hash = row.code_verifier = None
            row.finished_at = timeutil.now()
    return Response(status_code=204)


# -- the phone's pages ---------------------------------------------------------------------------------

_PAGE_TEXT: dict[str, tuple[str, str, str]] = {
    "title": ("Identificació per a un caixer de l'Ajuntament de Mataró",
              "Identificación para un cajero del Ayuntamiento de Mataró",
              "Identification for a Mataró City Council kiosk"),
    "enter": ("Escriviu el codi que mostra la pantalla del caixer.",
              "Escriba el código que muestra la pantalla del cajero.",
              "Type the code shown on the kiosk's screen."),
    "continue": ("Continua", "Continuar", "Continue"),
    "unknown": ("Aquest codi no és vàlid o ja ha caducat. Torneu a començar al caixer.",
                "Este código no es válido o ya ha caducado. Vuelva a empezar en el cajero.",
                "This code is not valid or has expired. Please start again at the kiosk."),
    "done": ("Ja us heu identificat. Torneu a la pantalla del caixer.",
             "Ya se ha identificado. Vuelva a la pantalla del cajero.",
             "You are identified. Please go back to the kiosk's screen."),
    "denied": ("No us heu identificat. Podeu tornar a començar al caixer.",
               "No se ha identificado. Puede volver a empezar en el cajero.",
               "You were not identified. You can start again at the kiosk."),
    "failed": ("No s'ha pogut completar la identificació. Torneu a començar al caixer.",
               "No se ha podido completar la identificación. Vuelva a empezar en el cajero.",
               "The identification could not be completed. Please start again at the kiosk."),
}  # fmt: skip


def page(language: str, body: str, status: int = 200) -> HTMLResponse:
    """A small page for a phone (every value in `body` already escaped)."""
    title = html.escape(_PAGE_TEXT["title"][_language_index(language)])
    document = (
        f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers={"Cache-Control": "no-store"})


def _text(key: str, language: str) -> str:
    return html.escape(_PAGE_TEXT[key][_language_index(language)])


def _pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@phone_router.get(VERIFY_PATH, response_class=HTMLResponse)
def verify_page(
    request: Request,
    ctx: Ctx,
    code: Annotated[str, Query(max_length=20)] = "",
    lang: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    """The verification URL: with the user code, off to the identity provider; without, a form for it."""
    language = lang if lang in LANGUAGES else language_of(request)
    if not code:
        form = (
            f"<p>{_text('enter', language)}</p>"
            f'<form method="get" action="{VERIFY_PATH}"><input name="code" autocomplete="off" '
            f'autocapitalize="characters" maxlength="9" required> '
            f'<input type="hidden" name="lang" value="{html.escape(language)}">'
            f"<button>{_text('continue', language)}</button></form>"
        )
        return page(language, form)
    idp = provider(ctx.settings, request)
    user_code = normalise_user_code(code)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    now = timeutil.now()
    with ctx.transaction() as session:
        row = session.execute(
            select(AuthHandoff)
            .where(
                AuthHandoff.user_code == user_code,
                AuthHandoff.status == "pending",
                AuthHandoff.expires_at > now,
            )
            .order_by(AuthHandoff.created_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is not None and idp is not None:
            # A second visit (the page reloaded) starts the authorisation afresh; the first one's state dies.
            row.state_hash, row.code_verifier = _hash(state), verifier
            language = lang if lang in LANGUAGES else row.language
    if row is None or idp is None:
        return page(language, f"<p>{_text('unknown', language)}</p>", 404)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": idp.client_id,
            "redirect_uri": idp.redirect_uri,
            "scope": idp.scope,
            "state": state,
            "code_challenge": _pkce_challenge(verifier),
            "code_challenge_method": "S256",
            "ui_locales": language,
        }
    )
    return RedirectResponse(f"{idp.authorize_url}?{query}", status_code=303)


class ProviderFailed(Exception):
    pass


def _identify(idp: IdentityProvider, code: str, verifier: str) -> dict[str, Any]:
    """The authorisation code exchanged for a token (client secret and PKCE verifier), then the
    identity the provider vouches for."""
    try:
        answer = requests.post(
            idp.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": idp.redirect_uri,
                "client_id": idp.client_id,
                "client_secret": idp.client_secret,
                "code_verifier": verifier,
            },
            headers={"Accept": "application/json"},
            timeout=10,
        )
        if answer.status_code != 200:
            raise ProviderFailed(f"token endpoint answered {answer.status_code}")
        access = answer.json().get("access_token")
        if not isinstance(access, str) or not access:
            raise ProviderFailed("no access_token")
        info = requests.get(idp.userinfo_url, headers={"Authorization": f"Bearer {access}"}, timeout=10)
        if info.status_code != 200:
            raise ProviderFailed(f"user info answered {info.status_code}")
        data = info.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderFailed(type(error).__name__) from None
    if not isinstance(data, dict) or data.get("status", "ok") != "ok":
        raise ProviderFailed("user info refused")
    return data


@phone_router.get(CALLBACK_PATH, response_class=HTMLResponse)
def callback(
    request: Request,
    ctx: Ctx,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The identity provider's redirect back (the registered redirect URI): the hand-off whose `state`
    this is is completed (or denied); the state is burnt at once, so the callback cannot be replayed."""
    language = language_of(request)
    now = timeutil.now()
    claimed: tuple[str, str | None, str] | None = None
    with ctx.transaction() as session:
        statement = select(AuthHandoff).where(
            AuthHandoff.state_hash == _hash(state),
            AuthHandoff.status == "pending",
            AuthHandoff.expires_at > now,
        )
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = session.execute(statement).scalar_one_or_none()
        if state and row is not None:
            claimed = (row.id_hash, row.code_verifier, row.language)
            row.state_hash = row.code_verifier = None
    if claimed is None:
        log.info("hand-off callback refused: unknown, used or expired state")
        return page(language, f"<p>{_text('unknown', language)}</p>", 400)
    id_hash, verifier, language = claimed
    idp = provider(ctx.settings, request)
    if error or not code or idp is None or not verifier:
        with ctx.transaction() as session:
            row = session.get(AuthHandoff, id_hash)
            if row is not None and row.status == "pending":
                row.status, row.finished_at = "denied", now
        log.info("hand-off denied at the identity provider: %s", error[:40] or "no code")
        return page(language, f"<p>{_text('denied', language)}</p>")
    try:
        who = _identify(idp, code, verifier)
        id_number = ids.normalise(str(who.get("identifier", "")))
        if not ids.is_valid(id_number):
            raise ProviderFailed("no valid identifier")
        given_name = str(who.get("name", ""))[:200]
        surnames = str(who.get("surnames") or f"{who.get('surname1', '')} {who.get('surname2', '')}").strip()[
            :200
        ]
        method = str(who.get("method", "") or idp.name)[:20]
    except ProviderFailed as failure:
        log.warning("hand-off failed at %s: %s", idp.name, failure)
        with ctx.transaction() as session:
            row = session.get(AuthHandoff, id_hash)
            if row is not None and row.status == "pending":
                row.status, row.finished_at = "denied", timeutil.now()
        return page(language, f"<p>{_text('failed', language)}</p>", 502)
    with ctx.transaction() as session:
        row = session.get(AuthHandoff, id_hash)
        done = row is not None and row.status == "pending" and timeutil.now() <= row.expires_at
        if row is not None and done:
            row.status = "authorised"
            row.id_number, row.given_name, row.surnames, row.method = id_number, given_name, surnames, method
    if not done:  # cancelled or expired meanwhile
        return page(language, f"<p>{_text('unknown', language)}</p>", 400)
    log.info("hand-off authorised: citizen %s by %s", ids.log_hash(id_number), method)
    return page(language, f"<p>{_text('done', language)}</p>")
