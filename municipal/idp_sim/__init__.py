"""A SIMULATOR of an identity provider (the AOC's VÀLid, idCAT Mòbil-like), for training and demo servers
only: never a real identification. `municipal.app` mounts it at `/idp-sim` when the server runs with
`--training`, and a production server does not serve it (404).

It speaks the provider's side of the OAuth 2.0 authorisation-code flow the hand-off uses
(`municipal.api.handoffs`), at the same paths as VÀLid:

    GET  /idp-sim/o/oauth2/auth        client_id, redirect_uri, scope autenticacio_usuari, state, PKCE S256
                                       -> a page listing the test identities (testcards/citizens.toml)
    POST /idp-sim/o/oauth2/auth/identity  an identity chosen: a one-time code sent by SMS through the
                                       outbox (in the demo, to devstack's SMS sink), and its entry page
    POST /idp-sim/o/oauth2/auth/code   the right code -> 302 to redirect_uri?code&state
                                       ("No, cancel" -> redirect_uri?error=access_denied&state)
    POST /idp-sim/o/oauth2/token       the code, the client secret and the PKCE verifier -> access token
    GET  /idp-sim/serveis-rest/getUserInfo  Bearer -> identifier, name, surname1, surname2, method

Its state (authorisations under way, codes, tokens) is held in this process's memory: a training server
runs one worker. Pages in ca/es/en (`?ui_locales=`, else Accept-Language).
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from municipal import outbox, seed
from municipal.api.common import Ctx
from municipal.errors import LANGUAGES, language_of
from municipal.outbox.templates import TEMPLATES, Template

PREFIX = "/idp-sim"
CLIENT_ID = "ovac-training-simulator"
#: Not a secret: the simulator is a training tool, and this is its only client.
CLIENT_SECRET = "simulator-client-secret-not-for-production"
SCOPE = "autenticacio_usuari"
#: The only redirect URI registered for the client (on the server the simulator runs in).
CALLBACK_PATH = "/v1/auth/handoffs/callback"
#: Seconds an authorisation under way, a code sent by SMS, an authorisation code and a token live.
FLOW_SECONDS = 600
CODE_SECONDS = 60
TOKEN_SECONDS = 300
CODE_TRIES = 3

router = APIRouter(prefix=PREFIX, tags=["identity provider simulator"], include_in_schema=False)

TEMPLATES.setdefault(
    "idp_sim_code",
    {
        "ca": Template(
            subject="Codi d'identificació (SIMULADOR)",
            body="SIMULADOR de formació. Codi d'identificació: {code}\n",
            sms="SIMULADOR OVAC Mataró: el vostre codi d'identificació és {code}. No el doneu a ningú.",
        ),
        "es": Template(
            subject="Código de identificación (SIMULADOR)",
            body="SIMULADOR de formación. Código de identificación: {code}\n",
            sms="SIMULADOR OVAC Mataró: su código de identificación es {code}. No lo dé a nadie.",
        ),
        "en": Template(
            subject="Identification code (SIMULATOR)",
            body="Training SIMULATOR. Identification code: {code}\n",
            sms="SIMULATOR OVAC Mataró: your identification code is {code}. Do not give it to anyone.",
        ),
    },
)


def provider(base: str) -> Any:
    """The hand-off's view of this simulator, on the server at `base`."""
    from municipal.api.handoffs import IdentityProvider

    return IdentityProvider(
        name="simulator",
        authorize_url=f"{base}{PREFIX}/o/oauth2/auth",
        token_url=f"{base}{PREFIX}/o/oauth2/token",
        userinfo_url=f"{base}{PREFIX}/serveis-rest/getUserInfo",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scope=SCOPE,
    )


@dataclass(frozen=True)
class Identity:
    id_number: str
    given_name: str
    surname1: str
    surname2: str
    phone: str

    @property
    def surnames(self) -> str:
        return f"{self.surname1} {self.surname2}".strip()


