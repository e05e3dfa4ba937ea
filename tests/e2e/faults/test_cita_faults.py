"""The fault matrix's backend and TLS faults at every backend call of the cita prèvia, after a card login:
the free slots (a pick-list: the problem said at the list, loaded again by itself), the booking, the
citizen's appointments (a pick-list too), the cancellation and the check-in (Send again, each time).

At each: a plain message in Catalan that says what to do; what the citizen chose is kept; the backend holds
no second booking (one appointment, its slot taken once), one cancellation with one notice at most, and
one turn number however often the check-in was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, text

from kiosk.procedures import cita
from kiosk.procedures.frame import StepScreen
from kiosk.procedures.identify import InsertCardScreen
from kiosk.screens.error import ErrorModal
from tests.e2e.faults.conftest import CardFaults
from tests.e2e.faults.matrix import BACKEND_FAULTS, CALLS, Call, survived
from tests.e2e.faults.test_card_faults import card_kiosk
from tests.e2e.faults.walks import faults_at_send
from tests.e2e.procedures.helpers import SIZE, CardStack, card_login, db_rows, launch, new_visit
from tests.e2e.procedures.test_cita import take_slot
from tests.fixtures.faults import Fault, FaultProxy
from tests.harness import Driver, drive

CARMEN = "12345678Z"  # dnie3-valid
Listing = TypeVar("Listing", cita.SlotStep, cita.MineStep)


def _erase(card_faults: CardFaults) -> None:
    engine = create_engine(card_faults.backend.database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM appointments WHERE id_number = :i"), {"i": CARMEN})
        connection.execute(text("DELETE FROM cita_slots WHERE starts_at < :soon"),
                           {"soon": datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)})  # fmt: skip
    engine.dispose()


def appointments(card_faults: CardFaults) -> list[tuple[str, bool, int | None]]:
    """Carmen's appointments: (reference, cancelled, turn)."""
    sql = "select reference, cancelled_at, turn from appointments where id_number = :i order by reference"
    return [
        (r.reference, r.cancelled_at is not None, r.turn) for r in db_rows(card_faults.backend, sql, i=CARMEN)
    ]


async def list_through_fault(
    driver: Driver, proxy: FaultProxy, fault: Fault, call: Call, screen: type[Listing], options: str
) -> Listing:
    """`fault` armed at `call`, then on to `screen`: its pick-list met the fault, the problem said under the
    list (it tries again by itself), no modal; then the list loaded. The step, the fault recorded as
    survived."""
    applied = len(proxy.applied)
    proxy.arm(fault, call.method, call.path)
    await driver.click("#step-next")
    step = await driver.wait_screen(screen)
    error = "#slot-error" if options == "slots" else "#cancel-error"

    def told() -> bool:
        return len(proxy.applied) > applied and "tornarà a provar" in driver.text_of(error)

    await driver.wait_for(told, timeout=15, what=f"the list telling the fault ({options})")
    assert driver.app.screen is step and not any(isinstance(s, ErrorModal) for s in driver.app.screen_stack)
    await driver.wait_for(lambda: bool(getattr(step.state, options)), timeout=20, what="the list again")
    survived(fault, "cita", call.step)
    return step


async def begin(driver: Driver, card_faults: CardFaults, action: str) -> None:
    await new_visit(driver)
    assert launch(driver.app, "cita_previa")
    await driver.wait_screen(InsertCardScreen)
    await card_login(driver, card_faults.pcsc)
    await driver.wait_screen(cita.ActionStep, timeout=20)
    await driver.click(f"#action-{action}")


async def again(driver: Driver, action: str) -> None:
    """The procedure started again from the procedures by the citizen still identified, and `action`."""
    assert launch(driver.app, "cita_previa")
    await driver.wait_screen(cita.ActionStep, timeout=10)
    await driver.click(f"#action-{action}")


async def choose_first(driver: Driver, step: StepScreen[cita.CitaState], name: str) -> None:
    step.query_one(f"#{name}").focus()
    await driver.press("enter", "down", "enter")
    await driver.wait_for(lambda: getattr(step.state, name) is not None, what=f"{name} chosen")


