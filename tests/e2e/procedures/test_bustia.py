"""Bústia de queixes i suggeriments at the kiosk, against the real backend: no identification needed."""

from __future__ import annotations

import uuid
from pathlib import Path

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from tests.e2e.procedures.helpers import (
    SIZE,
    begin,
    db_rows,
    kiosk_app,
    launch,
    new_visit,
    next_step,
    print_and_continue,
)
from tests.harness import drive


async def test_anonymous_suggestion_gets_a_reference(
    tmp_path: Path, backend_server: BackendInfo, cups_stack: CupsInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server, cups_stack)
    topic = f"Fanals {uuid.uuid4().hex[:6]}"
    async with drive(app, size=SIZE) as driver:
        screen = await begin(driver, "bustia", MessageStep)
        text = driver.text()
        assert "Pas 1 de 4" in text and "Bústia de queixes i suggeriments" in text
        await driver.click("#kind-suggeriment")
        await driver.type(topic, into="#f-topic")
        assert f"{len(topic)} / 200" in driver.text()
        await driver.paste("Caldria més llum al carrer d'en Pau.\nGràcies!", into="#f-text")
        await next_step(driver, ContactStep)
        assert "Pas 2 de 4" in driver.text()
        await next_step(driver, BustiaReview)
        text = driver.text()
        assert topic in text and "Anònim" in text and "Pas 3 de 4" in text
        result = await next_step(driver, BustiaResult)
        reference = result.document.reference
        text = await driver.wait_for(reference)
        assert "Pas 4 de 4" in text
        del screen
        printed = await print_and_continue(driver, cups_stack)
        assert "Imprès. Recolliu el paper" in driver.text()
    rows = db_rows(
        backend_server, "select reference, kind, contact_email from bustia_messages where topic = :t", t=topic
    )
    assert [(r.reference, r.kind, r.contact_email) for r in rows] == [(reference, "suggeriment", None)]
    assert reference in printed and topic in printed and "DOCUMENT DE PROVA" in printed


async def test_languages_and_a_language_change_keeps_what_was_typed(
    tmp_path: Path, backend_server: BackendInfo
) -> None:
    from kiosk.i18n import set_language

    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await new_visit(driver)
        set_language("es")
        launch(app, "bustia")
        await driver.wait_screen(MessageStep)
        text = driver.text()
        assert "Paso 1 de 4" in text and "Buzón de quejas y sugerencias" in text and "Siguiente" in text
        await driver.type("Parque infantil", into="#f-topic")
        await app.change_language("en")
        await driver.pause()
        text = driver.text()
        assert "Step 1 of 4" in text and "Complaints and suggestions box" in text
        assert driver.value("#f-topic") == "Parque infantil"
        assert "15 / 200" in text
