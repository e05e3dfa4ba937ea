"""A person's run of the volant col·lectiu: the real `kiosk` command in tmux (send-keys, capture-pane),
a test card in the virtual reader, the reference backend, from the attract screen to the printed PDF."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import PIN, READER_INDEX
from tests.fixtures.app import make_settings
from tests.fixtures.tmux import TmuxKiosk
from tests.unit.printing import pdftools

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by `make test`")


def tab_to_and_press(kiosk: TmuxKiosk, expected: str, tries: int = 6) -> None:
    """Tab to the next control and press Enter until `expected` shows (as a person finds a button)."""
    for _ in range(tries):
        kiosk.send("Tab")
        time.sleep(0.3)
        kiosk.send("Enter")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if expected in kiosk.screen():
                return
            time.sleep(0.2)
    kiosk.wait_for(expected, timeout=1)


def test_volant_collectiu_in_tmux(
    tmp_path: Path, pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo
) -> None:
    settings = make_settings(
        tmp_path,
        kiosk={"id": card_backend.kiosk_id},
        backend={"url": card_backend.url, "kiosk_key": card_backend.kiosk_key},
        eid={"pkcs11_module": str(pcsc_stack.pkcs11_module), "readers": [pcsc_stack.readers[READER_INDEX]]},
    )
    assert settings.source is not None
    printed = tmp_path / "printed"
    kiosk = TmuxKiosk(settings.source, env=pcsc_stack.env, size=(100, 30))
    try:
        kiosk.wait_for("Introduïu la targeta o toqueu la pantalla per començar")
        testcards.insert("dnie3-valid", reader=READER_INDEX)
        kiosk.wait_for("PIN", timeout=30)
        time.sleep(0.5)
        kiosk.type(PIN)
        kiosk.send("Enter")
        kiosk.wait_for("Què voleu fer?", timeout=30)  # the catalogue, once identified
        # Search the catalogue (the search field has the focus once the list has loaded).
        for _ in range(5):
            time.sleep(1.0)
            kiosk.type("col·lectiu")
            time.sleep(1.0)
            screen = kiosk.screen()
            if "Volant d'empadronament col·lectiu" in screen and "individual" not in screen:
                break
        kiosk.wait_for("Volant d'empadronament col·lectiu")
        time.sleep(0.5)
        tab_to_and_press(kiosk, "El podeu fer aquí mateix")  # the procedure in the list: its details
        tab_to_and_press(kiosk, "El vostre empadronament")  # "Start"
        screen = kiosk.wait_for("Consteu al padró de Mataró", timeout=30)
        assert "Pas 1 de 4" in screen
        kiosk.send("Enter")  # Next is focused once the registration is shown
        kiosk.wait_for("Quin document necessiteu?")
        kiosk.send("F2")  # Next, from anywhere on the step
        screen = kiosk.wait_for("Reviseu les dades")
        assert "Volant d'empadronament col·lectiu" in screen
        kiosk.send("Enter")  # Send
        kiosk.wait_for("S'ha emès el vostre document.", timeout=30)
        time.sleep(1.0)  # as a person reads the result before pressing: Print takes the focus after the text
        kiosk.send("Enter")  # Print
        kiosk.wait_for("S'ha imprès", timeout=30)
        kiosk.send("Enter")
        kiosk.wait_for("Imprès. Recolliu el paper", timeout=15)
        pdfs = list(printed.glob("*.pdf"))
        assert len(pdfs) == 1
        text = " ".join(pdftools.text(pdfs[0]).split())
        assert "CARMEN" in text and "DOCUMENT DE PROVA" in text
        assert "col·lectiu" in text.lower() or "COL·LECTIU" in text
    finally:
        print(kiosk.screen())
        kiosk.close()
