"""Snapshots of the attract screen and the idle warning at 80x24 and 120x40.

Regenerate deliberately with `.venv/bin/pytest tests/e2e/shell/test_snapshots.py --snapshot-update`
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual.pilot import Pilot

import widgets.countdown
from kiosk.screens.idle import IdleWarning
from tests.fixtures.app import make_settings
from tests.harness import Driver, make_app

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_attract_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(make_settings(tmp_path), watch_cards=False), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_idle_warning(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The countdown's clock stands still, so the picture shows 30 seconds however slow the machine is
    # (a loaded CI machine took it at 29).
    monkeypatch.setattr(widgets.countdown, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    app = make_app(
        make_settings(tmp_path, ui={"idle_warning_seconds": 600, "idle_wipe_seconds": 30}), watch_cards=False
    )

    async def show_warning(pilot: Pilot[None]) -> None:  # snap_compare hands a Pilot
        app.begin_session()
        app.push_screen(IdleWarning(30))
        await Driver(pilot).pause()

    assert snap_compare(app, terminal_size=size, run_before=show_warning)
