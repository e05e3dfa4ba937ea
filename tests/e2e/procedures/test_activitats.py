"""Inscripcions a activitats at the kiosk, on the real stack: a card login on the virtual reader, the
citizen's applications with where each stands (a place in a free activity, given by a draw), an open
activity chosen from the backend's list (the one applied for already left out), review with the fee, the
application number and the justificant printed on the CUPS file: queue, the application in the backend's
database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from devstack.cups import CupsInfo
from kiosk.procedures.activitats import (
    ActivitatsResult,
    ActivitatsReview,
    ActivityStep,
    ApplicationsStep,
    ContactStep,
)
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin_with_card,
    db_rows,
    next_step,
    print_and_continue,
)
from tests.harness import drive

CARMEN = "12345678Z"  # dnie3-valid


def earlier_application(card_stack: CardStack) -> None:
    """Carmen applied for the yoga before, and the draw gave her a place (written into the database)."""
    engine = create_engine(card_stack.backend.database_url)
    with engine.begin() as connection:  # the backend is the session's: none of her applications left
        connection.execute(text("DELETE FROM activity_applications WHERE id_number = :i"), {"i": CARMEN})
        connection.execute(
            text(
                "INSERT INTO activity_applications (number, activity_code, id_number, kiosk_id, applied_at,"
                " csv, state, rank, language) VALUES ('IA-2026-999901', 'ioga', :i, 'other', :t, 'OTHERCSV',"
                " 'place', 1, 'ca')"
            ),
            {"i": CARMEN, "t": datetime.now(UTC).replace(tzinfo=None)},
        )
    engine.dispose()


async def test_apply_for_an_activity_and_print_its_justificant(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    earlier_application(card_stack)
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, card_stack.pcsc, "activitats", ApplicationsStep)
        await driver.wait_for("IA-2026-999901")
        shown = " ".join(driver.text().split())
        assert "Cursos i tallers dels centres cívics" in shown and "Pas 1 de 5" in shown
        assert "Ioga per a gent gran" in shown and "Teniu plaça. L'activitat és gratuïta." in shown
        step = await next_step(driver, ActivityStep)
        await driver.wait_for(lambda: bool(step.state.activities), what="the open activities")
        assert [code for code, _label in step.state.activities] == ["fotografia"]  # ioga: applied for
        step.query_one("#activity").focus()
        await driver.press("enter", "down", "enter")
        await driver.wait_for(lambda: step.state.activity == "fotografia", what="the activity chosen")
        await next_step(driver, ContactStep)
        await next_step(driver, ActivitatsReview)
        shown = " ".join(driver.text().split())
        assert "Iniciació a la fotografia digital" in shown and "35,00 € (reduïda 17,50 €)" in shown
        result = await next_step(driver, ActivitatsResult, timeout=20)
        number = result.document.application_number
        await driver.wait_for(number)
        assert "Pas 5 de 5" in driver.text() and "Heu fet la preinscripció" in driver.text()
        printed = await print_and_continue(driver, cups_stack)
    rows = db_rows(
        card_stack.backend,
        "select activity_code, id_number, state from activity_applications where number = :n",
        n=number,
    )
    assert [(r.activity_code, r.id_number, r.state) for r in rows] == [("fotografia", CARMEN, "applied")]
    assert "Justificant de preinscripció a una activitat" in printed and number in printed
    assert "Iniciació a la fotografia digital" in printed and "DOCUMENT DE PROVA" in printed
