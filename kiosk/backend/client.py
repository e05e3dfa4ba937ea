"""The kiosk's only door to the municipal backend (the /v1 contract, see docs/backend-contract.md).

Blocking calls (the app runs them in thread workers) that return typed results and raise typed errors;
no `requests.Response` leaves this module. Timeouts come from the config. Only requests that are safe to
repeat are retried, with backoff: reads, DELETE, and writes carrying an Idempotency-Key (the backend
returns the first result for a repeated key). Logs carry method, path, status and time: never a body,
a token or a citizen's data. Redirects are never followed (`BadResponse`): the kiosk's key and the body go
to the configured backend only.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError

from contract.activities import ActivitiesOut, Application, ApplicationIn, WithdrawIn
from contract.documents import (
    ActivityJustificant,
    BustiaReceipt,
    CitaJustificant,
    CitaTicket,
    DeixalleriaSummary,
    Department,
    InstanciaReceipt,
    PadroDocument,
)
from contract.errors import ErrorCode, ErrorOut
from contract.handoffs import HandoffErrorOut, HandoffIn, HandoffOut
from contract.kiosks import HeartbeatIn, KioskStartedOut
from contract.payments import BillsOut, PaymentDocument, PaymentDocumentIn
from contract.v1 import (
    BustiaIn,
    CardRequestIn,
    CardRequestOut,
    CatalogueOut,
    ChallengeOut,
    CitaAppointmentsOut,
    CitaCancelIn,
    CitaCancelled,
    CitaCheckInIn,
    CitaIn,
    CitaSlotsOut,
    DepartmentsOut,
    HealthOut,
    Identification,
    InstanciaFields,
    PadroDocumentIn,
    ProcedureOut,
    RegistrationOut,
    SessionIn,
    SessionOut,
    TrainingResetOut,
    VerificationOut,
    WeakSessionIn,
)
from kiosk.config import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


#: What a failure is known by: a member of the contract's `ErrorCode` when the backend sent one. Any other
#: str is either the client's own (`unreachable`, `tls_failed`, `redirect_refused`, `bad_response`,
#: `http_<status>` for an answer without an error body) or a code from a newer backend that this kiosk
#: does not know: kept as it came, for staff, and handled as the generic refusal of its kind (`Rejected`,
#: or `BackendUnavailable` for a 5xx), since no comparison with a member matches it.
Code = ErrorCode | str


class BackendError(Exception):
    """Any failure talking to the backend. `message` is the backend's (in the request's language) when
    it sent one; `code` is the contract's error code (see `Code`)."""

    def __init__(self, code: Code, message: str = ""):
        super().__init__(f"{code}: {message}" if message else str(code))
        self.code = code
        self.message = message


class BackendUnavailable(BackendError):
    """The backend cannot be reached, timed out or failed (5xx): try again later."""


class BadResponse(BackendUnavailable):
    """The backend answered outside the contract: a redirect (3xx), a body that is not JSON, or JSON that
    does not fit the contract's model of the answer.

    A misconfigured `[backend] url` or something in the way (a proxy, a captive portal): the kiosk follows
    no redirect, since the kiosk key, the citizen's token and the body would go to whatever host the
    answer names. Not retried; the citizen is told the service is not answering.
    """


class NotAuthorised(BackendError):
    """This kiosk is not authorised (401 kiosk_unauthorised), or the citizen's identification does not
    allow this procedure (403 scope_forbidden)."""


class SessionExpired(BackendError):
    """The citizen's session is missing, ended or expired: identify again."""


class Rejected(BackendError):
    """The backend refused the request for a reason the citizen can be told (`message`); or a request
    body did not fit the contract's model, and was refused before it was sent (`validation_error`, the
    backend's code for it, without a message)."""


class NotTraining(Rejected):
    """The backend has no training reset (404): it is not a training backend, and nothing was erased."""


_SESSION_CODES = {ErrorCode.SESSION_EXPIRED, ErrorCode.SESSION_REQUIRED}
_NOT_AUTHORISED_CODES = {ErrorCode.KIOSK_UNAUTHORISED, ErrorCode.SCOPE_FORBIDDEN}
_RETRY_STATUS = {502, 503, 504}
#: How a backend without the training reset answers (a reference production server, or any other).
_NO_TRAINING_CODES: frozenset[Code] = frozenset(
    {ErrorCode.NOT_FOUND, ErrorCode.METHOD_NOT_ALLOWED, "http_404", "http_405"}
)
Model = TypeVar("Model", bound=BaseModel)


