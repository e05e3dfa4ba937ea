"""Bústia de queixes i suggeriments at the kiosk, against the real backend: no identification needed."""

from __future__ import annotations

import uuid
from pathlib import Path

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from kiosk.procedures import launch
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from tests.e2e.procedures.helpers import (
    SIZE,
    db_rows,
    kiosk_app,
    paste,
    press_button,
    print_and_continue,
    type_text,
    wait_screen,
    wait_text,
)
from tests.fixtures.app import screen_text


async def test_anonymous_suggestion_gets_a_reference(
    tmp_path: Path, backend_server: BackendInfo, cups_stack: CupsInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server, cups_stack)
    topic = f"Fanals {uuid.uuid4().hex[:6]}"
    async with app.run_test(size=SIZE) as pilot:
        app.start_visit()
        await pilot.pause()
        assert launch(app, "bustia")
        screen = await wait_screen(pilot, MessageStep)
        text = screen_text(app)
        assert "Pas 1 de 4" in text and "Bústia de queixes i suggeriments" in text
        await press_button(pilot, "#kind-suggeriment")
        await type_text(pilot, "#f-topic", topic)
        assert f"{len(topic)} / 200" in screen_text(app)
        await paste(pilot, "#f-text", "Caldria més llum al carrer d'en Pau.\nGràcies!")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, ContactStep)
        assert "Pas 2 de 4" in screen_text(app)
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, BustiaReview)
        text = screen_text(app)
        assert topic in text and "Anònim" in text and "Pas 3 de 4" in text
        await press_button(pilot, "#step-next")
        result = await wait_screen(pilot, BustiaResult)
        reference = result.document.reference
        text = await wait_text(pilot, reference)
        assert "Pas 4 de 4" in text
        del screen
        printed = await print_and_continue(pilot, cups_stack)
        assert "Imprès. Recolliu el paper" in screen_text(app)
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
    async with app.run_test(size=SIZE) as pilot:
        app.start_visit()
        await pilot.pause()
        set_language("es")
        launch(app, "bustia")
        await wait_screen(pilot, MessageStep)
        text = screen_text(app)
        assert "Paso 1 de 4" in text and "Buzón de quejas y sugerencias" in text and "Siguiente" in text
        await type_text(pilot, "#f-topic", "Parque infantil")
        await app.change_language("en")
        await pilot.pause()
        text = screen_text(app)
        assert "Step 1 of 4" in text and "Complaints and suggestions box" in text
        assert app.screen.query_one("#f-topic").value == "Parque infantil"  # type: ignore[attr-defined]
        assert "15 / 200" in text
