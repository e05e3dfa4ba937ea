"""Inscripcions a activitats at the kiosk, on the real stack: a card login on the virtual reader, the
citizen's applications with where each stands (a place in a free activity, given by a draw), an open
activity chosen from the backend's list (the one applied for already left out), review with the fee, the
application number and the justificant printed on the CUPS file: queue, the application in the backend's
database. Withdrawing the place: the confirmation says where it goes, the backend gives it to the first on
the waiting list; one withdrawn meanwhile from elsewhere is refused with the backend's plain message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
    WithdrawResult,
    WithdrawReview,
    WithdrawStep,
)
from kiosk.screens.error import ErrorModal
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin_with_card,
    db_rows,
    next_step,
    pick,
    print_and_continue,
)
from tests.harness import Driver, drive

CARMEN = "12345678Z"  # dnie3-valid


OTHER = "00000000T"
EARLIER = "IA-2026-999901"
BEHIND = "IA-2026-999902"


def _execute(card_stack: CardStack, *statements: str) -> None:
    """Write into the backend's database (`:t` is now), in one transaction."""
    engine = create_engine(card_stack.backend.database_url)
    with engine.begin() as connection:
        for sql in statements:
            connection.execute(text(sql), {"t": datetime.now(UTC).replace(tzinfo=None)})
    engine.dispose()


def earlier_application(card_stack: CardStack) -> None:
    """Carmen applied for the yoga before, and the draw gave her a place; someone else is first on the
    waiting list (written into the database; the backend is the session's: none of these left)."""
    insert = (
        "INSERT INTO activity_applications (number, activity_code, id_number, kiosk_id, applied_at, csv,"
        " state, rank, language) VALUES "
    )
    _execute(
        card_stack,
        f"DELETE FROM activity_applications WHERE id_number = '{CARMEN}' OR number = '{BEHIND}'",
        f"{insert} ('{EARLIER}', 'ioga', '{CARMEN}', 'other', :t, 'OTHERCSV', 'place', 1, 'ca')",
        f"{insert} ('{BEHIND}', 'ioga', '{OTHER}', 'other', :t, 'OTHERCSV2', 'waiting', 2, 'ca')",
    )


@asynccontextmanager
async def withdrawal_to_confirm(
    tmp_path: Path, card_stack: CardStack, cups: CupsInfo
) -> AsyncIterator[Driver]:
    """A kiosk where Carmen has seen her applications, chosen to withdraw her place in the yoga, and is
    asked to confirm."""
    earlier_application(card_stack)
    app = card_stack.app(tmp_path, cups)
    async with drive(app, size=SIZE) as driver:
        await _confirm_withdrawal(driver, card_stack)
        yield driver


async def _confirm_withdrawal(driver: Driver, card_stack: CardStack) -> None:
    await begin_with_card(driver, card_stack.pcsc, "activitats", ApplicationsStep)
    await driver.wait_for(EARLIER)
    await driver.click("#action-withdraw")
    step = await next_step(driver, WithdrawStep)
    assert "Pas 2 de 4" in driver.text()
    assert await pick(driver, step, "withdraw", "mine", 1) == EARLIER
    await next_step(driver, WithdrawReview)
    shown = " ".join(driver.text().split())
    assert "Voleu renunciar a aquesta sol·licitud? No es pot desfer" in shown
    assert "La vostra plaça passarà de seguida a la primera persona de la llista d'espera" in shown


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


async def test_withdraw_a_place_and_it_goes_to_the_first_waiting(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    async with withdrawal_to_confirm(tmp_path, card_stack, cups_stack) as driver:
        result = await next_step(driver, WithdrawResult, timeout=20)
        assert result.withdrawn.number == EARLIER and result.withdrawn.state == "withdrawn"
        await driver.wait_for("Heu renunciat a la sol·licitud")
        shown = " ".join(driver.text().split())
        assert "Pas 4 de 4" in shown and "La vostra plaça s'ha donat a la primera persona" in shown
        assert not result.query("#step-next")  # nothing to print
    sql = "select number, state from activity_applications where number in (:a, :b) order by number"
    rows = db_rows(card_stack.backend, sql, a=EARLIER, b=BEHIND)
    assert [(r.number, r.state) for r in rows] == [(EARLIER, "withdrawn"), (BEHIND, "place")]


async def test_an_application_withdrawn_meanwhile_is_refused_plainly(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    async with withdrawal_to_confirm(tmp_path, card_stack, cups_stack) as driver:
        # Withdrawn from another kiosk (or the phone) while the confirmation was on the screen.
        _execute(
            card_stack, f"UPDATE activity_applications SET state = 'withdrawn' WHERE number = '{EARLIER}'"
        )
        await next_step(driver, ErrorModal, timeout=20)
        assert "Ja heu renunciat a aquesta sol·licitud." in " ".join(driver.text().split())
        await driver.click("#error-ok")
        await driver.wait_screen(WithdrawReview)  # nothing else changed: Keep it or Cancel from here
