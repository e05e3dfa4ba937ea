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
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import requests

from kiosk.backend.models import (
    Address,
    Attachment,
    BustiaReceipt,
    CardRequest,
    Challenge,
    CitizenIdentity,
    DeixalleriaCard,
    DeixalleriaSummary,
    Department,
    InstanciaReceipt,
    IssuedDocument,
    Login,
    Procedure,
    Registration,
    Topic,
    Verification,
)
from kiosk.config import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class BackendError(Exception):
    """Any failure talking to the backend. `message` is the backend's (in the request's language) when
    it sent one; `code` is the contract's error code."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class BackendUnavailable(BackendError):
    """The backend cannot be reached, timed out or failed (5xx): try again later."""


class BadResponse(BackendUnavailable):
    """The backend answered outside the contract: a redirect (3xx), or a body that is not JSON.

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
    """The backend refused the request for a reason the citizen can be told (`message`)."""


class NotTraining(Rejected):
    """The backend has no training reset (404): it is not a training backend, and nothing was erased."""


@dataclass(frozen=True)
class TrainingReset:
    """What `reset_training_data` erased and what the demo data holds again (counts by kind)."""

    reset_at: datetime
    #: registry_entries, attachments, documents, bustia_messages, deixalleria_card_requests, ...
    erased: Mapping[str, int]
    #: households, people, deixalleria_cards, procedures
    restored: Mapping[str, int]


