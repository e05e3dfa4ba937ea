"""What the citizen typed survives a backend fault that strikes while they type: the instància's
departments (its subject step's pick-list) answered later than the read timeout while the citizen was
already writing the subject. The step stays, no modal takes the keys that follow, the list says what
happened and asks again by itself; the instància is then sent as usual."""

from __future__ import annotations

import uuid
from pathlib import Path

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.procedures import instancia
from kiosk.procedures.identify import InsertCardScreen
from kiosk.screens.error import ErrorModal
from kiosk.speech import RecordingSpeech, SpeechService
from testcards.control import TestCardControl
from tests.e2e.faults.matrix import CALLS, survived
from tests.e2e.faults.walks import faulty_kiosk
from tests.e2e.procedures.helpers import READER_INDEX, SIZE, card_login, db_rows, launch, new_visit, next_step
from tests.fixtures.faults import FaultProxy
from tests.harness import drive

#: What the subject step shows under the list (and says) while the departments are asked for again.
TRYING_AGAIN = (
    "No s'ha pogut carregar la llista: el servei de l'Ajuntament no ha respost. Es tornarà a provar d'aquí "
    "a uns segons."
)


async def test_subject_typed_while_the_departments_load_is_kept(
    tmp_path: Path,
    pcsc_stack: PcscInfo,
    testcards: TestCardControl,
    faults_card_backend: BackendInfo,
    card_fault_proxy: FaultProxy,
) -> None:
    departments = CALLS["instancia"][0]
    eid = {"pkcs11_module": str(pcsc_stack.pkcs11_module), "readers": [pcsc_stack.readers[READER_INDEX]]}
    attachments = {"mount_roots": [str(tmp_path / "no-stick")]}
    app = faulty_kiosk(tmp_path, faults_card_backend, card_fault_proxy, eid=eid, attachments=attachments)
    voice = RecordingSpeech()
    app.speech = SpeechService(voice, default_volume=60)
    first, rest = f"Fanal {uuid.uuid4().hex[:8]} espatllat", " al carrer d'en Pau"
    subject = first + rest
    async with drive(app, size=SIZE) as driver:
        await new_visit(driver)
        assert launch(app, "instancia_generica")
        await driver.wait_screen(InsertCardScreen)
        card_fault_proxy.arm("slow", departments.method, departments.path)
        await card_login(driver, pcsc_stack)
        step = await driver.wait_screen(instancia.SubjectStep, timeout=10)
        app.speech.enabled = True
        await driver.type(first, into="#f-subject")
        # The departments fail while the citizen types: the list says so, the step stays, no modal.
        await driver.wait_for(lambda: driver.text_of("#department-error") == TRYING_AGAIN, what="the message")
        assert card_fault_proxy.applied == [("slow", departments.method, departments.path)]
        assert app.screen is step and not any(isinstance(s, ErrorModal) for s in app.screen_stack)
        assert "es torna a provar" in driver.text() and TRYING_AGAIN in voice.spoken
        # The keys that follow still go into the field: all of the subject is there.
        await driver.type(rest)
        assert driver.value("#f-subject") == subject and step.state.subject == subject
        # The next try fails too (the connection cut): the same message, and Next is refused while no
        # department can be chosen; the list keeps saying why.
        card_fault_proxy.arm("down", departments.method, departments.path)
        await driver.wait_for(lambda: len(card_fault_proxy.applied) == 2, what="the second try")
        await driver.click("#step-next")
        assert app.screen is step and driver.text_of("#department-error") == TRYING_AGAIN
        # The departments are asked for again, and come; the message goes.
        await driver.wait_for(lambda: bool(step.state.departments), timeout=10, what="the departments")
        await driver.wait_for(lambda: not driver.text_of("#department-error"), what="the message to go")
        assert "Trieu el departament" in driver.text()
        survived("slow while typing", "instancia", departments.step)
        # One instància is sent, with all of the subject.
        step.query_one("#department").focus()
        await driver.press("enter", "down", "down", "enter")
        await driver.wait_for(lambda: bool(step.state.department), what="a department chosen")
        await next_step(driver, instancia.RequestStep)
        await driver.paste("Que el fanal del carrer no funciona.", into="#f-exposo")
        await driver.paste("Que el reparin.", into="#f-solicito")
        await next_step(driver, instancia.AttachmentsStep)
        await next_step(driver, instancia.ContactStep)
        await next_step(driver, instancia.InstanciaReview)
        result = await next_step(driver, instancia.InstanciaResult, timeout=15)
    sql = "select registry_number, receipt from instancies where receipt like :s"
    rows = db_rows(faults_card_backend, sql, s=f"%{first}%")
    assert [r.registry_number for r in rows] == [result.document.registry_number]
    assert subject in rows[0].receipt