async def test_cita_survives_every_backend_fault_at_each_call(
    tmp_path: Path, card_faults: CardFaults
) -> None:
    slots, book, mine, cancel, check_in = CALLS["cita"]
    proxy = card_faults.proxy
    _erase(card_faults)
    app = card_kiosk(tmp_path, card_faults, tmp_path / "media")
    try:
        async with drive(app, size=SIZE) as driver:
            await begin(driver, card_faults, "book")
            await driver.click("#step-next")
            service = await driver.wait_screen(cita.ServiceStep)
            # 1. The free slots, for one service then the other (a change of service loads them again).
            for n, fault in enumerate(BACKEND_FAULTS):
                code = ("registre", "padro")[n % 2]
                await driver.click(f"#service-{code}")
                step = await list_through_fault(driver, proxy, fault, slots, cita.SlotStep, "slots")
                if n + 1 < len(BACKEND_FAULTS):
                    await driver.click("#step-back")
                    await driver.wait_for(lambda: driver.app.screen is service, what="the service step")
            await choose_first(driver, step, "slot")
            chosen = step.state.slot
            await driver.click("#step-next")
            await driver.wait_screen(cita.ContactStep)
            await driver.click("#step-next")
            review = await driver.wait_screen(cita.CitaReview)

            def booked_once(fault: str) -> None:
                assert review.state.slot == chosen
                assert len(appointments(card_faults)) <= 1, appointments(card_faults)

            # 2. The booking: Send again is safe (the same key: one appointment, whatever reached it).
            await faults_at_send(driver, proxy, book, "cita", booked_once)
            await driver.click("#step-next")
            result = await driver.wait_screen(cita.CitaResult, timeout=15)
            reference = result.document.reference
            assert appointments(card_faults) == [(reference, False, None)]
            # 3. My appointments (a pick-list), each fault met by the procedure started again.
            listing: cita.MineStep | None = None
            for fault in BACKEND_FAULTS:
                await driver.click("#step-cancel")  # other procedures: still identified
                closed = lambda: not any(isinstance(s, StepScreen) for s in app.screen_stack)  # noqa: E731
                await driver.wait_for(closed, what="the procedure closed")
                await again(driver, "cancel")
                listing = await list_through_fault(driver, proxy, fault, mine, cita.MineStep, "mine")
            assert listing is not None
            await choose_first(driver, listing, "cancel")
            await driver.click("#step-next")
            confirm = await driver.wait_screen(cita.CancelReview)

            def cancelled_once(fault: str) -> None:
                assert confirm.state.cancel == reference
                assert [r for r, *_ in appointments(card_faults)] == [reference]

            await faults_at_send(driver, proxy, cancel, "cita", cancelled_once)
            await driver.click("#step-next")
            await driver.wait_screen(cita.CancelResult, timeout=15)
            assert appointments(card_faults) == [(reference, True, None)]
            # 5. The check-in, for an appointment of today: one turn number, however often it was sent.
            soon = (datetime.now(UTC) + timedelta(minutes=15)).replace(second=0, microsecond=0)
            stack = CardStack(card_faults.pcsc, card_faults.backend)
            take_slot(stack, soon.isoformat(), id_number=CARMEN, reference="CP/2026/000901", new=True)
            await driver.click("#step-cancel")
            await again(driver, "checkin")
            await driver.click("#step-next")
            await driver.wait_screen(cita.CheckInStep)

            def one_turn(fault: str) -> None:
                turns = [t for *_, t in appointments(card_faults) if t is not None]
                assert len(turns) <= 1, turns

            await faults_at_send(driver, proxy, check_in, "cita", one_turn)
            await driver.click("#step-next")
            await driver.wait_for(lambda: any(isinstance(s, cita.TicketResult) for s in app.screen_stack),
                                  timeout=15, what="the turn")  # fmt: skip
            [turn] = [t for *_, t in appointments(card_faults) if t is not None]
            ticket = next(s for s in app.screen_stack if isinstance(s, cita.TicketResult))
            assert ticket.document.turn == f"P-{turn:03d}"
    finally:
        _erase(card_faults)
        card_faults.pcsc.control.remove()
