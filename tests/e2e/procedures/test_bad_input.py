"""What a citizen can get wrong, and what the network can: refused text, invalid contact, a lost reply
(one registry entry only), the backend down at submit and back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from devstack.backend import BackendInfo
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from kiosk.screens.error import ErrorModal
from tests.e2e.procedures.helpers import (
    SIZE,
    begin,
    bustia_message,
    db_rows,
    kiosk_app,
    next_step,
)
from tests.fixtures.proxy import LossyProxy
from tests.harness import Driver, drive


@pytest.fixture
def proxy(backend_server: BackendInfo) -> Iterator[LossyProxy]:
    lossy = LossyProxy(backend_server.url)
    yield lossy
    lossy.close()


async def test_text_fields_refuse_what_cannot_be_registered(
    tmp_path: Path, backend_server: BackendInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "bustia", MessageStep)
        await driver.paste("Gràcies 😀👍", into="#f-topic")
        assert "Els emojis no es poden registrar" in driver.text_of("#e-topic")
        await driver.paste("Text amb \x1b[31mcolors\x1b[0m i un \u202eRLO", into="#f-text")
        assert "Conté caràcters de control o invisibles" in driver.text_of("#e-text")
        await driver.click("#step-next")
        assert isinstance(app.screen, MessageStep)  # refused: nothing moves on
        # Too long: the counter shows it while typing, and Next is refused.
        await driver.clear("#f-topic")
        await driver.paste("x" * 201, into="#f-topic")
        await driver.wait_for("201 / 200")
        assert "Massa llarg: 201 caràcters, com a màxim 200." in driver.text_of("#e-topic")
        await driver.clear("#f-text")
        await driver.paste("Un text correcte, en català: l·l, ç, à.", into="#f-text")
        await driver.click("#step-next")
        assert isinstance(app.screen, MessageStep)
        await driver.clear("#f-topic")
        await driver.type("Tema correcte", into="#f-topic")
        assert driver.text_of("#e-topic") == ""
        await next_step(driver, ContactStep)
        await driver.type("nom@", into="#f-email")
        await driver.type("12345", into="#f-phone")
        await driver.click("#step-next")
        assert isinstance(app.screen, ContactStep)
        assert "No és una adreça de correu vàlida" in driver.text_of("#e-email")
        assert "No és un telèfon vàlid" in driver.text_of("#e-phone")
        await driver.clear("#f-email")
        await driver.clear("#f-phone")
        await driver.type("nom@exemple.cat", into="#f-email")
        await driver.click("#step-next")
        # A contact needs the consent ticked.
        assert isinstance(app.screen, ContactStep)
        assert "marqueu la casella de consentiment" in " ".join(driver.text().split())
        await driver.click("#consent")
        await next_step(driver, BustiaReview)
        assert "nom@exemple.cat" in driver.text()


@asynccontextmanager
async def complaint_at_review(
    tmp_path: Path, backend_server: BackendInfo, proxy: LossyProxy, topic: str
) -> AsyncIterator[Driver]:
    """A kiosk that reaches the backend through `proxy`, and a complaint about `topic` up to its review."""
    app = kiosk_app(tmp_path, backend_server, backend={"url": proxy.url})
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "bustia", MessageStep)
        await bustia_message(driver, topic, "Queixa de prova.", "queixa")
        await next_step(driver, BustiaReview)
        yield driver


async def test_a_lost_reply_then_retry_registers_once(
    tmp_path: Path, backend_server: BackendInfo, proxy: LossyProxy
) -> None:
    topic = f"Resposta perduda {uuid.uuid4().hex[:6]}"
    async with complaint_at_review(tmp_path, backend_server, proxy, topic) as driver:
        proxy.cut_idle_connections()
        proxy.drop_next_reply.set()
        await next_step(driver, ErrorModal)
        assert proxy.dropped == 1
        text = " ".join(driver.text().split())
        assert "El servei de l'Ajuntament no ha respost" in text and "no es registrarà dues vegades" in text
        # The backend did register it: the kiosk just never heard.
        assert len(db_rows(backend_server, "select 1 from bustia_messages where topic = :t", t=topic)) == 1
        await driver.click("#error-ok")
        await driver.wait_screen(BustiaReview)
        result = await next_step(driver, BustiaResult)  # Send again: same idempotency key
        await driver.wait_for(result.document.reference)
    rows = db_rows(backend_server, "select reference from bustia_messages where topic = :t", t=topic)
    assert [r.reference for r in rows] == [result.document.reference]


async def test_backend_down_at_submit_then_back(
    tmp_path: Path, backend_server: BackendInfo, proxy: LossyProxy
) -> None:
    topic = f"Servei caigut {uuid.uuid4().hex[:6]}"
    async with complaint_at_review(tmp_path, backend_server, proxy, topic) as driver:
        proxy.set_down(True)  # the backend cannot be reached
        await next_step(driver, ErrorModal)
        assert not db_rows(backend_server, "select 1 from bustia_messages where topic = :t", t=topic)
        await driver.click("#error-ok")
        await driver.wait_screen(BustiaReview)
        assert isinstance(driver.screen, BustiaReview) and driver.screen.state.topic == topic
        proxy.set_down(False)  # back
        await next_step(driver, BustiaResult)
        await driver.wait_for(lambda: "Número de referència" in driver.text(), what="the reference")
    assert len(db_rows(backend_server, "select 1 from bustia_messages where topic = :t", t=topic)) == 1
