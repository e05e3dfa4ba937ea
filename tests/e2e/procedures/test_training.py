"""Training mode: the staff menu's test cards insert a card into the kiosk's reader (the login starts)
and take it out."""

from __future__ import annotations

from pathlib import Path

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.login import LoginScreen
from kiosk.procedures.training import TestCardsScreen, reader_index, training_buttons
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import (
    READER_INDEX,
    SIZE,
    card_app,
    kiosk_app,
)
from tests.harness import drive


def test_reader_index() -> None:
    assert reader_index(()) == 0
    assert reader_index(("Virtual PCD 00 01",)) == 1
    assert reader_index(("Virtual PCD",)) == 0


async def test_no_test_cards_outside_training(tmp_path: Path, backend_server: BackendInfo) -> None:
    app = kiosk_app(tmp_path, backend_server, kiosk={"mode": "production"})
    async with drive(app, size=SIZE):
        assert training_buttons(app) == []


async def test_staff_insert_and_remove_a_test_card(
    tmp_path: Path, pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo
) -> None:
    app = card_app(tmp_path, card_backend, pcsc_stack)
    async with drive(app, size=SIZE) as driver:
        button, _reset = training_buttons(app)
        app.push_screen(TestCardsScreen())
        await driver.wait_for(
            lambda: bool(app.screen.query("#insert-aoc-valid")), what="the list of test cards"
        )
        await driver.wait_for("dnie3-valid")
        await driver.click("#insert-aoc-valid")
        await driver.wait_screen(LoginScreen, timeout=20)
        reader = pcsc_stack.readers[READER_INDEX]
        assert testcards.inserted() == {reader: "aoc-valid"}
        app.push_screen(TestCardsScreen())
        await driver.wait_for(
            lambda: bool(app.screen.query("#testcards-remove")), what="the test cards screen"
        )
        await driver.click("#testcards-remove")
        await driver.wait_for(lambda: testcards.inserted() == {}, what="the card removed")
        del button