def identities() -> list[Identity]:
    """The test cards' holders (one each), each with a made-up mobile number of the SMS sink."""
    seen: dict[str, Identity] = {}
    for n, citizen in enumerate(seed.test_citizens()):
        number = str(citizen["id_number"])
        if number not in seen:
            seen[number] = Identity(
                number, citizen["given_name"], citizen["surname1"], citizen.get("surname2", ""),
                f"+3460000{n:04d}",
            )  # fmt: skip
    return list(seen.values())


@dataclass(frozen=True)
class _Binding:
    """What an authorisation code is bound to: the client, its redirect URI (RFC 6749 section 4.1.3) and
    the PKCE challenge (RFC 7636). The token request must name the same."""

    client_id: str
    redirect_uri: str
    challenge: str


@dataclass
class _SentCode:
    """The one-time code sent by SMS to the identity chosen: its SHA-256 only, until when it is good, and
    the wrong tries so far."""

    identity: Identity
    digest: str
    expires: float
    tries: int = 0

    def matches(self, code: str) -> bool:
        right = secrets.compare_digest(hashlib.sha256(code.strip().encode()).hexdigest(), self.digest)
        return right and time.monotonic() <= self.expires


@dataclass
class _Flow:
    """One authorisation on its way: from the authorisation page to the code sent back."""

    binding: _Binding
    state: str
    language: str
    expires: float
    #: Once an identity is chosen: the code sent to it (choosing again sends a new one, its tries afresh).
    code: _SentCode | None = None


@dataclass
class _Grant:
    identity: Identity
    binding: _Binding
    expires: float


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    flows: dict[str, _Flow] = field(default_factory=dict)
    codes: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, tuple[Identity, float]] = field(default_factory=dict)

    def forget_old(self, now: float) -> None:
        for table in (self.flows, self.codes):
            for key in [k for k, v in table.items() if v.expires < now]:
                del table[key]
        for key in [k for k, (_, expires) in self.tokens.items() if expires < now]:
            del self.tokens[key]


_state = _State()

_TEXT: dict[str, tuple[str, str, str]] = {
    "banner": ("SIMULADOR DE FORMACIÓ: no és VÀLid ni idCAT Mòbil; cap identificació real.",
               "SIMULADOR DE FORMACIÓN: no es VÀLid ni idCAT Mòbil; ninguna identificación real.",
               "TRAINING SIMULATOR: not VÀLid nor idCAT Mòbil; no real identification."),
    "title": ("Identificació (simulador)", "Identificación (simulador)", "Identification (simulator)"),
    "choose": ("Trieu una identitat de prova:", "Elija una identidad de prueba:", "Choose a test identity:"),
    "deny": ("No, cancel·la", "No, cancelar", "No, cancel"),
    "sent": ("Hem enviat un codi per SMS al {phone}. Escriviu-lo:",
             "Hemos enviado un código por SMS al {phone}. Escríbalo:",
             "We have sent a code by SMS to {phone}. Type it:"),
    "wrong": ("El codi no és correcte.", "El código no es correcto.", "The code is not right."),
    "send": ("Envia", "Enviar", "Send"),
    "bad_request": ("Aquesta sol·licitud d'identificació no és vàlida o ha caducat.",
                    "Esta solicitud de identificación no es válida o ha caducado.",
                    "This identification request is not valid or has expired."),
}  # fmt: skip


def _t(key: str, language: str, **values: str) -> str:
    text = _TEXT[key][LANGUAGES.index(language) if language in LANGUAGES else 0]
    return html.escape(text.format(**values))


def _page(language: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_t('title', language)}</title></head><body>"
        '<p role="alert" style="background:#ffd400;padding:.5em;font-weight:bold">'
        f"{_t('banner', language)}</p>"
        f"<h1>{_t('title', language)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers={"Cache-Control": "no-store"})


