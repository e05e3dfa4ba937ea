"""After each flow the session is wiped: the next citizen sees nothing of the previous one (the whole
rendered screen, the temp folder, the backend session)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.backend.client import BackendClient, SessionExpired
from kiosk.procedures.bustia import BustiaResult, BustiaReview, BustiaState, MessageStep
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.instancia import AttachmentsStep
from kiosk.screens.attract import AttractScreen
from kiosk.screens.goodbye import GoodbyeScreen
from kiosk.session import EndReason
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import (
    READER_INDEX,
    SIZE,
    begin,
    bustia_message,
    kiosk_app,
    next_step,
)
from tests.e2e.procedures.test_instancia import PDF, fill_until_attachments, toggle
from tests.harness import drive


async def test_finish_after_a_suggestion_leaves_nothing(tmp_path: Path, backend_server: BackendInfo) -> None:
    app = kiosk_app(tmp_path, backend_server)
    topic = f"Soroll {uuid.uuid4().hex[:6]}"
    email = f"veina-{uuid.uuid4().hex[:6]}@exemple.cat"
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "bustia", MessageStep)
        await bustia_message(driver, topic, "Hi ha molt soroll a la nit.")
        await driver.type(email, into="#f-email")
        await driver.click("#consent")
        await next_step(driver, BustiaReview)
        result = await next_step(driver, BustiaResult)
        reference = result.document.reference
        await driver.wait_for(reference)
        session = app.session
        assert session is not None
        temp_dir = session.temp_dir
        (temp_dir / "marker").write_text("citizen data")
        await driver.click("#finish")
        await driver.wait_screen(GoodbyeScreen)
        await driver.wait_for(
            lambda: isinstance(app.screen, AttractScreen), timeout=15, what="the attract screen"
        )
        traces = (topic, email, reference)
        assert not any(t in driver.text() for t in traces)
        assert app.session is None and session.ended is EndReason.FINISHED and session.state == {}
        assert not temp_dir.exists() and not list((tmp_path / "sessions").iterdir())
        # The next citizen starts the same procedure from a clean form.
        step = await begin(driver, "bustia", MessageStep)
        assert step.state == BustiaState()
        assert not any(t in driver.text() for t in traces)


async def test_card_pulled_during_an_instancia(
    tmp_path: Path, pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo
) -> None:
    from tests.e2e.procedures.helpers import card_app

    media = tmp_path / "media"
    (media / "STICK").mkdir(parents=True)
    (media / "STICK" / "contracte.pdf").write_bytes(PDF)
    app = card_app(tmp_path, card_backend, pcsc_stack, mount_roots=[media])
    subject = f"Assumpte privat {uuid.uuid4().hex[:6]}"
    async with drive(app, size=SIZE) as driver:
        await fill_until_attachments(driver, pcsc_stack, subject)
        await toggle(driver, "STICK/contracte.pdf")
        session = app.session
        assert session is not None and session.token is not None
        token = session.token
        copies = session.temp_dir / "attachments"
        await driver.wait_for(lambda: bool(list(copies.rglob("contracte.pdf"))), what="the private copy")
        assert isinstance(app.screen, AttachmentsStep)
        testcards.remove(READER_INDEX)
        await driver.wait_for(
            lambda: isinstance(app.screen, AttractScreen), timeout=20, what="the attract screen"
        )
        assert session.ended is EndReason.CARD_REMOVED and app.session is None
        shown = driver.text()
        for trace in (subject, "CARMEN", "ESPAÑOLA", "12345678Z", "contracte.pdf", "Carmen"):
            assert trace not in shown
        assert not copies.exists() and not list((tmp_path / "sessions").iterdir())
        # The backend session is revoked too (in the background).
        client = BackendClient(app.settings)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.registration(token)
            except SessionExpired:
                break
            assert time.monotonic() < deadline, "the backend session is still alive"
            await driver.pause(0.2)
        # The next citizen: no certificate login carried over. (The popped screens finish unmounting
        # first: an immediate start_visit() meets the old CatalogueScreen's id, reported to the lead.)
        await driver.pause(0.5)
        await begin(driver, "instancia_generica", InsertCardScreen)
        assert subject not in driver.text()
