"""Login by QR hand-off over real HTTP: the kiosk starts a hand-off and polls (RFC 8628), a phone played
with requests opens the verification URL, chooses a test identity at the identity-provider simulator,
reads the one-time code from the SMS sink (sent through the outbox) and enters it; the backend's callback
exchanges the authorisation code (state and PKCE checked) and the kiosk's poll gets a session of scope
"handoff", good where the catalogue accepts a hand-off and refused where it needs a certificate."""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from devstack import backend
from municipal import idp_sim
from tests.integration.handoff.conftest import INTERVAL, Phone, Stack

CARMEN = next(who for who in idp_sim.identities() if who.id_number == "12345678Z")
#: One identity per test that reads an SMS: a late SMS of another test never passes for this one's.
JORDI, MARIA, AMINA, PAU = (who for who in idp_sim.identities()[1:5])


def error(answer: requests.Response) -> str:
    assert answer.status_code == 400, (answer.status_code, answer.text)
    assert answer.headers["Cache-Control"] == "no-store"
    code: str = answer.json()["error"]
    return code


def identify(stack: Stack, handoff: dict[str, Any], phone: Phone, who: idp_sim.Identity = CARMEN) -> None:
    seen = sum(1 for m in stack.sms.messages() if m["to"] == who.phone)
    answer = phone.open(handoff["verification_uri_complete"])
    assert answer.status_code == 200 and "SIMULADOR" in phone.page and "CARMEN" in phone.page
    assert phone.choose(who.id_number).status_code == 200
    assert phone.enter(stack.sms_code(who.phone, seen)).status_code == 200


def identity_chosen(stack: Stack, handoff: dict[str, Any], who: idp_sim.Identity) -> tuple[Phone, int]:
    """A phone that opened the hand-off's URL and chose `who` at the simulator, the code not yet entered;
    and how many SMS `who` had before (for `stack.sms_code`)."""
    phone = Phone(stack)
    seen = sum(1 for m in stack.sms.messages() if m["to"] == who.phone)
    phone.open(handoff["verification_uri_complete"])
    phone.choose(who.id_number)
    return phone, seen


def test_whole_flow_gives_the_kiosk_a_handoff_session(stack: Stack) -> None:
    server = stack.server
    handoff = stack.start()
    assert handoff["interval"] == INTERVAL and handoff["expires_in"] == 600
    assert handoff["verification_uri"] == f"{server.url}/handoff"
    code = handoff["user_code"]
    assert len(code) == 9 and code[4] == "-"
    assert handoff["verification_uri_complete"] == f"{server.url}/handoff?code={code.replace('-', '')}"
    assert error(stack.poll(handoff)) == "authorization_pending"

    phone = Phone(stack)
    identify(stack, handoff, phone)
    assert "Ja us heu identificat" in phone.page
    [sms] = [m for m in stack.sms.messages() if m["to"] == CARMEN.phone][-1:]
    assert sms["text"].startswith("SIMULADOR")

    time.sleep(INTERVAL)
    answer = stack.poll(handoff)
    assert answer.status_code == 200, answer.text
    session = answer.json()
    assert session["scope"] == "handoff"
    assert session["citizen"]["id_number"] == "12345678Z"
    assert session["citizen"]["given_name"] == "CARMEN"
    assert session["citizen"]["certificate_kind"] is None
    citizen = {**server.headers(), "Authorization": f"Bearer {session['token']}"}

    # Where the catalogue accepts a hand-off, it does; where only a certificate will do, it is refused.
    summary = requests.get(f"{server.url}/v1/deixalleria/summary", headers=citizen, timeout=10)
    assert summary.status_code == 200, summary.text
    padro = requests.get(f"{server.url}/v1/padro/registration", headers=citizen, timeout=10)
    assert padro.status_code == 200, padro.text
    convivencia = requests.post(
        f"{server.url}/v1/padro/documents",
        json={"kind": "certificat_convivencia"},
        headers={**citizen, "Idempotency-Key": "handoff-convivencia"},
        timeout=10,
    )
    assert convivencia.status_code == 403 and convivencia.json()["code"] == "scope_forbidden"

    # Once only; then, once the kiosk ended the session, said so.
    assert error(stack.poll(handoff)) == "handoff_used"
    ended = requests.delete(f"{server.url}/v1/auth/sessions/current", headers=citizen, timeout=10)
    assert ended.status_code == 204
    assert error(stack.poll(handoff)) == "handoff_session_ended"
    gone = requests.get(f"{server.url}/v1/deixalleria/summary", headers=citizen, timeout=10)
    assert gone.status_code == 401

    # The provider's redirect back cannot be replayed, nor the verification URL reused.
    assert phone.open(handoff["verification_uri_complete"]).status_code == 404


def test_callback_replayed_is_refused(sqlite_stack: Stack) -> None:
    stack = sqlite_stack
    handoff = stack.start()
    phone, seen = identity_chosen(stack, handoff, JORDI)
    answer = phone.enter(stack.sms_code(JORDI.phone, seen))
    [redirect] = [r for r in answer.history if r.status_code == 303]
    callback = redirect.headers["location"]
    assert urllib.parse.urlsplit(callback).path == "/v1/auth/handoffs/callback"
    assert answer.status_code == 200
    again = phone.http.get(callback, timeout=10)
    assert again.status_code == 400


def test_polling_too_fast_slows_the_kiosk_down(sqlite_stack: Stack) -> None:
    handoff = sqlite_stack.start()
    assert error(sqlite_stack.poll(handoff)) == "authorization_pending"
    answer = sqlite_stack.poll(handoff)
    assert error(answer) == "slow_down"
    assert answer.json()["interval"] == INTERVAL + 1
    time.sleep(INTERVAL + 1)
    assert error(sqlite_stack.poll(handoff)) == "authorization_pending"


