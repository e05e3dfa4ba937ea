"""Typed quickly, every key of a burst counts: a Tab right after text moves to the next field before the
next characters arrive (a terminal delivers a fast typist's keys, or a paste of keys, in one read)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from textual.widgets import Input

from devstack.backend import BackendInfo
from kiosk.procedures.identify_weak import WeakIdentifyStep
from tests.e2e.procedures.helpers import begin, offline_app
from tests.fixtures.app import make_settings
from tests.fixtures.tmux import TmuxKiosk
from tests.harness import drive


async def test_a_tab_typed_right_after_text_is_not_lost(tmp_path: Path) -> None:
    app = offline_app(tmp_path, "no reader: typing test")
    async with drive(app, size=(100, 32)) as driver:
        screen = await begin(driver, "deixalleria_consulta", WeakIdentifyStep)
        # All at once, as they come from the terminal: no pause in between.
        await driver.burst("12345678Z\t31/01/1970\t08301", focused="#f-weak_id_number")
        values = {field.id: field.value for field in screen.query(Input)}
        assert values == {
            "f-weak_id_number": "12345678Z",
            "f-weak_birth_date": "31/01/1970",
            "f-weak_postal_code": "08301",
        }


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by `make test`")
def test_fast_typing_in_tmux_fills_each_field(backend_server: BackendInfo, tmp_path: Path) -> None:
    """As a person types, in a real terminal: the catalogue by keyboard, then the three values with their
    Tabs sent in one go."""
    settings = make_settings(
        tmp_path,
        kiosk={"id": backend_server.kiosk_id},
        backend={"url": backend_server.url, "kiosk_key": backend_server.kiosk_key},
        eid={"readers": ["no reader: typing test"]},
    )
    assert settings.source is not None
    kiosk = TmuxKiosk(settings.source, size=(100, 32))
    try:
        kiosk.wait_for("Introduïu la targeta o toqueu la pantalla per començar")
        kiosk.send("Enter")
        kiosk.wait_for("Volant d'empadronament col·lectiu")  # the catalogue has loaded
        time.sleep(0.5)
        kiosk.type("deixalleria")
        time.sleep(1.0)
        for key in ("Tab", "Down", "Enter"):  # the second item: the visits
            kiosk.send(key)
            time.sleep(0.4)
        kiosk.wait_for("Comença")
        kiosk.send("Tab")
        time.sleep(0.3)
        kiosk.send("Enter")
        kiosk.wait_for("DNI o NIE")
        time.sleep(1.0)
        kiosk.type("12345678Z\t31/01/1970\t08301")
        time.sleep(1.5)
        fields = [line.strip(" ▊▎") for line in kiosk.screen().splitlines() if line.startswith(" ▊  ")]
        assert fields == ["12345678Z", "31/01/1970", "08301"], kiosk.screen()
    finally:
        kiosk.close()
