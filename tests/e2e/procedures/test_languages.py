"""French and Romanian at the kiosk: chosen on the attract screen, the catalogue and the steps speak that
language, and the volant still prints in Catalan (documents exist only in Catalan and Spanish)."""

from __future__ import annotations

from pathlib import Path

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from kiosk.catalogue import CatalogueScreen
from kiosk.i18n import current_language
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.padro import DocumentStep, PadroResult, PadroReview, RegistrationStep
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin,
    card_login,
    kiosk_app,
    next_step,
    print_and_continue,
)
from tests.harness import drive


def _flat(text: str) -> str:
    return " ".join(text.split())


async def test_french_and_romanian_from_the_attract_screen(
    tmp_path: Path, backend_server: BackendInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await driver.wait_for("Introduïu la targeta")
        await driver.click("#lang-fr")
        text = await driver.wait_for("Insérez votre carte")
        assert "Insérez votre carte, ou touchez l'écran pour commencer" in _flat(text)
        assert "MODE FORMATION" in text and "Introduïu la targeta" not in text
        assert current_language() == "fr"
        await driver.click("#start")
        await driver.wait_screen(CatalogueScreen)
        text = await driver.wait_for("Que souhaitez-vous faire ?")
        assert "Rechercher une démarche" in text and "Terminer et partir" in text
        await driver.click("#finish")
        await driver.wait_for("Introduïu la targeta")  # a session's end brings the kiosk back to Catalan

        await driver.click("#lang-ro")
        text = await driver.wait_for("Introduceți cardul")
        assert "Introduceți cardul sau atingeți ecranul pentru a începe" in _flat(text)
        assert "MOD DE INSTRUIRE" in text
        await driver.click("#start")
        await driver.wait_screen(CatalogueScreen)
        text = await driver.wait_for("Ce doriți să faceți?")
        assert "Căutați o procedură" in text and "Terminați și plecați" in text


async def test_volant_prints_in_catalan_when_the_screen_is_in_french(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await driver.click("#lang-fr")
        await driver.wait_for("Insérez votre carte")
        await begin(driver, "volant_individual", InsertCardScreen)
        assert "Insérez la carte dans le lecteur" in _flat(driver.text())
        await card_login(driver, card_stack.pcsc)
        await driver.wait_screen(RegistrationStep, timeout=20)
        text = await driver.wait_for("Vous êtes inscrit au padró de Mataró")
        assert "Étape 1 sur" in text
        await next_step(driver, DocumentStep)
        assert "Langue du document" in driver.text()
        await next_step(driver, PadroReview)
        text = driver.text()
        assert "Volant d'empadronament individual" in text and "Catalan" in text
        result = await next_step(driver, PadroResult, timeout=20)
        await driver.wait_for(result.document.csv)
        assert "Votre document a été délivré." in driver.text()
        printed = _flat(await print_and_continue(driver, cups_stack))
    assert "Volant d'empadronament individual" in printed
    assert "Aquest volant té caràcter informatiu" in printed
    assert "Volante de empadronamiento" not in printed