def _tls_reason(exc: requests.exceptions.SSLError) -> str:
    """The TLS library's reason (`CERTIFICATE_VERIFY_FAILED`, `Hostname mismatch...`, `EOF occurred in
    violation of protocol`), without the rest of the chain's text."""
    reason = str(exc)
    for known in ("certificate verify failed", "EOF occurred in violation of protocol", "Hostname mismatch"):
        if known in reason:
            start = reason.find(known)
            return reason[start : reason.find(")", start) if ")" in reason[start:] else None][:160]
    return type(exc).__name__


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def _read(model: type[Model], body: Any, what: str) -> Model:
    """The contract's model of an answer; an answer that does not fit it is a `BadResponse`. The log and
    the error name the fields only: their values are a citizen's data."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "(body)" for e in exc.errors()})[:5]
    # Raised outside the handler: the ValidationError (which holds the values) is not even its context.
    log.warning("backend answer to %s does not fit %s: %s", what, model.__name__, ", ".join(fields))
    raise BadResponse("bad_response", f"the backend's answer does not fit {model.__name__}")


def _body(model: type[BaseModel], **fields: Any) -> dict[str, Any]:
    """A request body built as the contract's request model, as JSON (`model_dump(mode="json")`). One that
    does not fit the model is refused here, with the code the backend would refuse it with
    (`Rejected("validation_error")`), and sent nowhere; the log and the error name the fields only."""
    try:
        return model.model_validate(fields).model_dump(mode="json")
    except ValidationError as exc:
        names = sorted({".".join(str(p) for p in e["loc"]) or "(body)" for e in exc.errors()})[:5]
    log.warning("request body does not fit %s: %s", model.__name__, ", ".join(names))
    raise Rejected(ErrorCode.VALIDATION_ERROR)


def _given(contact: Mapping[str, str | None] | None) -> dict[str, str] | None:
    """A request's `contact` ({email, phone}): the values given, the empty ones left out; None without one."""
    return {k: v for k, v in contact.items() if v} if contact else None


def _consented(contact: Mapping[str, str | None] | None) -> dict[str, Any]:
    """The fields of a `ConsentedContactIn`: the contact given (see `_given`), consented to when it holds
    anything (the procedures pass a contact only with the citizen's consent)."""
    given = _given(contact)
    return {"contact": given, "consent": bool(given)}


class _MultipartBody:
    """A multipart/form-data body streamed from disk with a known length, reporting progress."""

    def __init__(self, fields: Mapping[str, str], files: Iterable[Path], progress: Progress | None):
        self.boundary = secrets.token_hex(16)
        self.progress = progress
        self._parts: list[bytes | Path] = []
        for name, value in fields.items():
            self._parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
                f"Content-Type: application/json; charset=utf-8\r\n\r\n".encode()
                + value.encode()
                + b"\r\n"
            )
        for path in files:
            quoted = path.name.replace('"', "%22").replace("\r", "").replace("\n", "")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="files"; filename="{quoted}"\r\n'
                f"Content-Type: {kind}\r\n\r\n".encode()
            )
            self._parts.append(path)
            self._parts.append(b"\r\n")
        self._parts.append(f"--{self.boundary}--\r\n".encode())
        self.length = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in self._parts)
        self._index = 0
        self._open: BinaryIO | None = None
        self._buffer = b""
        self.sent = 0

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        size = 64 * 1024 if size is None or size < 0 else size
        out = b""
        while len(out) < size and self._index < len(self._parts):
            part = self._parts[self._index]
            if isinstance(part, bytes):
                out += part
                self._index += 1
                continue
            if self._open is None:
                self._open = part.open("rb")
            chunk = self._open.read(size - len(out))
            if chunk:
                out += chunk
            else:
                self._open.close()
                self._open = None
                self._index += 1
        self.sent += len(out)
        if self.progress is not None and out:
            self.progress(self.sent, self.length)
        return out

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None