_SESSION_CODES = {"session_expired", "session_required"}
_NOT_AUTHORISED_CODES = {"kiosk_unauthorised", "scope_forbidden"}
_RETRY_STATUS = {502, 503, 504}
#: How a backend without the training reset answers (a reference production server, or any other).
_NO_TRAINING_CODES = {"not_found", "method_not_allowed", "http_404", "http_405"}


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


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
        self.timeout = (backend.connect_timeout_seconds, backend.read_timeout_seconds)
        self.retries = backend.retries
        self.backoff = 0.25
        self._language = language
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
                    timeout=self.timeout,
                    # Never: requests would send X-Kiosk-Key (and a 307/308 the body) to the new host.
                    allow_redirects=False,
                )
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
    def _error_fields(response: requests.Response) -> tuple[str, str]:
        try:
            body = response.json()
            return str(body.get("code") or f"http_{response.status_code}"), str(body.get("message") or "")
        except (ValueError, AttributeError):
            return f"http_{response.status_code}", ""

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
        return bool(self._request("GET", "/v1/health").get("status") == "ok")

    def catalogue(self, language: str | None = None) -> list[Procedure]:
        body = self._request("GET", "/v1/catalogue", params={"language": language or self.language()})
        return [
            Procedure(
                code=p["code"],
                title=p["title"],
                summary=p["summary"],
                topic=Topic(p["topic"]["code"], p["topic"]["name"]),
                needs_certificate=p["needs_certificate"],
                completable_here=p["completable_here"],
                kiosk_flow=p["kiosk_flow"],
                what_to_bring=tuple(p["what_to_bring"]),
                where_to_go=p["where_to_go"],
                hours=p["hours"],
                url=p["url"],
            )
            for p in body["procedures"]
        ]

    def departments(self, language: str | None = None) -> list[Department]:
        body = self._request("GET", "/v1/departments", params={"language": language or self.language()})
        return [Department(d["code"], d["name"]) for d in body["departments"]]

    def verify(self, csv: str) -> Verification:
        body = self._request("GET", f"/v1/verify/{csv}")
        return Verification(
            body["csv"], body["kind"], _dt(body["issued_at"]), body["training"], body["document"]
        )

    # --- identification ----------------------------------------------------------------------------

    def create_challenge(self) -> Challenge:
        body = self._request("POST", "/v1/auth/challenges")
        return Challenge(body["challenge_id"], base64.b64decode(body["nonce"]), _dt(body["expires_at"]))

    @staticmethod
    def _login(body: dict[str, Any]) -> Login:
        c = body["citizen"]
        return Login(
            token=body["token"],
            citizen=CitizenIdentity(
                c["id_number"], c["given_name"], c["surnames"], c.get("certificate_kind")
            ),
            expires_at=_dt(body["expires_at"]),
            scope=body["scope"],
        )

    def login_with_certificate(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> Login:
        """Refusals (untrusted, expired, revoked certificate, bad signature...) raise Rejected(code)."""
        body = self._request(
            "POST",
            "/v1/auth/sessions",
            json_body={
                "challenge_id": challenge_id,
                "certificate": base64.b64encode(certificate_der).decode(),
                "signature": base64.b64encode(signature).decode(),
            },
        )
        return self._login(body)

    def login_weak(self, id_number: str, birth_date: date, postal_code: str) -> Login:
        """DNI/NIE + birth date + postal code: a session good for the deixalleria only."""
        body = self._request(
            "POST",
            "/v1/auth/weak-sessions",
            json_body={
                "id_number": id_number,
                "birth_date": birth_date.isoformat(),
                "postal_code": postal_code,
            },
        )
        return self._login(body)

    def logout(self, token: str) -> None:
        """End the session; an already-ended session is fine."""
        try:
            self._request("DELETE", "/v1/auth/sessions/current", token=token)
        except SessionExpired:
            pass

    # --- procedures --------------------------------------------------------------------------------

    def registration(self, token: str) -> Registration:
        body = self._request("GET", "/v1/padro/registration", token=token)
        a = body["address"]
        return Registration(
            registered=body["registered"],
            address=Address(**a) if a else None,
            registered_since=date.fromisoformat(body["registered_since"])
            if body["registered_since"]
            else None,
            inhabitants=body["inhabitants"],
        )

    def issue_padro_document(
        self, token: str, kind: str, language: str, idempotency_key: str | None = None
    ) -> IssuedDocument:
        body = self._request(
            "POST",
            "/v1/padro/documents",
            token=token,
            json_body={"kind": kind, "language": language},
            idempotency_key=idempotency_key or new_idempotency_key(),
        )
        return IssuedDocument(
            kind=body["kind"],
            csv=body["csv"],
            verify_url=body["verify_url"],
            issued_at=_dt(body["issued_at"]),
            language=body["language"],
            training=body["training"],
            payload=body,
        )

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
        encoded = json.dumps(dict(fields), ensure_ascii=False)
        body = self._request(
            "POST",
            "/v1/instancies",
            token=token,
            idempotency_key=idempotency_key or new_idempotency_key(),
            body_factory=lambda: _MultipartBody({"fields": encoded}, files, progress),
        )
        return InstanciaReceipt(
            registry_number=body["registry_number"],
            registered_at=_dt(body["registered_at"]),
            csv=body["csv"],
            verify_url=body["verify_url"],
            attachments=tuple(Attachment(a["name"], a["size"], a["sha256"]) for a in body["attachments"]),
            payload=body,
        )

    def deixalleria_summary(
        self, token: str, year: int | None = None, language: str = "ca"
    ) -> DeixalleriaSummary:
        params: dict[str, Any] = {"language": language}
        if year is not None:
            params["year"] = year
        body = self._request("GET", "/v1/deixalleria/summary", token=token, params=params)
        card = body["card"]
        return DeixalleriaSummary(
            card=DeixalleriaCard(card["number"], card["status"], card["holder_name"]) if card else None,
            year=body["year"],
            visits_this_year=body["visits_this_year"],
            visits_last_year=body["visits_last_year"],
            bonus_amount=body["bonus"]["amount"],
            csv=body["csv"],
            payload=body,
        )

    def request_deixalleria_card(
        self, token: str, delivery: str, idempotency_key: str | None = None, *, replace_lost: bool = False
    ) -> CardRequest:
        """`delivery`: "delivery" (posted to the padró address) or "pickup"."""
        body = self._request(
            "POST",
            "/v1/deixalleria/cards",
            token=token,
            json_body={"delivery": delivery, "replace_lost": replace_lost},
            idempotency_key=idempotency_key or new_idempotency_key(),
        )
        card = body["card"]
        return CardRequest(
            DeixalleriaCard(card["number"], card["status"], card["holder_name"]),
            body["delivery"],
            _dt(body["requested_at"]),
        )

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
        payload: dict[str, Any] = {"kind": kind, "topic": topic, "text": text, "language": language}
        if contact:
            payload["contact"] = {k: v for k, v in contact.items() if v}
        body = self._request(
            "POST",
            "/v1/bustia",
            token=token,
            json_body=payload,
            idempotency_key=idempotency_key or new_idempotency_key(),
        )
        return BustiaReceipt(body["reference"], body["kind"], _dt(body["submitted_at"]), body["csv"], body)

    # --- training mode -----------------------------------------------------------------------------

    def reset_training_data(self, idempotency_key: str | None = None) -> TrainingReset:
        """Erase everything done on the training backend (every kiosk's entries, documents and citizen
        sessions) and load its demo data again. A backend that is not in training mode: NotTraining."""
        try:
            body = self._request(
                "POST", "/v1/training/reset", idempotency_key=idempotency_key or new_idempotency_key()
            )
        except Rejected as exc:
            if exc.code in _NO_TRAINING_CODES:
                raise NotTraining(exc.code, exc.message) from None
            raise
        return TrainingReset(
            reset_at=_dt(body["reset_at"]),
            erased={str(k): int(v) for k, v in body["erased"].items()},
            restored={str(k): int(v) for k, v in body["restored"].items()},
        )
