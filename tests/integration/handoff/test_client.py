"""The kiosk's backend client through a whole hand-off: it starts one, polls with the device flow's
answers, gets the session once the phone (requests, through the simulator) has identified, and cancels."""

from __future__ import annotations

import time

from contract.handoffs import HandoffErrorOut
from contract.v1 import SessionOut
from kiosk.backend.client import BackendClient
from municipal import idp_sim
from tests.fixtures.backend import client_settings as settings_for
from tests.integration.handoff.conftest import Phone, Stack

NURIA = idp_sim.identities()[5]


def test_client_polls_until_the_phone_is_done(sqlite_stack: Stack) -> None:
    server = sqlite_stack.server
    client = BackendClient(settings_for(server.url, server.kiosk_id, server.kiosk_key), language=lambda: "es")
    try:
        handoff = client.start_handoff()
        first = client.poll_handoff(handoff.handoff_id)
        assert isinstance(first, HandoffErrorOut) and first.error == "authorization_pending"
        phone = Phone(sqlite_stack)
        seen = sum(1 for m in sqlite_stack.sms.messages() if m["to"] == NURIA.phone)
        phone.open(handoff.verification_uri_complete)
        assert "SIMULADOR DE FORMACIÓN" in phone.page  # the kiosk's language, Spanish
        phone.choose(NURIA.id_number)
        phone.enter(sqlite_stack.sms_code(NURIA.phone, seen))
        answer: SessionOut | HandoffErrorOut = first
        deadline = time.monotonic() + 10
        while isinstance(answer, HandoffErrorOut):
            assert answer.error in ("authorization_pending", "slow_down") and time.monotonic() < deadline
            time.sleep(answer.interval or handoff.interval)
            answer = client.poll_handoff(handoff.handoff_id)
        assert answer.scope == "handoff" and answer.citizen.id_number == NURIA.id_number
        client.logout(answer.token)
        again = client.poll_handoff(handoff.handoff_id)
        assert isinstance(again, HandoffErrorOut) and again.error == "handoff_session_ended"

        cancelled = client.start_handoff()
        client.cancel_handoff(cancelled.handoff_id)
        client.cancel_handoff(cancelled.handoff_id)
        after = client.poll_handoff(cancelled.handoff_id)
        assert isinstance(after, HandoffErrorOut) and after.error == "handoff_cancelled"
    finally:
        client.close()