def _masked(phone: str) -> str:
    return phone[:4] + "*" * (len(phone) - 6) + phone[-2:]


def _redirect(flow: _Flow, **values: str) -> RedirectResponse:
    query = urllib.parse.urlencode({**values, "state": flow.state})
    target = flow.binding.redirect_uri
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}{query}", status_code=303)


@router.get("/o/oauth2/auth", response_class=HTMLResponse)
def authorize(
    request: Request,
    response_type: Annotated[str, Query(max_length=20)] = "",
    client_id: Annotated[str, Query(max_length=100)] = "",
    redirect_uri: Annotated[str, Query(max_length=500)] = "",
    scope: Annotated[str, Query(max_length=200)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
    code_challenge: Annotated[str, Query(max_length=128)] = "",
    code_challenge_method: Annotated[str, Query(max_length=10)] = "",
    ui_locales: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    language = ui_locales[:2] if ui_locales[:2] in LANGUAGES else language_of(request)
    # A redirect URI not registered for the client is never redirected to (RFC 6749 section 4.1.2.1).
    target = urllib.parse.urlsplit(redirect_uri)
    if client_id != CLIENT_ID or target.netloc != request.url.netloc or target.path != CALLBACK_PATH:
        return _page(language, f"<p>{_t('bad_request', language)}</p>", 400)
    binding = _Binding(client_id, redirect_uri, code_challenge)
    flow = _Flow(binding, state, language, time.monotonic() + FLOW_SECONDS)
    if response_type != "code" or SCOPE not in scope.split() or not state:
        return _redirect(flow, error="invalid_request")
    if code_challenge_method != "S256" or len(code_challenge) < 43:
        return _redirect(flow, error="invalid_request", error_description="PKCE S256 required")
    flow_id = secrets.token_urlsafe(24)
    with _state.lock:
        _state.forget_old(time.monotonic())
        _state.flows[flow_id] = flow
    buttons = "".join(
        f'<p><button name="identity" value="{html.escape(who.id_number)}">'
        f"{html.escape(who.given_name)} {html.escape(who.surnames)} ({html.escape(who.id_number)})"
        "</button></p>"
        for who in identities()
    )
    body = (
        f'<form method="post" action="{PREFIX}/o/oauth2/auth/identity">'
        f'<input type="hidden" name="flow" value="{flow_id}"><p>{_t("choose", language)}</p>{buttons}'
        f'<p><button name="identity" value="">{_t("deny", language)}</button></p></form>'
    )
    return _page(language, body)


def _flow(flow_id: str) -> _Flow | None:
    with _state.lock:
        flow = _state.flows.get(flow_id)
        return flow if flow is not None and flow.expires > time.monotonic() else None


def _code_form(flow_id: str, flow: _Flow, wrong: bool = False) -> HTMLResponse:
    assert flow.code is not None
    language = flow.language
    body = (
        (f'<p role="alert">{_t("wrong", language)}</p>' if wrong else "")
        + f"<p>{_t('sent', language, phone=_masked(flow.code.identity.phone))}</p>"
        f'<form method="post" action="{PREFIX}/o/oauth2/auth/code">'
        f'<input type="hidden" name="flow" value="{flow_id}">'
        '<input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required> '
        f"<button>{_t('send', language)}</button></form>"
        f'<form method="post" action="{PREFIX}/o/oauth2/auth/code">'
        f'<input type="hidden" name="flow" value="{flow_id}"><input type="hidden" name="deny" value="1">'
        f"<button>{_t('deny', language)}</button></form>"
    )
    return _page(language, body)


@router.post("/o/oauth2/auth/identity", response_class=HTMLResponse)
def choose_identity(
    request: Request,
    ctx: Ctx,
    flow: Annotated[str, Form(max_length=64)],
    identity: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    found = _flow(flow)
    if found is None:
        return _page(language_of(request), f"<p>{_t('bad_request', language_of(request))}</p>", 400)
    if not identity:
        with _state.lock:
            _state.flows.pop(flow, None)
        return _redirect(found, error="access_denied")
    who = next((w for w in identities() if w.id_number == identity), None)
    if who is None:
        return _page(found.language, f"<p>{_t('bad_request', found.language)}</p>", 400)
    code = f"{secrets.randbelow(1_000_000):06d}"
    with ctx.transaction() as session:
        outbox.enqueue(
            session, kind="idp_sim_code", language=found.language, values={"code": code},
            consent="idp_sim:login", phone=who.phone,
        )  # fmt: skip
    sent = _SentCode(who, hashlib.sha256(code.encode()).hexdigest(), time.monotonic() + CODE_SECONDS * 5)
    with _state.lock:
        found.code = sent
    return _code_form(flow, found)


@router.post("/o/oauth2/auth/code", response_class=HTMLResponse)
def enter_code(
    request: Request,
    flow: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=12)] = "",
    deny: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    found = _flow(flow)
    sent = found.code if found is not None else None
    if found is None or sent is None:
        return _page(language_of(request), f"<p>{_t('bad_request', language_of(request))}</p>", 400)
    if deny:
        with _state.lock:
            _state.flows.pop(flow, None)
        return _redirect(found, error="access_denied")
    if not sent.matches(code):
        with _state.lock:
            sent.tries += 1
            spent = sent.tries >= CODE_TRIES
            if spent:
                _state.flows.pop(flow, None)
        return _redirect(found, error="access_denied") if spent else _code_form(flow, found, wrong=True)
    grant = secrets.token_urlsafe(32)
    with _state.lock:
        _state.flows.pop(flow, None)
        _state.codes[grant] = _Grant(sent.identity, found.binding, time.monotonic() + CODE_SECONDS)
    return _redirect(found, code=grant)


def _token_error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers={"Cache-Control": "no-store"})


@router.post("/o/oauth2/token")
def token(
    grant_type: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=200)] = "",
    redirect_uri: Annotated[str, Form(max_length=500)] = "",
    client_id: Annotated[str, Form(max_length=100)] = "",
    client_secret: Annotated[str, Form(max_length=200)] = "",
    code_verifier: Annotated[str, Form(max_length=128)] = "",
) -> JSONResponse:
    if grant_type != "authorization_code":
        return _token_error("unsupported_grant_type")
    if client_id != CLIENT_ID or not secrets.compare_digest(client_secret, CLIENT_SECRET):
        return _token_error("invalid_client", 401)
    with _state.lock:
        grant = _state.codes.pop(code, None)  # single use, whatever follows
    if grant is None or grant.expires < time.monotonic():
        return _token_error("invalid_grant")
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
    )
    if grant.binding != _Binding(client_id, redirect_uri, challenge):
        return _token_error("invalid_grant")
    access = secrets.token_urlsafe(32)
    with _state.lock:
        _state.tokens[access] = (grant.identity, time.monotonic() + TOKEN_SECONDS)
    return JSONResponse(
        {"access_token": access, "token_type": "Bearer", "expires_in": TOKEN_SECONDS, "scope": SCOPE},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/serveis-rest/getUserInfo")
def user_info(authorization: Annotated[str, Header(max_length=300)] = "") -> JSONResponse:
    scheme, _, access = authorization.partition(" ")
    with _state.lock:
        held = _state.tokens.get(access.strip()) if scheme.lower() == "bearer" else None
    if held is None or held[1] < time.monotonic():
        return JSONResponse({"status": "ko", "error": "invalid_token"}, status_code=401)
    who = held[0]
    return JSONResponse(
        {
            "status": "ok",
            "identifier": who.id_number,
            "name": who.given_name,
            "surname1": who.surname1,
            "surname2": who.surname2,
            "surnames": who.surnames,
            "phone": who.phone,
            "method": "idcatmobil",
            "assuranceLevel": "substantial",
            "simulated": True,
        }
    )
