"""Padró documents at the kiosk with a test card (pcscd + vpcd + SoftHSM2), the real backend and CUPS."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import RadioButton

from devstack.cups import CupsInfo
from kiosk.procedures import pending_procedure
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.padro import DocumentStep, PadroResult, PadroReview, RegistrationStep
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin,
    begin_after_login,
    begin_with_card,
    card_login,
    db_rows,
    next_step,
    print_and_continue,
)
from tests.harness import drive

HOUSEHOLD = ("CARMEN", "ESPAÑOLA")


async def test_volant_collectiu_with_a_dnie(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "volant_collectiu", InsertCardScreen)
        assert "Introduïu la targeta al lector" in " ".join(driver.text().split())
        assert pending_procedure(app) == "volant_collectiu"
        await card_login(driver, card_stack.pcsc)
        step = await driver.wait_screen(RegistrationStep, timeout=20)
        text = await driver.wait_for("Consteu al padró de Mataró")
        registration = step.state.registration
        assert registration is not None and registration.address is not None
        assert registration.address.street in text and "Pas 1 de 4" in text
        assert pending_procedure(app) is None
        await next_step(driver, DocumentStep)
        assert app.screen.query_one("#kind-volant_collectiu", RadioButton).value
        await next_step(driver, PadroReview)
        text = driver.text()
        assert "Volant d'empadronament col·lectiu" in text and "Català" in text
        result = await next_step(driver, PadroResult, timeout=20)
        csv = result.document.csv
        await driver.wait_for(csv)
        assert "S'ha emès el vostre document." in driver.text()
        inhabitants = result.document.inhabitants
        assert len(inhabitants) == 4
        printed = await print_and_continue(driver, cups_stack)
    [row] = db_rows(card_stack.backend, "select kind from issued_documents where csv = :c", c=csv)
    assert row.kind == "volant_collectiu"
    for person in inhabitants:
        assert person.given_name in printed
    assert csv in printed and "DOCUMENT DE PROVA" in printed


async def test_certificat_for_someone_not_registered(tmp_path: Path, card_stack: CardStack) -> None:
    app = card_stack.app(tmp_path)
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(
            driver, card_stack.pcsc, "certificat_convivencia", RegistrationStep, "not-registered"
        )
        text = await driver.wait_for("No consteu al padró de Mataró.")
        assert "empadroneu-vos a l'OAC" in " ".join(text.split())
        assert app.screen.query_one("#step-next").disabled


async def test_certificat_de_convivencia_in_spanish_after_logging_in_first(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        # The card first, then the procedure: nothing is asked again.
        await begin_after_login(driver, card_stack.pcsc, "certificat_convivencia", RegistrationStep, 20)
        await driver.wait_for("Consteu al padró de Mataró")
        await next_step(driver, DocumentStep)
        assert app.screen.query_one("#kind-certificat_convivencia", RadioButton).value
        await driver.click("#language-es")
        await next_step(driver, PadroReview)
        text = driver.text()
        assert "Certificat de convivència" in text and "Castellà" in text  # the screen stays in Catalan
        result = await next_step(driver, PadroResult, timeout=20)
        csv = result.document.csv
        await driver.wait_for(csv)
        printed = await print_and_continue(driver, cups_stack)
    [row] = db_rows(card_stack.backend, "select kind from issued_documents where csv = :c", c=csv)
    assert row.kind == "certificat_convivencia"
    assert "Certificado de convivencia" in printed and "El Ayuntamiento de Mataró CERTIFICA" in printed
    assert "Certificat de convivència" not in printed and csv in printed
