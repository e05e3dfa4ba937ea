"""Cita prèvia at the kiosk, on the real stack: a card login on the virtual reader, the service, a free
slot from the backend's list, the slot taken by someone else before Send (said plainly, back at the times
loaded again, another one chosen), a contact with the consent, the justificant printed on the CUPS file:
queue, the appointment and its confirmation in the backend's database. Cancelling one of the citizen's
appointments (confirmed, the slot free again); checking in on arrival (none today said plainly, then the
turn ticket printed, with no name or ID number)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from kiosk import procedures
from kiosk.procedures.cita import (
    ActionStep,
    CancelResult,
    CancelReview,
    CheckInStep,
    CitaResult,
    CitaReview,
    ContactStep,
    MineStep,
    ServiceStep,
    SlotStep,
    TicketResult,
)
from kiosk.screens.error import ErrorModal
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin_with_card,
    db_rows,
    kiosk_app,
    new_visit,
    next_step,
    print_and_continue,
    printed,
)
from tests.harness import Driver, drive

CARMEN = "12345678Z"  # dnie3-valid


async def choose_slot(driver: Driver, step: SlotStep, downs: int) -> str:
    """Open the list of free times and take the `downs`-th one, as a citizen would with the keyboard."""
    await driver.wait_for(lambda: bool(step.state.slots), what="the free times")
    step.query_one("#slot").focus()
    await driver.press("enter", *(["down"] * downs), "enter")
    await driver.wait_for(lambda: step.state.slot is not None, what="a time chosen")
    slot = step.state.slot
    assert slot is not None
    return slot


def take_slot(card_stack: CardStack, slot: str, id_number: str = "00000000T",
              reference: str = "CP/0000/999999", new: bool = False) -> None:  # fmt: skip
    """Someone at another kiosk books `slot` first (written straight into the backend's database); with
    `new`, the slot is made first (an appointment of today: the demo's slots begin tomorrow)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from municipal.models import Appointment, AppointmentSlot

    at = datetime.fromisoformat(slot)
    engine = create_engine(card_stack.backend.database_url)
    with Session(engine) as session, session.begin():
        if new:
            session.add(AppointmentSlot(service_code="padro", starts_at=at))
            session.flush()
        taken = session.execute(
            select(AppointmentSlot).where(
                AppointmentSlot.service_code == "padro", AppointmentSlot.starts_at == at
            )
        ).scalar_one()
        other = Appointment(reference=reference, slot_id=taken.id, service_code="padro",
                            starts_at=taken.starts_at, id_number=id_number, kiosk_id="other",
                            booked_at=datetime.now(UTC), csv="OTHERCSV")  # fmt: skip
        session.add(other)
    engine.dispose()


def first_free_slot(card_stack: CardStack) -> datetime:
    """The soonest free padró slot, from the backend's database."""
    from sqlalchemy import select

    from municipal.models import AppointmentSlot

    engine = create_engine(card_stack.backend.database_url)
    with engine.connect() as connection:
        first = connection.execute(
            select(AppointmentSlot.starts_at)
            .where(AppointmentSlot.service_code == "padro", AppointmentSlot.starts_at > datetime.now(UTC))
            .order_by(AppointmentSlot.starts_at)
            .limit(1)
        ).scalar_one()
    engine.dispose()
    assert isinstance(first, datetime) and first.tzinfo is not None  # the model's column type: aware UTC
    return first


@pytest.fixture
def no_appointments(card_stack: CardStack) -> Iterator[None]:
    """The backend is the session's: every slot free, before and after (today's made ones removed)."""
    engine = create_engine(card_stack.backend.database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM appointments"))
    yield
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM appointments"))
        connection.execute(text("DELETE FROM cita_slots WHERE starts_at < :soon"),
                           {"soon": datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)})  # fmt: skip
    engine.dispose()


async def test_book_an_appointment_and_print_its_justificant(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo, no_appointments: None
) -> None:
    backend = card_stack.backend
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, card_stack.pcsc, "cita_previa", ActionStep)
        shown = driver.text()
        assert "Cita prèvia a l'OAC" in shown and "Pas 1 de 6" in shown
        await driver.click("#action-book")
        await next_step(driver, ServiceStep)
        await driver.click("#service-padro")
        step = await next_step(driver, SlotStep)
        assert "Pas 3 de 6" in driver.text() and "Padró (alta, canvi de domicili)" in driver.text()
        first = await choose_slot(driver, step, 2)
        await next_step(driver, ContactStep)
        await driver.type("carmen@example.org", into="#f-email")
        await driver.click("#step-next")  # a contact without the consent: said at the box
        await driver.wait_for("marqueu la casella")
        await driver.click("#consent")
        await next_step(driver, CitaReview)
        assert "carmen@example.org" in driver.text()
        take_slot(card_stack, first)
        await next_step(driver, ErrorModal)
        assert "Aquesta hora ja no està disponible" in driver.text()
        await driver.click("#error-ok")
        # Back at the times by itself, the list loaded again without the one taken.
        await driver.wait_screen(SlotStep)
        assert driver.screen is step and step.state.slot is None
        await driver.wait_for(lambda: bool(step.state.slots), what="the free times again")
        assert first not in {code for code, _ in step.state.slots}
        second = await choose_slot(driver, step, 2)
        assert second != first
        await next_step(driver, ContactStep)
        await next_step(driver, CitaReview)
        result = await next_step(driver, CitaResult, timeout=20)
        reference = result.document.reference
        await driver.wait_for(reference)
        assert "Pas 6 de 6" in driver.text() and "Teniu cita per al" in driver.text()
        printed = await print_and_continue(driver, cups_stack)
    rows = db_rows(backend, "select reference, id_number from appointments where reference = :r", r=reference)
    assert [(r.reference, r.id_number) for r in rows] == [(reference, CARMEN)]
    outbox = "select recipient, consent from outbox_messages where kind = 'cita_booked' and payload like :p"
    [message] = db_rows(backend, outbox, p=f"%{reference}%")
    assert (message.recipient, message.consent) == ("carmen@example.org", "cita:contact")
    when = datetime.fromisoformat(second)
    assert "Justificant de cita prèvia" in printed and reference in printed
    assert when.strftime("%d/%m/%Y") in printed and when.strftime("%H:%M") in printed
    assert "DOCUMENT DE PROVA" in printed


async def test_no_free_slot_is_said_plainly(tmp_path: Path, backend_server: BackendInfo) -> None:
    # Every registre slot taken (by a kiosk of this test only, given back at the end).
    engine = create_engine(backend_server.database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO appointments (reference, slot_id, service_code, starts_at, id_number, kiosk_id,"
                " booked_at, csv) SELECT 'T' || id, id, service_code, starts_at, '00000000T', 'no-slots',"
                " starts_at, 'OTHERCSV' FROM cita_slots WHERE service_code = 'registre'"
                " AND id NOT IN (SELECT slot_id FROM appointments WHERE slot_id IS NOT NULL)"
            )
        )
    try:
        app = kiosk_app(tmp_path, backend_server)
        async with drive(app, size=SIZE) as driver:
            await new_visit(driver)
            # The slots are read without a citizen: the steps before the review need no login.
            assert procedures.launch(app, "cita_previa", needs_certificate=False)
            await driver.wait_screen(ActionStep)
            await next_step(driver, ServiceStep)
            await driver.click("#service-registre")
            step = await next_step(driver, SlotStep)
            await driver.wait_for(lambda: step.state.no_slots, what="the empty list")
            assert step.query_one("#no-slots").display
            shown = " ".join(driver.text().split())
            assert "No hi ha cap hora lliure per a aquest servei en els propers 7 dies" in shown
            assert "Truqueu al 010" in shown
            await driver.click("#step-next")  # nothing to choose: the step stays
            await driver.wait_for("Trieu el dia i l'hora de la cita.")
            assert isinstance(driver.screen, SlotStep)
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM appointments WHERE kiosk_id = 'no-slots'"))
        engine.dispose()


async def test_cancel_one_of_my_appointments(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo, no_appointments: None
) -> None:
    backend = card_stack.backend
    moment = first_free_slot(card_stack)
    take_slot(card_stack, moment.isoformat(), id_number=CARMEN, reference="CP/2026/000777")
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, card_stack.pcsc, "cita_previa", ActionStep)
        await driver.click("#action-cancel")
        step = await next_step(driver, MineStep)
        await driver.wait_for(lambda: bool(step.state.mine), what="the appointments")
        assert [code for code, _ in step.state.mine] == ["CP/2026/000777"]
        step.query_one("#cancel").focus()
        await driver.press("enter", "down", "enter")
        await driver.wait_for(lambda: step.state.cancel is not None, what="an appointment chosen")
        await next_step(driver, CancelReview)
        assert "Voleu anul·lar aquesta cita" in " ".join(driver.text().split())
        result = await next_step(driver, CancelResult, timeout=20)
        assert result.cancelled.reference == "CP/2026/000777"
        await driver.wait_for("anul·lada")
    [row] = db_rows(
        backend, "select cancelled_at, slot_id from appointments where reference = 'CP/2026/000777'"
    )
    assert row.cancelled_at is not None and row.slot_id is None