def test_citizen_refusing_at_the_provider_is_access_denied(sqlite_stack: Stack) -> None:
    handoff = sqlite_stack.start(language="en")
    phone = Phone(sqlite_stack)
    phone.open(handoff["verification_uri_complete"])
    assert "TRAINING SIMULATOR" in phone.page  # the kiosk's language carried to the provider's page
    answer = phone.choose("")  # "No, cancel"
    assert answer.status_code == 200 and "You were not identified" in phone.page
    assert error(sqlite_stack.poll(handoff)) == "access_denied"


def test_three_wrong_sms_codes_deny(sqlite_stack: Stack) -> None:
    handoff = sqlite_stack.start()
    phone = Phone(sqlite_stack)
    phone.open(handoff["verification_uri_complete"])
    phone.choose(PAU.id_number)
    for _ in range(2):
        assert phone.enter("000000x").status_code == 200 and "El codi no és correcte" in phone.page
    phone.enter("000000x")
    assert "No us heu identificat" in phone.page
    assert error(sqlite_stack.poll(handoff)) == "access_denied"


def test_cancelled_by_the_kiosk(sqlite_stack: Stack) -> None:
    stack = sqlite_stack
    handoff = stack.start()
    phone = Phone(stack)
    phone.open(handoff["verification_uri_complete"])
    url = f"{stack.server.url}/v1/auth/handoffs/{handoff['handoff_id']}"
    assert requests.delete(url, headers=stack.server.headers(), timeout=10).status_code == 204
    assert requests.delete(url, headers=stack.server.headers(), timeout=10).status_code == 204
    assert error(stack.poll(handoff)) == "handoff_cancelled"
    # The citizen who goes on on the phone is told it is over; the kiosk still gets no session.
    seen = sum(1 for m in stack.sms.messages() if m["to"] == MARIA.phone)
    phone.choose(MARIA.id_number)
    answer = phone.enter(stack.sms_code(MARIA.phone, seen))
    assert answer.status_code == 400
    assert error(stack.poll(handoff)) == "handoff_cancelled"


def test_expired(sqlite_stack: Stack) -> None:
    stack = sqlite_stack
    handoff = stack.start()
    engine = create_engine(stack.server.database_url)
    past = (datetime.now(UTC) - timedelta(seconds=1)).replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE auth_handoffs SET expires_at = :past WHERE id_hash = :id"),
            {"past": past, "id": hashlib.sha256(handoff["handoff_id"].encode()).hexdigest()},
        )
    engine.dispose()
    assert error(stack.poll(handoff)) == "expired_token"
    phone = Phone(stack)
    assert phone.open(handoff["verification_uri_complete"]).status_code == 404
    assert "ja ha caducat" in phone.page


def test_another_kiosk_or_an_unknown_id_is_refused(sqlite_stack: Stack) -> None:
    stack = sqlite_stack
    handoff = stack.start()
    other_id, other_key = stack.server.add_kiosk("kiosk-handoff-other")
    other = {"X-Kiosk-Id": other_id, "X-Kiosk-Key": other_key}
    assert error(stack.poll(handoff, other)) == "handoff_other_kiosk"
    gone = requests.delete(
        f"{stack.server.url}/v1/auth/handoffs/{handoff['handoff_id']}", headers=other, timeout=10
    )
    assert error(gone) == "handoff_other_kiosk"
    assert error(stack.poll(handoff)) == "authorization_pending"  # the other kiosk's poll changed nothing
    assert error(stack.poll({"handoff_id": "not-a-handoff"})) == "handoff_unknown"
    no_kiosk = requests.post(f"{stack.server.url}/v1/auth/handoffs", json={}, timeout=10)
    assert no_kiosk.status_code == 401


def test_pkce_checked_and_a_stolen_code_is_useless(sqlite_stack: Stack) -> None:
    """A code taken on its way back, exchanged without the verifier, is refused and burnt: the real
    callback then fails, and the hand-off is denied."""
    stack = sqlite_stack
    handoff = stack.start()
    phone, seen = identity_chosen(stack, handoff, AMINA)
    redirect = phone.http.post(
        f"{stack.server.url}/idp-sim/o/oauth2/auth/code",
        data={"flow": phone.flow(), "code": stack.sms_code(AMINA.phone, seen)},
        allow_redirects=False,
        timeout=10,
    )
    assert redirect.status_code == 303
    callback = redirect.headers["location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    stolen = requests.post(
        f"{stack.server.url}/idp-sim/o/oauth2/token",
        data={
            "grant_type": "authorization_code", "code": query["code"], "redirect_uri": callback.split("?")[0],
            "client_id": idp_sim.CLIENT_ID, "client_secret": idp_sim.CLIENT_SECRET, "code_verifier": "x" * 43,
        },
        timeout=10,
    )  # fmt: skip
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    assert phone.http.get(callback, timeout=10).status_code == 502
    assert error(stack.poll(handoff)) == "access_denied"
    # A state the backend never gave is refused.
    forged = phone.http.get(callback.replace(query["state"], "forged"), timeout=10)
    assert forged.status_code == 400


def test_production_server_has_no_simulator(backend_trust_anchors: Path) -> None:
    with backend.running(trust_anchors=backend_trust_anchors, training=False) as server:
        assert requests.get(f"{server.url}/idp-sim/o/oauth2/auth", timeout=10).status_code == 404
        url = f"{server.url}/v1/auth/handoffs"
        answer = requests.post(url, json={}, headers=server.headers(), timeout=10)
        assert answer.status_code == 503 and answer.json()["error"] == "handoff_unavailable"
