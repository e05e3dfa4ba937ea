"""The fault matrix's backend faults (down, very slow, 500, garbage) and TLS faults (a certificate the kiosk
does not trust, one for another host, the handshake cut) at every backend call of the procedures without a
card: the bústia and the deixalleria with the weak identification, and its end of session. One walk per
procedure meets each fault at each call in turn, then goes on with the fault gone.

At each: the citizen reads a plain message in their language that says what to do; what they typed is
still there; the backend holds at most one entry (exactly one in the end, whatever was retried)."""

from __future__ import annotations

import uuid
from pathlib import Path

from devstack.backend import BackendInfo
from kiosk.catalogue.screen import CatalogueScreen
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from kiosk.procedures.deixalleria import CardRequestStep, CardResult, CardReview, SummaryStep
from kiosk.procedures.identify_weak import WeakIdentifyStep
from kiosk.screens.attract import AttractScreen
from kiosk.screens.error import ErrorModal
from kiosk.screens.goodbye import GoodbyeScreen
from tests.e2e.faults.conftest import READ_TIMEOUT
from tests.e2e.faults.matrix import BACKEND_FAULTS, CALLS, survived
from tests.e2e.faults.walks import (
    UNAVAILABLE,
    assert_plain,
    faults_at_send,
    faulty_kiosk,
    open_sessions,
    told_and_dismissed,
)
from tests.e2e.procedures.helpers import SIZE, db_rows, launch, new_visit
from tests.fixtures.faults import FAULTS, Fault, FaultProxy
from tests.harness import drive

NO_CARD = ("56789012B", "28/02/1950", "08303")  # registered, no deixalleria card


async def test_bustia_survives_every_backend_fault_at_send(
    tmp_path: Path, backend_server: BackendInfo, fault_proxy: FaultProxy
) -> None:
    [send] = CALLS["bustia"]
    app = faulty_kiosk(tmp_path, backend_server, fault_proxy)
    topic = f"Fanals {uuid.uuid4().hex[:8]}"
    text = "El fanal del carrer no s'encén des de fa una setmana."

    def entries() -> list[str]:
        rows = db_rows(backend_server, "select reference from bustia_messages where topic = :t", t=topic)
        return [r.reference for r in rows]

    async with drive(app, size=SIZE) as driver:
        await new_visit(driver)
        await app.change_language("es")  # the citizen chose Spanish: the messages are in Spanish
        assert launch(app, "bustia")
        await driver.wait_screen(MessageStep)
        await driver.type(topic, into="#f-topic")
        await driver.paste(text, into="#f-text")
        await driver.click("#step-next")
        await driver.wait_screen(ContactStep)
        await driver.click("#step-next")
        review = await driver.wait_screen(BustiaReview)

        def kept(fault: Fault) -> None:
            assert review.state.topic == topic and review.state.text == text
            reached = FAULTS[fault][1]
            assert len(entries()) <= 1 and (not reached or len(entries()) == 1), (fault, entries())

        await faults_at_send(driver, fault_proxy, send, "bustia", kept, "es")
        assert [f for f, *_ in fault_proxy.applied] == list(BACKEND_FAULTS)
        await driver.click("#step-next")
        result = await driver.wait_screen(BustiaResult, timeout=10)
    assert entries() == [result.document.reference]


