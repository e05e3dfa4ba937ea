"""Cita prèvia at the kiosk, on the real stack: a card login on the virtual reader, the service, a free
slot from the backend's list, the slot taken by someone else before Send (said plainly, and another one
chosen), a contact with the consent, the justificant printed on the CUPS file: queue, the appointment and
its confirmation in the backend's database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from kiosk import procedures
from kiosk.procedures.cita import CitaResult, CitaReview, ContactStep, ServiceStep, SlotStep
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


def take_slot(card_stack: CardStack, slot: str) -> None:
    """Someone at another kiosk books `slot` first (written straight into the backend's database)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from municipal.models import Appointment, AppointmentSlot

    at = datetime.fromisoformat(slot)
    engine = create_engine(card_stack.backend.database_url)
    with Session(engine) as session, session.begin():
        taken = session.execute(
            select(AppointmentSlot).where(
                AppointmentSlot.service_code == "padro", AppointmentSlot.starts_at == at
            )
        ).scalar_one()
        other = Appointment(reference="CP/0000/999999", slot_id=taken.id, service_code="padro",
                            starts_at=taken.starts_at, id_number="00000000T", kiosk_id="other",
                            booked_at=datetime.now(UTC), csv="OTHERCSV")  # fmt: skip
        session.add(other)
    engine.dispose()


async def test_book_an_appointment_and_print_its_justificant(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    backend = card_stack.backend
    engine = create_engine(backend.database_url)
    with engine.begin() as connection:  # the backend is the session's: every slot free again
        connection.execute(text("DELETE FROM appointments"))
    engine.dispose()
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, card_stack.pcsc, "cita_previa", ServiceStep)
        shown = driver.text()
        assert "Cita prèvia a l'OAC" in shown and "Pas 1 de 5" in shown
        await driver.click("#service-padro")
        step = await next_step(driver, SlotStep)
        assert "Pas 2 de 5" in driver.text() and "Padró (alta, canvi de domicili)" in driver.text()
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
        await driver.wait_screen(CitaReview)
        await driver.click("#step-back")
        await driver.wait_screen(ContactStep)
        await driver.click("#step-back")
        await driver.wait_screen(SlotStep)
        second = await choose_slot(driver, step, 3)
        assert second != first
        await next_step(driver, ContactStep)
        await next_step(driver, CitaReview)
        result = await next_step(driver, CitaResult, timeout=20)
        reference = result.document.reference
        await driver.wait_for(reference)
        assert "Pas 5 de 5" in driver.text() and "Teniu cita per al" in driver.text()
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
                " AND id NOT IN (SELECT slot_id FROM appointments)"
            )
        )
    try:
        app = kiosk_app(tmp_path, backend_server)
        async with drive(app, size=SIZE) as driver:
            await new_visit(driver)
            # The slots are read without a citizen: the steps before the review need no login.
            assert procedures.launch(app, "cita_previa", needs_certificate=False)
            await driver.wait_screen(ServiceStep)
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
