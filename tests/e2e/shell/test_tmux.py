"""A person's check: the real `kiosk` command in tmux shows the attract screen in Catalan and survives C-q."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.fixtures.app import make_settings
from tests.fixtures.tmux import TmuxKiosk

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by `make test`")


def test_attract_screen_in_tmux_survives_ctrl_q(tmp_path: Path) -> None:
    # The shell alone: the card readers are watched for a reader name that does not exist, so a card
    # left in the machine's virtual reader cannot start a login here.
    settings = make_settings(tmp_path, eid={"readers": ["OVAC shell test: no reader"]})
    assert settings.source is not None
    kiosk = TmuxKiosk(settings.source)
    try:
        screen = kiosk.wait_for("Introduïu la targeta o toqueu la pantalla per començar")
        assert "Ajuntament de Mataró" in screen and "MODE FORMACIÓ" in screen
        for key in ("C-q", "C-c", "C-p", "C-z"):
            kiosk.send(key)
            time.sleep(0.5)
            assert kiosk.alive(), f"the kiosk ended after {key}"
        assert "Introduïu la targeta" in kiosk.screen()
        # Touch to start: Enter on the focused "Començar" button starts a visit.
        kiosk.send("Enter")
        kiosk.wait_for("Acabar i sortir")
    finally:
        kiosk.close()
