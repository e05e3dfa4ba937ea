"""What a citizen can get wrong, and what the network can: refused text, invalid contact, a lost reply
(one registry entry only), the backend down at submit and back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.backend import BackendInfo
from kiosk.procedures import launch
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from kiosk.screens.error import ErrorModal
from tests.e2e.procedures.helpers import (
    SIZE,
    db_rows,
    kiosk_app,
    paste,
    press_button,
    text_of,
    type_text,
    wait_for,
    wait_screen,
    wait_text,
)
from tests.e2e.procedures.proxy import LossyProxy
from tests.fixtures.app import screen_text


@pytest.fixture
def proxy(backend_server: BackendInfo) -> Iterator[LossyProxy]:
    lossy = LossyProxy(backend_server.url)
    yield lossy
    lossy.close()


async def test_text_fields_refuse_what_cannot_be_registered(
    tmp_path: Path, backend_server: BackendInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with app.run_test(size=SIZE) as pilot:
        app.start_visit()
        await pilot.pause()
        launch(app, "bustia")
        await wait_screen(pilot, MessageStep)
        await paste(pilot, "#f-topic", "Gràcies 😀👍")
        assert "Els emojis no es poden registrar" in text_of(app, "#e-topic")
        await paste(pilot, "#f-text", "Text amb \x1b[31mcolors\x1b[0m i un \u202eRLO")
        assert "Conté caràcters de control o invisibles" in text_of(app, "#e-text")
        await press_button(pilot, "#step-next")
        assert isinstance(app.screen, MessageStep)  # refused: nothing moves on
        # Too long: the counter shows it while typing, and Next is refused.
        app.screen.query_one("#f-topic").clear()  # type: ignore[attr-defined]
        await paste(pilot, "#f-topic", "x" * 201)
        await wait_text(pilot, "201 / 200")
        assert "Massa llarg: 201 caràcters, com a màxim 200." in text_of(app, "#e-topic")
        app.screen.query_one("#f-text").clear()  # type: ignore[attr-defined]
        await paste(pilot, "#f-text", "Un text correcte, en català: l·l, ç, à.")
        await press_button(pilot, "#step-next")
        assert isinstance(app.screen, MessageStep)
        app.screen.query_one("#f-topic").clear()  # type: ignore[attr-defined]
        await type_text(pilot, "#f-topic", "Tema correcte")
        assert text_of(app, "#e-topic") == ""
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, ContactStep)
        await type_text(pilot, "#f-email", "nom@")
        await type_text(pilot, "#f-phone", "12345")
        await press_button(pilot, "#step-next")
        assert isinstance(app.screen, ContactStep)
        assert "No és una adreça de correu vàlida" in text_of(app, "#e-email")
        assert "No és un telèfon vàlid" in text_of(app, "#e-phone")
        app.screen.query_one("#f-email").clear()  # type: ignore[attr-defined]
        app.screen.query_one("#f-phone").clear()  # type: ignore[attr-defined]
        await type_text(pilot, "#f-email", "nom@exemple.cat")
        await press_button(pilot, "#step-next")
        # A contact needs the consent ticked.
        assert isinstance(app.screen, ContactStep)
        assert "marqueu la casella de consentiment" in " ".join(screen_text(app).split())
        await press_button(pilot, "#consent")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, BustiaReview)
        assert "nom@exemple.cat" in screen_text(app)


async def _to_review(app: object, pilot: object, topic: str) -> None:
    app.start_visit()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    launch(app, "bustia")  # type: ignore[arg-type]
    await wait_screen(pilot, MessageStep)  # type: ignore[arg-type]
    await type_text(pilot, "#f-topic", topic)  # type: ignore[arg-type]
    await paste(pilot, "#f-text", "Queixa de prova.")  # type: ignore[arg-type]
    await press_button(pilot, "#kind-queixa")  # type: ignore[arg-type]
    await press_button(pilot, "#step-next")  # type: ignore[arg-type]
    await wait_screen(pilot, ContactStep)  # type: ignore[arg-type]
    await press_button(pilot, "#step-next")  # type: ignore[arg-type]
    await wait_screen(pilot, BustiaReview)  # type: ignore[arg-type]


async def test_a_lost_reply_then_retry_registers_once(
    tmp_path: Path, backend_server: BackendInfo, proxy: LossyProxy
) -> None:
    app = kiosk_app(tmp_path, backend_server, backend={"url": proxy.url})
    topic = f"Resposta perduda {uuid.uuid4().hex[:6]}"
    async with app.run_test(size=SIZE) as pilot:
        await _to_review(app, pilot, topic)
        proxy.cut_idle_connections()
        proxy.drop_next_reply.set()
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, ErrorModal)
        assert proxy.dropped == 1
        text = " ".join(screen_text(app).split())
        assert "El servei de l'Ajuntament no ha respost" in text and "no es registrarà dues vegades" in text
        # The backend did register it: the kiosk just never heard.
        assert len(db_rows(backend_server, "select 1 from bustia_messages where topic = :t", t=topic)) == 1
        await press_button(pilot, "#error-ok")
        await wait_screen(pilot, BustiaReview)
        await press_button(pilot, "#step-next")  # Send again: same idempotency key
        result = await wait_screen(pilot, BustiaResult)
        await wait_text(pilot, result.document.reference)
    rows = db_rows(backend_server, "select reference from bustia_messages where topic = :t", t=topic)
    assert [r.reference for r in rows] == [result.document.reference]


async def test_backend_down_at_submit_then_back(
    tmp_path: Path, backend_server: BackendInfo, proxy: LossyProxy
) -> None:
    app = kiosk_app(tmp_path, backend_server, backend={"url": proxy.url})
    topic = f"Servei caigut {uuid.uuid4().hex[:6]}"
    async with app.run_test(size=SIZE) as pilot:
        await _to_review(app, pilot, topic)
        proxy.set_down(True)  # the backend cannot be reached
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, ErrorModal)
        assert not db_rows(backend_server, "select 1 from bustia_messages where topic = :t", t=topic)
        await press_button(pilot, "#error-ok")
        await wait_screen(pilot, BustiaReview)
        assert isinstance(app.screen, BustiaReview) and app.screen.flow.data["topic"] == topic
        proxy.set_down(False)  # back
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, BustiaResult)
        await wait_for(pilot, lambda: "Número de referència" in screen_text(app), "the reference")
    assert len(db_rows(backend_server, "select 1 from bustia_messages where topic = :t", t=topic)) == 1
