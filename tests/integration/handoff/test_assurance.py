"""Which identification each procedure accepts, as the catalogue says, checked by the backend on every
call: each procedure the kiosk completes, called with each kind of identification (a certificate login,
a QR hand-off through the simulator, the deixalleria's weak identification, no session), on SQLite and
PostgreSQL. A weaker session than the procedure accepts gets 403 scope_forbidden; no session, 401."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from municipal import catalogue_data
from tests.fixtures.backend import TestPKI
from tests.integration.handoff.conftest import INTERVAL, Phone, Stack
from tests.integration.handoff.test_handoff import CARMEN, identify

Call = Callable[[Stack, dict[str, str], str], requests.Response]

#: Written out here, not read from the catalogue data, so that a wrong row there fails.
EXPECTED: dict[str, set[str]] = {
    "volant_individual": {"certificate", "handoff"},
    "volant_collectiu": {"certificate", "handoff"},
    "certificat_convivencia": {"certificate"},
    "instancia_generica": {"certificate", "handoff"},
    "deixalleria_consulta": {"certificate", "handoff", "weak"},
    "deixalleria_targeta": {"certificate", "handoff", "weak"},
    "bustia": {"certificate", "handoff", "weak", "none"},
}
KINDS = ("certificate", "handoff", "weak", "none")


def _padro(kind: str) -> Call:
    def call(stack: Stack, headers: dict[str, str], key: str) -> requests.Response:
        return requests.post(
            f"{stack.server.url}/v1/padro/documents",
            json={"kind": kind},
            headers={**headers, "Idempotency-Key": key},
            timeout=30,
        )

    return call


def _instancia(stack: Stack, headers: dict[str, str], key: str) -> requests.Response:
    fields = {
        "subject": "Prova",
        "exposo": "Exposo",
        "solicito": "Sol·licito",
        "department": "OAC",
        "notification_channel": "paper",
    }
    return requests.post(
        f"{stack.server.url}/v1/instancies",
        files={"fields": (None, json.dumps(fields))},
        headers={**headers, "Idempotency-Key": key},
        timeout=30,
    )


def _summary(stack: Stack, headers: dict[str, str], key: str) -> requests.Response:
    return requests.get(f"{stack.server.url}/v1/deixalleria/summary", headers=headers, timeout=30)


def _card(stack: Stack, headers: dict[str, str], key: str) -> requests.Response:
    return requests.post(
        f"{stack.server.url}/v1/deixalleria/cards",
        json={"delivery": "pickup"},
        headers={**headers, "Idempotency-Key": key},
        timeout=30,
    )


def _bustia(stack: Stack, headers: dict[str, str], key: str) -> requests.Response:
    return requests.post(
        f"{stack.server.url}/v1/bustia",
        json={"kind": "suggeriment", "topic": "Prova", "text": "Un text de prova."},
        headers={**headers, "Idempotency-Key": key},
        timeout=30,
    )


CALLS: dict[str, Call] = {
    "volant_individual": _padro("volant_individual"),
    "volant_collectiu": _padro("volant_collectiu"),
    "certificat_convivencia": _padro("certificat_convivencia"),
    "instancia_generica": _instancia,
    "deixalleria_consulta": _summary,
    "deixalleria_targeta": _card,
    "bustia": _bustia,
}


@pytest.fixture(scope="module")
def sessions(stack: Stack, backend_pki: TestPKI) -> dict[str, dict[str, str]]:
    """The kiosk's headers with a session of each kind, all for the same citizen (Carmen), each kind at a
    kiosk of its own (a kiosk's next login ends its session before)."""
    server = stack.server
    kiosk = server.headers()
    at: dict[str, dict[str, str]] = {}
    for kind in ("certificate", "weak"):
        kiosk_id, key = server.add_kiosk(f"{kind}-{server.port}")
        at[kind] = {"X-Kiosk-Id": kiosk_id, "X-Kiosk-Key": key}
    challenge = requests.post(f"{server.url}/v1/auth/challenges", headers=at["certificate"], timeout=10)
    carmen = backend_pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA")
    body = carmen.login_body(challenge.json())
    full = requests.post(f"{server.url}/v1/auth/sessions", json=body, headers=at["certificate"], timeout=10)
    assert full.status_code == 201, full.text
    weak = requests.post(
        f"{server.url}/v1/auth/weak-sessions",
        json={"id_number": "12345678Z", "birth_date": "1980-04-15", "postal_code": "08301"},
        headers=at["weak"],
        timeout=10,
    )
    assert weak.status_code == 201, weak.text
    handoff = stack.start()
    identify(stack, handoff, Phone(stack), CARMEN)
    time.sleep(INTERVAL)
    answer = stack.poll(handoff)
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = {"certificate": full.json(), "weak": weak.json(), "handoff": answer.json()}
    assert [tokens[k]["scope"] for k in ("certificate", "handoff", "weak")] == [
        "full",
        "handoff",
        "deixalleria",
    ]
    out = {k: {**at.get(k, kiosk), "Authorization": f"Bearer {t['token']}"} for k, t in tokens.items()}
    out["none"] = kiosk
    return out


def test_the_catalogue_says_what_each_procedure_accepts(stack: Stack) -> None:
    answer = requests.get(f"{stack.server.url}/v1/catalogue", headers=stack.server.headers(), timeout=10)
    assert answer.status_code == 200, answer.text
    accepts = {p["code"]: p["accepts"] for p in answer.json()["procedures"]}
    for code, expected in EXPECTED.items():
        assert set(accepts[code]) == expected, code
        assert accepts[code] == [k for k in KINDS if k in expected], "strongest first"
    # Every procedure says something; one that needs a certificate never takes the weak one.
    assert all(accepts.values())
    needs = {p["code"]: p["needs_certificate"] for p in answer.json()["procedures"]}
    assert all("weak" not in accepts[code] for code, cert in needs.items() if cert)
    assert set(EXPECTED) <= {p[0] for p in catalogue_data.PROCEDURES if p[3]}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("procedure", list(EXPECTED))
def test_each_procedure_with_each_identification(
    stack: Stack, sessions: dict[str, dict[str, str]], procedure: str, kind: str
) -> None:
    key = f"assurance-{procedure}-{kind}-{time.monotonic_ns()}"
    answer = CALLS[procedure](stack, sessions[kind], key)
    if kind in EXPECTED[procedure]:
        # Allowed: whatever the procedure then answers (a card already requested is a 409), not a refusal
        # of the identification.
        assert answer.status_code not in (401, 403), (answer.status_code, answer.text)
        assert answer.status_code < 500, answer.text
    elif kind == "none":
        assert answer.status_code == 401, answer.text
        assert answer.json()["code"] == "session_required"
    else:
        assert answer.status_code == 403, answer.text
        body = answer.json()
        assert body["code"] == "scope_forbidden"
        assert body["message"]  # for the citizen, in the request's language
