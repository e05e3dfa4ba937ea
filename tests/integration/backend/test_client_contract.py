"""The client reads every answer into the contract's models: JSON that does not fit is a BadResponse (the
citizen is told the service did not answer; no pydantic error leaves the client, and the log names the
fields, never their values), and a refusal's code is an `ErrorCode` member, or the string a newer backend
sent when this kiosk does not know it. It sends the contract's request models, and no body that does not
fit them.

A real HTTP server on loopback answers what each test says.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from contract.errors import ErrorCode
from contract.v1 import BustiaIn, CardRequestIn, WeakSessionIn
from kiosk.backend.client import (
    BackendClient,
    BackendError,
    BadResponse,
    NotAuthorised,
    Rejected,
    SessionExpired,
)
from kiosk.i18n import set_language
from kiosk.procedures.backend import citizen_message
from tests.integration.backend.test_client_redirects import (
    INSTANCIA,
    TOKEN,
    Server,
    _client,
    _json,
    _serve,
    attachment,
)

pytestmark = pytest.mark.timeout(60)

#: A citizen's data in an answer that does not fit: it must reach neither the error nor the log.
SECRET = "Carme Puig i Ferrer 12345678Z"


def _answering(status: int, body: Any) -> Iterator[Server]:
    server = _serve(lambda h: _json(h, status, json.dumps(body).encode()))
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _calls(tmp_path: Path) -> dict[str, Callable[[BackendClient], object]]:
    pdf = attachment(tmp_path)
    return {
        "catalogue": lambda c: c.catalogue("ca"),
        "departments": lambda c: c.departments("ca"),
        "challenge": lambda c: c.create_challenge(),
        "weak login": lambda c: c.login_weak("12345678Z", date(1980, 1, 2), "08301"),
        "certificate login": lambda c: c.login_with_certificate("c1", b"der", b"sig"),
        "registration": lambda c: c.registration(TOKEN),
        "padró document": lambda c: c.issue_padro_document(TOKEN, "volant_individual", "ca", "k1"),
        "instància": lambda c: c.submit_instancia(TOKEN, INSTANCIA, [pdf], "k2"),
        "deixalleria summary": lambda c: c.deixalleria_summary(TOKEN),
        "card request": lambda c: c.request_deixalleria_card(TOKEN, "pickup", "k3"),
        "bústia": lambda c: c.submit_bustia(None, "queixa", "T", "X", None, "k4"),
        "verify": lambda c: c.verify("CSV1234"),
        "training reset": lambda c: c.reset_training_data("k5"),
    }


CALLS = [
    "catalogue", "departments", "challenge", "weak login", "certificate login", "registration",
    "padró document", "instància", "deixalleria summary", "card request", "bústia", "verify",
    "training reset",
]  # fmt: skip


@pytest.fixture
def misfit() -> Iterator[Server]:
    """Answers 200 with JSON of no model's shape, holding a citizen's name."""
    yield from _answering(200, {"holder": SECRET, "registered": "maybe", "card": {"number": 7}})


@pytest.mark.parametrize("name", CALLS)
def test_an_answer_that_does_not_fit_is_a_bad_response(
    name: str, misfit: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(misfit.url)
    with caplog.at_level(logging.DEBUG, logger="kiosk.backend"), pytest.raises(BadResponse) as caught:
        _calls(tmp_path)[name](client)
    assert caught.value.code == "bad_response"
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert len(misfit.seen) == 1  # not retried
    assert "does not fit" in caplog.text and SECRET not in caplog.text and SECRET not in str(caught.value)
    set_language("en")
    assert "did not answer" in citizen_message(caught.value)


@pytest.fixture
def newer_code() -> Iterator[Server]:
    yield from _answering(409, {"code": "quota_exceeded", "message": "Heu arribat al límit.", "detail": None})


def test_a_code_this_kiosk_does_not_know_is_kept_as_it_came(newer_code: Server) -> None:
    with pytest.raises(Rejected) as caught:
        _client(newer_code.url).request_deixalleria_card(TOKEN, "pickup", "k1")
    code = caught.value.code
    assert code == "quota_exceeded" and not isinstance(code, ErrorCode)
    assert type(caught.value) is Rejected and citizen_message(caught.value) == "Heu arribat al límit."


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "session_expired", SessionExpired),
        (403, "scope_forbidden", NotAuthorised),
        (409, "card_exists", Rejected),
    ],
)
def test_a_known_code_is_the_contracts_member(status: int, code: str, kind: type[BackendError]) -> None:
    answers = _answering(status, {"code": code, "message": "No.", "detail": None})
    server = next(answers)
    try:
        with pytest.raises(kind) as caught:
            _client(server.url).request_deixalleria_card(TOKEN, "pickup", "k1")
    finally:
        next(answers, None)
    assert caught.value.code is ErrorCode(code) and caught.value.message == "No."


def test_an_error_body_without_a_code_is_named_by_its_status() -> None:
    answers = _answering(400, {"detail": "Bad Request"})
    server = next(answers)
    try:
        with pytest.raises(Rejected) as caught:
            _client(server.url).registration(TOKEN)
    finally:
        next(answers, None)
    assert caught.value.code == "http_400"


def test_request_bodies_are_the_contracts_request_models(misfit: Server) -> None:
    """What the client sends is the request model's JSON, defaults included: the same body the backend
    validates and fingerprints its Idempotency-Key with."""
    client = _client(misfit.url)
    for call in (
        lambda: client.submit_bustia(None, "queixa", "Voreres", "Una vorera trencada.", None, "k1"),
        lambda: client.login_weak("12345678Z", date(1980, 1, 2), "08301"),
        lambda: client.request_deixalleria_card(TOKEN, "pickup", "k2"),
    ):
        with pytest.raises(BadResponse):
            call()
    sent = [json.loads(s.body) for s in misfit.seen]
    assert sent == [
        BustiaIn(kind="queixa", topic="Voreres", text="Una vorera trencada.").model_dump(mode="json"),
        WeakSessionIn(id_number="12345678Z", birth_date=date(1980, 1, 2), postal_code="08301").model_dump(
            mode="json"
        ),
        CardRequestIn(delivery="pickup").model_dump(mode="json"),
    ]
    assert sent[0]["contact"] is None and sent[0]["language"] == "ca" and sent[2]["replace_lost"] is False


def test_a_body_that_does_not_fit_the_contract_is_refused_before_it_is_sent(
    misfit: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(misfit.url)
    calls: list[Callable[[], object]] = [
        lambda: client.request_deixalleria_card(TOKEN, "by drone", "k1"),
        lambda: client.issue_padro_document(TOKEN, "volant_individual", "fr", "k2"),
        lambda: client.submit_bustia(None, "queixa", "", SECRET, None, "k3"),
        lambda: client.submit_instancia(TOKEN, {**INSTANCIA, "notification_channel": "pigeon"}, [], "k4"),
        lambda: client.login_weak(SECRET, date(1980, 1, 2), "8301"),
    ]
    with caplog.at_level(logging.DEBUG, logger="kiosk.backend"):
        for call in calls:
            with pytest.raises(Rejected) as caught:
                call()
            assert caught.value.code is ErrorCode.VALIDATION_ERROR and caught.value.__context__ is None
    assert misfit.seen == []
    assert "does not fit" in caplog.text and SECRET not in caplog.text
