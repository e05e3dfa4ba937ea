"""`kiosk` freezes what start-up left alive before the app runs, and only then (no citizen yet)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from kiosk import app as kiosk_app
from kiosk import cli, logsetup
from tests.fixtures.app import make_settings


def test_freeze_startup_heap_moves_what_is_alive_out_of_collections() -> None:
    try:
        kiosk_app.freeze_startup_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_kiosk_command_freezes_before_the_app_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    steps: list[str] = []
    monkeypatch.setattr(logsetup, "setup", lambda *a, **k: None)  # the test session keeps its logging
    monkeypatch.setattr(kiosk_app, "freeze_startup_heap", lambda: steps.append("freeze"))
    monkeypatch.setattr(kiosk_app.KioskApp, "run", lambda self, *a, **k: steps.append("run"))
    assert cli.main(["--config", str(settings.source)]) == 0
    assert steps == ["freeze", "run"]
