"""The volant col·lectiu by keyboard only, as a person does it in a real terminal: the `kiosk` command in
tmux (send-keys, capture-pane), a test card in the virtual reader, the reference backend and the test
cupsd's `file:` queue; every key pressed is counted, from the attract screen to the printed PDF."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from devstack.pcsc import PcscInfo
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import PIN, READER_INDEX, card_trusting_backend
from tests.fixtures.app import make_settings
from tests.fixtures.tmux import TmuxKiosk
from tests.unit.printing import pdftools

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by `make test`"),
    pytest.mark.timeout(120),
]

#: The most key presses the volant may take, attract screen to paper: 19 measured (the PIN is 9 of them).
CEILING = 22


@pytest.fixture(scope="module")
def card_backend(pcsc_stack: PcscInfo) -> Iterator[BackendInfo]:
    """The reference backend, trusting the test cards."""
    with card_trusting_backend(pcsc_stack) as info:
        yield info


class CountingKiosk:
    """The kiosk in tmux, with every key sent counted (a typed text counts one per character)."""

    def __init__(self, kiosk: TmuxKiosk) -> None:
        self.kiosk = kiosk
        self.presses = 0

    def key(self, *keys: str) -> None:
        for key in keys:
            self.kiosk.send(key)
            self.presses += 1
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self.kiosk.type(text)
        self.presses += len(text)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        return self.kiosk.wait_for(text, timeout)


def test_volant_by_keyboard_only_counts_its_key_presses(
    tmp_path: Path,
    pcsc_stack: PcscInfo,
    testcards: TestCardControl,
    card_backend: BackendInfo,
    cups_file_queue: CupsInfo,
) -> None:
    cups = cups_file_queue
    cups.reset_file_queue()
    settings = make_settings(
        tmp_path,
        kiosk={"id": card_backend.kiosk_id},
        backend={"url": card_backend.url, "kiosk_key": card_backend.kiosk_key},
        eid={"pkcs11_module": str(pcsc_stack.pkcs11_module), "readers": [pcsc_stack.readers[READER_INDEX]]},
        printer={"kind": "cups", "name": cups.file_queue, "cups_server": cups.server, "timeout_seconds": 30},
    )
    assert settings.source is not None
    tmux = TmuxKiosk(settings.source, env=pcsc_stack.env, size=(100, 30))
    kiosk = CountingKiosk(tmux)
    try:
        kiosk.wait_for("Introduïu la targeta o toqueu la pantalla per començar")
        testcards.insert("dnie3-valid", reader=READER_INDEX)  # the card: no key
        kiosk.wait_for("PIN", timeout=30)
        time.sleep(0.5)
        kiosk.type(PIN)
        kiosk.key("Enter")
        kiosk.wait_for("Què voleu fer?", timeout=30)  # the catalogue; the search has the focus
        kiosk.wait_for("Volant d'empadronament col·lectiu")  # the list has loaded
        kiosk.key("Tab")  # the first item of the list: Volant individual
        kiosk.key("Down")  # Volant col·lectiu
        kiosk.key("Enter")  # its details
        kiosk.wait_for("El podeu fer aquí mateix")
        kiosk.key("Tab")  # Start, the next stop after the chosen item
        kiosk.key("Enter")
        screen = kiosk.wait_for("Consteu al padró de Mataró", timeout=30)
        assert "Pas 1 de 4" in screen
        kiosk.key("Enter")  # Next is focused once the registration is shown
        kiosk.wait_for("Quin document necessiteu?")
        kiosk.key("F2")  # Next, from anywhere on the step
        kiosk.wait_for("Reviseu les dades")
        kiosk.key("Enter")  # Send
        kiosk.wait_for("S'ha emès el vostre document.", timeout=30)
        time.sleep(1.0)  # as a person reads the result: Print takes the focus after the text
        kiosk.key("Enter")  # Print
        kiosk.wait_for("S'ha imprès", timeout=40)
        deadline = time.monotonic() + 20
        while not (cups.file_output.exists() and cups.file_output.stat().st_size > 0):
            assert time.monotonic() < deadline, "no PDF came out of the test cupsd's file: queue"
            time.sleep(0.2)
        text = " ".join(pdftools.text(cups.file_output).split())
        assert "CARMEN" in text and "DOCUMENT DE PROVA" in text
        print(f"key presses from the attract screen to the printed PDF: {kiosk.presses} (PIN {len(PIN)})")
        assert kiosk.presses <= CEILING
    finally:
        print(tmux.screen())
        tmux.close()
