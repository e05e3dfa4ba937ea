"""The fault matrix's backend and TLS faults at every backend call of the procedures that need a card
login: the padró documents (the login's challenge and session, the registration, the document) and the
instància (the departments, the registration with an attachment). The test card is in the second virtual
reader.

At each: a plain message in Catalan that says what to do; what the citizen typed is kept unless the session
ended (a failed login ends at "take your card out"); the backend holds no duplicate, no gap in the
E/<year>/<n> numbering and no entry without its attachment."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from kiosk.app import KioskApp
from kiosk.catalogue.screen import CatalogueScreen
from kiosk.login import LoginScreen
from kiosk.procedures import instancia
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.padro import DocumentStep, PadroResult, PadroReview, RegistrationStep
from kiosk.screens.attract import AttractScreen
from tests.e2e.faults.conftest import CardFaults
from tests.e2e.faults.matrix import BACKEND_FAULTS, CALLS, Call, survived
from tests.e2e.faults.walks import (
    departments_through_faults,
    faults_at_send,
    faulty_kiosk,
    told_and_dismissed,
)
from tests.e2e.procedures.helpers import PIN, READER_INDEX, SIZE, card_login, db_rows, launch, new_visit
from tests.fixtures.faults import FAULTS, HTTP_FAULTS, TLS_FAULTS, Fault, FaultProxy
from tests.harness import Driver, drive
from widgets.file_picker import FilePicker

LOGIN_UNAVAILABLE = "El sistema de l'Ajuntament no respon ara mateix. Torneu-ho a provar d'aquí a uns minuts."
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def card_kiosk(tmp_path: Path, stack: CardFaults, media: Path) -> KioskApp:
    eid = {"pkcs11_module": str(stack.pcsc.pkcs11_module), "readers": [stack.pcsc.readers[READER_INDEX]]}
    attachments = {"mount_roots": [str(media)]}
    return faulty_kiosk(tmp_path, stack.backend, stack.proxy, eid=eid, attachments=attachments)


async def faults_at_load(
    driver: Driver,
    proxy: FaultProxy,
    call: Call,
    procedure: str,
    code: str,
    first: Callable[[], Awaitable[None]],
    language: str = "ca",
) -> None:
    """Every fault at a loading call, in turn: `first()` reaches it the first time; each failure ends the
    procedure with the message (in `language`), back at the procedures, the citizen still identified, who
    starts it again (and meets the next fault, then none)."""
    proxy.arm(BACKEND_FAULTS[0], call.method, call.path)
    await first()
    for index, fault in enumerate(BACKEND_FAULTS):
        await told_and_dismissed(driver, language)
        assert isinstance(driver.app.screen, CatalogueScreen)
        session = driver.app.session
        assert session is not None and session.token, "the citizen's login was lost with the procedure"
        if index + 1 < len(BACKEND_FAULTS):
            proxy.arm(BACKEND_FAULTS[index + 1], call.method, call.path)
        assert launch(driver.app, code)
        survived(fault, procedure, call.step)


async def test_padro_survives_every_backend_fault_at_each_call(
    tmp_path: Path, card_faults: CardFaults
) -> None:
    challenge, login, registration, document = CALLS["padro"]
    pcsc_stack, server, proxy = card_faults.pcsc, card_faults.backend, card_faults.proxy
    app = card_kiosk(tmp_path, card_faults, tmp_path / "media")

    def documents() -> int:
        sql = "select count(*) as n from issued_documents where kind = 'volant_individual'"
        return int(db_rows(server, sql)[0].n)

    async def pin_pad(fault: Fault | None) -> int:
        """A new visit, the card in, the PIN pad shown; with `fault`, the challenge fetched ahead (while
        the PIN is typed) meets it. What the proxy had seen before the card went in."""
        visit = len(proxy.seen)
        await new_visit(driver)
        assert launch(app, "volant_individual")
        await driver.wait_screen(InsertCardScreen)
        # The catalogue's load (of the visit) asked for first: a TLS fault armed now is for the login.
        listed = lambda: ("GET", "/v1/catalogue") in proxy.seen[visit:]  # noqa: E731
        await driver.wait_for(listed, timeout=10, what="the catalogue asked for")
        seen, applied = len(proxy.seen), len(proxy.applied)
        if fault is not None:
            proxy.arm(fault, challenge.method, challenge.path)
        pcsc_stack.control.insert("dnie3-valid", reader=READER_INDEX)
        await driver.wait_screen(LoginScreen, timeout=20)
        await driver.wait_for(lambda: bool(app.screen.query("PinPad")), timeout=20, what="the PIN pad")
        fetched = (challenge.method, challenge.path)
        if fault is not None:
            met = lambda: len(proxy.applied) > applied  # noqa: E731
        else:
            met = lambda: fetched in proxy.seen[seen:]  # noqa: E731
        await driver.wait_for(met, timeout=10, what="the challenge fetched ahead")
        return seen

    async def told_to_take_the_card() -> None:
        await driver.wait_for(LOGIN_UNAVAILABLE, words=True, timeout=15)
        assert "Traieu la targeta del lector" in driver.words()
        pcsc_stack.control.remove()
        await driver.wait_screen(AttractScreen, timeout=15)
        assert app.session is None and "ESPAÑOLA" not in driver.text()

    async with drive(app, size=SIZE) as driver:
        # 0. The login's challenge failing when fetched ahead and again at Enter: "take your card out";
        #    no session was asked for.
        for fault in BACKEND_FAULTS:
            seen = await pin_pad(fault)
            proxy.arm(fault, challenge.method, challenge.path)
            await driver.press(*PIN, "enter")
            await told_to_take_the_card()
            assert (login.method, login.path) not in proxy.seen[seen:]
            survived(fault, "padro", challenge.step)
        # 1. The login's session: "take your card out"; out, the visit ends and nothing of it is left. With
        #    a backend fault, the challenge fetched ahead has failed too: the login fetched another at Enter
        #    (unseen) and went on (a TLS fault strikes the next connection: the challenge fetched ahead is
        #    fetched fine there).
        for fault in BACKEND_FAULTS:
            seen = await pin_pad(fault if fault in HTTP_FAULTS else None)
            proxy.arm(fault, login.method, login.path)
            await driver.press(*PIN, "enter")
            await told_to_take_the_card()
            assert (login.method, login.path) in proxy.seen[seen:] or fault in TLS_FAULTS
            if fault in HTTP_FAULTS:
                survived(fault, "padro", "card login: challenge fetched ahead (fetched again)")
            survived(fault, "padro", login.step)
        # 2. The registration (a loading step).
        await new_visit(driver)
        assert launch(app, "volant_individual")
        await driver.wait_screen(InsertCardScreen)
        await faults_at_load(
            driver, proxy, registration, "padro", "volant_individual", lambda: card_login(driver, pcsc_stack)
        )
        await driver.wait_screen(RegistrationStep, timeout=10)
        await driver.wait_for("Consteu al padró de Mataró", timeout=10)
        await driver.click("#step-next")
        await driver.wait_screen(DocumentStep)
        await driver.click("#language-es")
        await driver.click("#step-next")
        review = await driver.wait_screen(PadroReview)
        # 3. The document: Send again after each fault; one document in the end.
        before = documents()

        def kept(fault: Fault) -> None:
            assert review.state.language == "es"
            assert documents() - before == (1 if FAULTS[fault][1] or documents() > before else 0) <= 1

        await faults_at_send(driver, proxy, document, "padro", kept)
        await driver.click("#step-next")
        result = await driver.wait_screen(PadroResult, timeout=10)
        await driver.wait_for(result.document.csv)
    assert documents() - before == 1


async def test_instancia_survives_every_backend_fault_at_each_call(
    tmp_path: Path, card_faults: CardFaults
) -> None:
    departments, register = CALLS["instancia"]
    pcsc_stack, server, proxy = card_faults.pcsc, card_faults.backend, card_faults.proxy
    media = tmp_path / "media"
    (media / "USB").mkdir(parents=True)
    (media / "USB" / "foto.pdf").write_bytes(PDF)
    app = card_kiosk(tmp_path, card_faults, media)
    subject = f"Fanal {uuid.uuid4().hex[:8]}"

    def entries() -> list[tuple[str, int]]:
        sql = (
            "select i.registry_number as number, count(a.id) as files from instancies i "
            "left join instancia_attachments a on a.instancia_id = i.id where i.receipt like :s "
            "group by i.registry_number"
        )
        return [(r.number, r.files) for r in db_rows(server, sql, s=f"%{subject}%")]

    async with drive(app, size=SIZE) as driver:
        # 1. The departments (the subject step's pick-list): each fault in turn while the citizen types the
        #    subject; the step stays (no modal takes the keys), the list says it tries again, and the
        #    departments come on the try after the last fault. The list asks again 4 times: the TLS faults
        #    strike it in test_tls_faults.
        step = await departments_through_faults(driver, proxy, pcsc_stack, HTTP_FAULTS, subject, HTTP_FAULTS)
        await driver.wait_for(lambda: bool(step.state.departments), timeout=15, what="the departments")
        assert driver.value("#f-subject") == subject
        app.screen.query_one("#department").focus()
        await driver.press("enter", "down", "down", "enter")
        await driver.wait_for(lambda: bool(step.state.department), what="a department chosen")
        await driver.click("#step-next")
        await driver.wait_screen(instancia.RequestStep)
        await driver.paste("Que el fanal del carrer no funciona.", into="#f-exposo")
        await driver.paste("Que el reparin.", into="#f-solicito")
        await driver.click("#step-next")
        await driver.wait_screen(instancia.AttachmentsStep)
        picker = app.screen.query_one(FilePicker)
        await driver.wait_for(lambda: "USB/foto.pdf" in [e.key for e in picker.entries], what="the file")
        picker.focus()
        picker.highlighted = [e.key for e in picker.entries].index("USB/foto.pdf")
        await driver.press("enter")
        await driver.wait_for(lambda: any(e.chosen for e in picker.entries), what="the file attached")
        await driver.click("#step-next")
        await driver.wait_screen(instancia.ContactStep)
        await driver.click("#step-next")
        review = await driver.wait_screen(instancia.InstanciaReview)

        # 2. The registration with its attachment.
        def kept(fault: Fault) -> None:
            assert review.state.subject == subject and len(review.state.attached) == 1
            assert all(copy.exists() for copy in (a.copy for a in review.state.attached))
            got = entries()
            assert len(got) <= 1 and all(files == 1 for _, files in got), got
            assert bool(got) or not FAULTS[fault][1], (fault, got)

        await faults_at_send(driver, proxy, register, "instancia", kept)
        await driver.click("#step-next")
        result = await driver.wait_screen(instancia.InstanciaResult, timeout=15)
    assert entries() == [(result.document.registry_number, 1)]
    for year in {r.year for r in db_rows(server, "select year from instancies")}:
        sql = "select sequence from instancies where year = :y order by sequence"
        numbers = [r.sequence for r in db_rows(server, sql, y=year)]
        assert numbers == list(range(1, len(numbers) + 1)), f"a gap or a duplicate in E/{year}/<n>"