async def test_check_in_prints_a_turn_ticket(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo, no_appointments: None
) -> None:
    backend = card_stack.backend
    soon = (datetime.now(UTC) + timedelta(minutes=15)).replace(second=0, microsecond=0)
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, card_stack.pcsc, "cita_previa", ActionStep)
        await driver.click("#action-checkin")
        await next_step(driver, CheckInStep)
        await next_step(driver, ErrorModal, timeout=20)  # nothing today: said plainly
        assert "No teniu cap cita per a avui" in " ".join(driver.text().split())
        await driver.click("#error-ok")
        await driver.wait_screen(CheckInStep)
        take_slot(card_stack, soon.isoformat(), id_number=CARMEN, reference="CP/2026/000778", new=True)
        cups_stack.reset_file_queue()
        await driver.click("#step-next")
        await driver.wait_for(lambda: isinstance(driver.app.screen_stack[-2], TicketResult), timeout=20,
                              what="the ticket printed at once")  # fmt: skip
        result = driver.app.screen_stack[-2]
        assert isinstance(result, TicketResult)
        paper = await printed(driver, result, cups_stack)
        turn = result.document.turn
        assert turn.startswith("P-") and f"El vostre torn és {turn}" in " ".join(driver.text().split())
    assert turn in paper and "Padró d'habitants" in paper and "DOCUMENT DE PROVA" in paper
    assert CARMEN not in paper and "CARMEN" not in paper.upper()
    [row] = db_rows(
        backend, "select turn, checked_in_at from appointments where reference = 'CP/2026/000778'"
    )
    assert row.checked_in_at is not None and f"P-{row.turn:03d}" == turn