async def test_deixalleria_survives_every_backend_fault_at_each_call(
    tmp_path: Path, backend_server: BackendInfo, fault_proxy: FaultProxy
) -> None:
    login, summary, request, summary_after, _logout = CALLS["deixalleria"]
    app = faulty_kiosk(tmp_path, backend_server, fault_proxy)

    def cards() -> list[str]:
        sql = "select number from deixalleria_cards where id_number = :i and status = 'requested'"
        return [r.number for r in db_rows(backend_server, sql, i=NO_CARD[0])]

    before = cards()
    async with drive(app, size=SIZE) as driver:
        await new_visit(driver)
        assert launch(app, "deixalleria_targeta")
        step = await driver.wait_screen(WeakIdentifyStep)
        for field, value in zip(("id_number", "birth_date", "postal_code"), NO_CARD, strict=True):
            await driver.type(value, into=f"#f-weak_{field}")
        # 1. The identification: the message under the fields, the fields kept, Continue again.
        for fault in BACKEND_FAULTS:
            fault_proxy.arm(fault, login.method, login.path)
            await driver.click("#step-next")
            await driver.wait_for(lambda: bool(driver.text_of("#weak-status")) and
                                  "…" not in driver.text_of("#weak-status"), what="the refusal")  # fmt: skip
            assert_plain(" ".join(driver.text_of("#weak-status").split()), "ca")
            assert app.screen is step and app.session is not None and app.session.token is None
            assert [driver.value(f"#f-weak_{f}") for f in ("id_number", "birth_date", "postal_code")] == list(
                NO_CARD
            )
            survived(fault, "deixalleria", login.step)
        await driver.click("#step-next")
        await driver.wait_screen(SummaryStep, timeout=10)
        await driver.wait_for(lambda: driver.shown("#card-action"), what="the summary")
        # 2. The summary (a loading step): the procedure ends with the message; the citizen, still
        # identified, starts it again from the procedures.
        for fault in BACKEND_FAULTS:
            await driver.click("#step-cancel")
            await driver.wait_screen(CatalogueScreen)
            fault_proxy.arm(fault, summary.method, summary.path)
            assert launch(app, "deixalleria_targeta")
            await told_and_dismissed(driver)
            assert isinstance(app.screen, CatalogueScreen) and app.session is not None and app.session.token
            assert launch(app, "deixalleria_targeta")
            await driver.wait_screen(SummaryStep, timeout=10)
            await driver.wait_for(lambda: driver.shown("#card-action"), what="the summary")
            survived(fault, "deixalleria", summary.step)
        await driver.click("#card-action")
        await driver.wait_screen(CardRequestStep)
        await driver.click("#delivery-pickup")
        await driver.click("#step-next")
        review = await driver.wait_screen(CardReview)

        def kept(fault: Fault) -> None:
            assert review.state.delivery == "pickup"
            assert len(cards()) - len(before) <= 1

        # 3 and 4. The request, then the summary fetched with it: Send again is safe at either.
        for call in (request, summary_after):
            await faults_at_send(driver, fault_proxy, call, "deixalleria", kept)
        await driver.click("#step-next")
        result = await driver.wait_screen(CardResult, timeout=10)
        number = result.request.card.number
        assert cards() == [*before, number] or sorted(cards()) == sorted([*before, number])
    assert [c for c in cards() if c not in before] == [number]


async def test_deixalleria_end_of_session_survives_every_backend_fault(
    tmp_path: Path, backend_server: BackendInfo, fault_proxy: FaultProxy
) -> None:
    """The end of the session (Finish) failing: the citizen is leaving and is told nothing more (there is
    nothing they could do: the backend ends an unused session by itself); the session ends on the kiosk
    all the same, and the next citizen sees nothing of it, nor of the failure."""
    *_, logout = CALLS["deixalleria"]
    app = faulty_kiosk(tmp_path, backend_server, fault_proxy)
    temp_root = app.settings.kiosk.temp_dir
    assert temp_root is not None

    async with drive(app, size=SIZE) as driver:
        for fault in BACKEND_FAULTS:
            await new_visit(driver)
            assert launch(app, "deixalleria_targeta")
            await driver.wait_screen(WeakIdentifyStep)
            for field, value in zip(("id_number", "birth_date", "postal_code"), NO_CARD, strict=True):
                await driver.type(value, into=f"#f-weak_{field}")
            await driver.click("#step-next")
            await driver.wait_screen(SummaryStep, timeout=10)
            await driver.wait_for("Usos el", what="the summary")  # the card requested earlier, or not
            sessions, applied = open_sessions(backend_server), len(fault_proxy.applied)
            fault_proxy.arm(fault, logout.method, logout.path)
            await driver.click("#finish")
            await driver.wait_screen(GoodbyeScreen)
            assert app.session is None and not any(isinstance(s, ErrorModal) for s in app.screen_stack)
            assert not temp_root.exists() or not any(temp_root.iterdir())
            met = lambda n=applied: len(fault_proxy.applied) > n  # noqa: E731
            await driver.wait_for(met, timeout=10, what="the fault")
            if FAULTS[fault][1]:  # the backend got it: the session ended there too
                ended = lambda n=sessions: open_sessions(backend_server) == n - 1  # noqa: E731
                await driver.wait_for(ended, timeout=10, what="the session to end in the backend")
            await driver.pause(1.1)
            await driver.press("enter")  # the goodbye screen, touched: the attract screen
            await driver.wait_screen(AttractScreen)
            # The next citizen: nothing of the last one, no message about the failure.
            await new_visit(driver)
            await driver.pause(READ_TIMEOUT + 0.3 if fault == "slow" else 0.2)
            shown = driver.words()
            assert isinstance(app.screen, CatalogueScreen) and app.session is not None, shown
            assert not any(isinstance(s, ErrorModal) for s in app.screen_stack), shown
            assert UNAVAILABLE["ca"] not in shown and NO_CARD[0] not in shown, shown
            assert app.session.token is None
            survived(fault, "deixalleria", logout.step)
            await driver.click("#finish")
            await driver.wait_screen(GoodbyeScreen)
            await driver.pause(1.1)
            await driver.press("enter")
            await driver.wait_screen(AttractScreen)