class BackendClient:
    """One `requests.Session` to the backend of `settings.backend.url`, as kiosk `settings.kiosk.id`."""

    def __init__(self, settings: Settings, *, language: Callable[[], str] | None = None):
        backend = settings.backend
        self.base = backend.url.rstrip("/")
        self.retries = backend.retries
        self.backoff = 0.25
        #: Passed with every request. `verify` is never set on the session only: requests lets
        #: $REQUESTS_CA_BUNDLE (or $CURL_CA_BUNDLE) replace a session's `verify`, so a kiosk started with
        #: one set would trust that bundle instead of `[backend] ca_file`; never False: nothing turns
        #: verification off. Redirects never: requests would send X-Kiosk-Key (and a 307/308 the body)
        #: to the new host.
        self._transport: dict[str, Any] = {
            "timeout": (backend.connect_timeout_seconds, backend.read_timeout_seconds),
            "verify": str(backend.ca_file) if backend.ca_file is not None else True,
            "allow_redirects": False,
        }
        self._language = language
        #: What the last catalogue said each procedure accepts (see `accepts`).
        self._accepts: dict[str, tuple[Identification, ...]] = {}
        self._session = requests.Session()
        self._session.headers.update(
            {
                "X-Kiosk-Id": settings.kiosk.id,
                "X-Kiosk-Key": backend.kiosk_key.get_secret_value(),
                "User-Agent": "ovac-kiosk",
            }
        )

    def close(self) -> None:
        self._session.close()

    def language(self) -> str:
        if self._language is not None:
            return self._language()
        from kiosk.i18n import current_language

        return current_language()

    # --- transport ---------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        body_factory: Callable[[], _MultipartBody] | None = None,
        expect: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        headers = {"Accept-Language": self.language(), "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        safe = method in ("GET", "HEAD", "DELETE") or idempotency_key is not None
        attempts = 1 + (self.retries if safe else 0)
        last: BackendError | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            started = time.monotonic()
            body = body_factory() if body_factory is not None else None
            try:
                if body is not None:
                    headers["Content-Type"] = body.content_type
                    headers["Content-Length"] = str(body.length)
                response = self._session.request(
                    method,
                    self.base + path,
                    headers=headers,
                    json=json_body,
                    data=body,
                    params=params,
                    **self._transport,
                )
            except requests.exceptions.SSLError as exc:
                # Not the network: the server's certificate (another CA, another host name, expired) or a
                # handshake that did not finish. For staff, the TLS reason; the citizen is told the
                # service did not answer. Retried like any failure to connect (a handshake cut is one).
                log.warning(
                    "backend %s %s: TLS failed (%s), attempt %d of %d",
                    method,
                    path,
                    _tls_reason(exc),
                    attempt + 1,
                    attempts,
                )
                last = BackendUnavailable("tls_failed", "SSLError")
                continue
            except requests.RequestException as exc:
                log.warning(
                    "backend %s %s failed (%s), attempt %d of %d",
                    method,
                    path,
                    type(exc).__name__,
                    attempt + 1,
                    attempts,
                )
                last = BackendUnavailable("unreachable", str(type(exc).__name__))
                continue
            finally:
                if body is not None:
                    body.close()
            elapsed = (time.monotonic() - started) * 1000
            log.info("backend %s %s -> %d (%.0f ms)", method, path, response.status_code, elapsed)
            if response.is_redirect or 300 <= response.status_code < 400:
                # The host it points at, for staff; not the rest of the address (it may carry a token).
                target = urlsplit(response.headers.get("Location", "")).hostname or "-"
                log.warning("backend %s %s: redirect to %s refused", method, path, target)
                raise BadResponse("redirect_refused", f"the backend answered {response.status_code}")
            if response.status_code in _RETRY_STATUS:
                last = BackendUnavailable(*self._error_fields(response))
                continue
            if response.status_code in expect:
                if response.status_code == 204 or not response.content:
                    return None
                try:
                    return response.json()
                except ValueError:
                    raise BadResponse("bad_response", "the backend's answer is not JSON") from None
            raise self._error(response)
        assert last is not None
        raise last

    @staticmethod
    def _error_fields(response: requests.Response) -> tuple[Code, str]:
        try:
            body = response.json()
        except ValueError:
            return f"http_{response.status_code}", ""
        try:
            error = ErrorOut.model_validate(body)
        except ValidationError:
            # A code this kiosk does not know (a newer backend): kept as it came (see `Code`).
            if isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"]:
                return body["code"], str(body.get("message") or "")
            return f"http_{response.status_code}", ""
        return error.code, error.message

    def _error(self, response: requests.Response) -> BackendError:
        code, message = self._error_fields(response)
        if response.status_code >= 500:
            return BackendUnavailable(code, message)
        if code in _SESSION_CODES:
            return SessionExpired(code, message)
        if code in _NOT_AUTHORISED_CODES:
            return NotAuthorised(code, message)
        return Rejected(code, message)

    # --- public reads ------------------------------------------------------------------------------

    def health(self) -> bool:
        return _read(HealthOut, self._request("GET", "/v1/health"), "health").status == "ok"

    def catalogue(self, language: str | None = None) -> list[ProcedureOut]:
        procedures = self._read_in(language, "/v1/catalogue", CatalogueOut, "catalogue").procedures
        self._accepts = {p.code: tuple(p.accepts) for p in procedures if p.accepts}
        return procedures

    def accepts(self, procedure_code: str) -> tuple[Identification, ...] | None:
        """The identifications the procedure accepts, as the last catalogue read said; None when it did
        not say (no catalogue read yet, or an older backend). The backend checks them on every call."""
        return self._accepts.get(procedure_code)

    def departments(self, language: str | None = None) -> list[Department]:
        return self._read_in(language, "/v1/departments", DepartmentsOut, "departments").departments

    def verify(self, csv: str) -> VerificationOut:
        return _read(VerificationOut, self._request("GET", f"/v1/verify/{csv}"), "verify")

    # --- identification ----------------------------------------------------------------------------

    def create_challenge(self) -> ChallengeOut:
        return _read(ChallengeOut, self._request("POST", "/v1/auth/challenges"), "challenge")

    def login_with_certificate(
        self, challenge_id: str, certificate_der: bytes, signature: bytes
    ) -> SessionOut:
        """Refusals (untrusted, expired, revoked certificate, bad signature...) raise Rejected(code).
        The answer's `scope` is "full"."""
        body = _body(
            SessionIn,
            challenge_id=challenge_id,
            certificate=base64.b64encode(certificate_der).decode(),
            signature=base64.b64encode(signature).decode(),
        )
        answer = self._request("POST", "/v1/auth/sessions", json_body=body)
        return _read(SessionOut, answer, "certificate login")

    def login_weak(self, id_number: str, birth_date: date, postal_code: str) -> SessionOut:
        """DNI/NIE + birth date + postal code: a session good for the deixalleria only (`scope`
        "deixalleria")."""
        body = _body(WeakSessionIn, id_number=id_number, birth_date=birth_date, postal_code=postal_code)
        answer = self._request("POST", "/v1/auth/weak-sessions", json_body=body)
        return _read(SessionOut, answer, "weak login")

    def logout(self, token: str) -> None:
        """End the session; an already-ended session is fine."""
        try:
            self._request("DELETE", "/v1/auth/sessions/current", token=token)
        except SessionExpired:
            pass

    def start_handoff(self, language: str | None = None) -> HandoffOut:
        """Start a login by QR hand-off: show `verification_uri_complete` as a QR code and `user_code`,
        then call `poll_handoff` every `interval` seconds until `expires_at`. The phone's pages are in
        ca, es or en: a kiosk in another language asks for English."""
        wanted = language or self.language()
        body = _body(HandoffIn, language=wanted if wanted in ("ca", "es", "en") else "en")
        return _read(HandoffOut, self._request("POST", "/v1/auth/handoffs", json_body=body), "hand-off")

    def poll_handoff(self, handoff_id: str) -> SessionOut | HandoffErrorOut:
        """The session (scope "handoff") once the citizen has identified on their phone, else the
        device flow's answer: `authorization_pending` and `slow_down` (keep the answer's `interval`) mean
        poll again; any other `error` is final. Not retried: a poll's answer may be the only session."""
        answer = self._request("POST", f"/v1/auth/handoffs/{handoff_id}/token", expect=(200, 400))
        if isinstance(answer, dict) and "error" in answer:
            return _read(HandoffErrorOut, answer, "hand-off poll")
        return _read(SessionOut, answer, "hand-off session")

    def cancel_handoff(self, handoff_id: str) -> None:
        """Cancel a hand-off (Cancel pressed, or the citizen left); cancelling twice is fine."""
        self._request("DELETE", f"/v1/auth/handoffs/{handoff_id}")

    # --- procedures --------------------------------------------------------------------------------

    def _write(
        self,
        path: str,
        token: str | None,
        body: dict[str, Any] | None,
        idempotency_key: str | None,
        answer: type[Model],
    ) -> Model:
        """A write with its Idempotency-Key (a new one unless the caller keeps one), so safe to retry, and
        its answer read as the contract's `answer`."""
        key = idempotency_key or new_idempotency_key()
        got = self._request("POST", path, token=token, json_body=body, idempotency_key=key)
        return _read(answer, got, f"POST {path}")

    def _read_in(
        self,
        language: str | None,
        path: str,
        answer: type[Model],
        what: str,
        token: str | None = None,
        **params: Any,
    ) -> Model:
        """A read whose answer is in `language` (else the kiosk's current one), as the contract's `answer`."""
        got = self._request(
            "GET", path, token=token, params={**params, "language": language or self.language()}
        )
        return _read(answer, got, what)

    def registration(self, token: str) -> RegistrationOut:
        body = self._request("GET", "/v1/padro/registration", token=token)
        return _read(RegistrationOut, body, "registration")

    def issue_padro_document(
        self, token: str, kind: str, language: str, idempotency_key: str | None = None
    ) -> PadroDocument:
        body = _body(PadroDocumentIn, kind=kind, language=language)
        return self._write("/v1/padro/documents", token, body, idempotency_key, PadroDocument)

    def submit_instancia(
        self,
        token: str,
        fields: Mapping[str, Any],
        files: list[Path],
        idempotency_key: str | None = None,
        progress: Progress | None = None,
    ) -> InstanciaReceipt:
        """`fields`: subject, exposo, solicito, department, contact {email, phone}, notification_channel
        (paper|electronic), language. `files` are streamed from disk (never read whole into memory)."""
        encoded = json.dumps(_body(InstanciaFields, **fields), ensure_ascii=False)
        body = self._request(
            "POST",
            "/v1/instancies",
            token=token,
            idempotency_key=idempotency_key or new_idempotency_key(),
            body_factory=lambda: _MultipartBody({"fields": encoded}, files, progress),
        )
        return _read(InstanciaReceipt, body, "instància")

    def deixalleria_summary(
        self, token: str, year: int | None = None, language: str = "ca"
    ) -> DeixalleriaSummary:
        params: dict[str, Any] = {"language": language}
        if year is not None:
            params["year"] = year
        body = self._request("GET", "/v1/deixalleria/summary", token=token, params=params)
        return _read(DeixalleriaSummary, body, "deixalleria summary")

    def request_deixalleria_card(
        self, token: str, delivery: str, idempotency_key: str | None = None, *, replace_lost: bool = False
    ) -> CardRequestOut:
        """`delivery`: "delivery" (posted to the padró address) or "pickup"."""
        body = _body(CardRequestIn, delivery=delivery, replace_lost=replace_lost)
        return self._write("/v1/deixalleria/cards", token, body, idempotency_key, CardRequestOut)

    def submit_bustia(
        self,
        token: str | None,
        kind: str,
        topic: str,
        text: str,
        contact: Mapping[str, str | None] | None,
        idempotency_key: str | None = None,
        language: str = "ca",
    ) -> BustiaReceipt:
        """`kind`: queixa | suggeriment | agraiment; `contact`: {email, phone} or None."""
        body = _body(BustiaIn, kind=kind, topic=topic, text=text, contact=_given(contact), language=language)
        return self._write("/v1/bustia", token, body, idempotency_key, BustiaReceipt)

    def cita_slots(self, service: str, days: int = 14, language: str | None = None) -> CitaSlotsOut:
        """The free appointment slots of `service` from now to the end of the `days`-th day."""
        return self._read_in(
            language, f"/v1/cites/services/{service}/slots", CitaSlotsOut, "cita slots", days=days
        )

    def book_cita(
        self,
        token: str,
        service: str,
        appointment_at: datetime,
        contact: Mapping[str, str | None] | None,
        idempotency_key: str | None = None,
        language: str = "ca",
    ) -> CitaJustificant:
        """Book a slot (`Rejected` `slot_taken` or `appointment_exists` when it cannot be); `contact`
        ({email, phone}) is given only with the citizen's consent to its use for the confirmation."""
        body = _body(
            CitaIn, service=service, appointment_at=appointment_at, language=language, **_consented(contact)
        )
        return self._write("/v1/cites", token, body, idempotency_key, CitaJustificant)

    def my_citas(self, token: str, language: str | None = None) -> CitaAppointmentsOut:
        """The citizen's appointments to come, soonest first."""
        return self._read_in(language, "/v1/cites/mine", CitaAppointmentsOut, "cita appointments", token)

    def cancel_cita(
        self, token: str, reference: str, idempotency_key: str | None = None, language: str = "ca"
    ) -> CitaCancelled:
        """Cancel an appointment to come (`Rejected` appointment_unknown, appointment_cancelled...)."""
        body = _body(CitaCancelIn, reference=reference, language=language)
        return self._write("/v1/cites/cancellations", token, body, idempotency_key, CitaCancelled)

    def check_in_cita(
        self, token: str, idempotency_key: str | None = None, language: str = "ca"
    ) -> CitaTicket:
        """Check in for today's appointment: its turn ticket (`Rejected` checkin_none_today,
        checkin_too_early, checkin_too_late)."""
        body = _body(CitaCheckInIn, language=language)
        return self._write("/v1/cites/checkins", token, body, idempotency_key, CitaTicket)

    # --- inscripcions a activitats -----------------------------------------------------------------

    def activities(self, token: str | None, language: str | None = None) -> ActivitiesOut:
        """The activities open for pre-registration, and (with `token`) the citizen's applications."""
        return self._read_in(language, "/v1/activitats", ActivitiesOut, "activities", token)

    def apply_activity(
        self,
        token: str,
        activity: str,
        contact: Mapping[str, str | None] | None,
        idempotency_key: str | None = None,
        language: str = "ca",
    ) -> ActivityJustificant:
        """Apply for `activity` (`Rejected` application_exists or activity_closed when it cannot be);
        `contact` ({email, phone}) only with the citizen's consent to its use for the result."""
        body = _body(ApplicationIn, language=language, **_consented(contact))
        return self._write(f"/v1/activitats/{activity}/applications", token, body, idempotency_key,
                           ActivityJustificant)  # fmt: skip

    def withdraw_activity(
        self, token: str, number: str, idempotency_key: str | None = None, language: str = "ca"
    ) -> Application:
        """Give up an application (a place it held goes to the first on the waiting list)."""
        body = _body(WithdrawIn, language=language)
        return self._write(f"/v1/activitats/applications/{number}/withdraw", token, body, idempotency_key,
                           Application)  # fmt: skip

    # --- pagament de rebuts i multes ---------------------------------------------------------------

    def bills(self, token: str, language: str | None = None) -> BillsOut:
        """The citizen's pending bills, the soonest due first."""
        return self._read_in(language, "/v1/rebuts", BillsOut, "bills", token)

    def payment_document(
        self, token: str, bill: int, idempotency_key: str | None = None, language: str = "ca"
    ) -> PaymentDocument:
        """The payment document of one of the citizen's bills (`Rejected` bill_paid, bill_unknown)."""
        body = _body(PaymentDocumentIn, language=language)
        return self._write(f"/v1/rebuts/{bill}/document", token, body, idempotency_key, PaymentDocument)

    # --- training mode -----------------------------------------------------------------------------

    def reset_training_data(self, idempotency_key: str | None = None) -> TrainingResetOut:
        """Erase everything done on the training backend (every kiosk's entries, documents and citizen
        sessions) and load its demo data again. A backend that is not in training mode: NotTraining."""
        try:
            return self._write("/v1/training/reset", None, None, idempotency_key, TrainingResetOut)
        except Rejected as exc:
            if exc.code in _NO_TRAINING_CODES:
                raise NotTraining(exc.code, exc.message) from None
            raise

    # --- the kiosk's own health (kiosk.health) ------------------------------------------------------

    def heartbeat(self, beat: HeartbeatIn) -> None:
        """Tell the backend how this kiosk is (no citizen data); not retried: the next beat is the retry."""
        self._request("POST", "/v1/kiosks/heartbeat", json_body=beat.model_dump(mode="json"))

    def kiosk_started(self) -> KioskStartedOut:
        """This kiosk (re)started: the backend ends every citizen session the kiosk still had open."""
        return _read(KioskStartedOut, self._request("POST", "/v1/kiosks/started"), "kiosk started")
