"""The idle times (WCAG 2.2.1): the shipped settings warn 20 s or more before the wipe, and a low-vision
mode (or speech) gives twice as long."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import UiSection
from kiosk.timing import MIN_WARNING_SECONDS, SLOWER_FACTOR, idle_times

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = [ROOT / "config.toml", ROOT / "deploy/files/etc/ovac-kiosk/config.toml"]


def test_the_defaults_warn_20_seconds_before_the_wipe() -> None:
    ui = UiSection()
    assert ui.idle_wipe_seconds >= MIN_WARNING_SECONDS
    times = idle_times(ui.idle_warning_seconds, ui.idle_wipe_seconds)
    assert (times.before_warning, times.warning) == (90, 30)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_config_warns_20_seconds_before_the_wipe(path: Path) -> None:
    ui = tomllib.loads(path.read_text(encoding="utf-8")).get("ui", {})
    assert ui.get("idle_wipe_seconds", UiSection().idle_wipe_seconds) >= MIN_WARNING_SECONDS


def test_a_slower_session_gets_twice_as_long() -> None:
    assert SLOWER_FACTOR >= 2
    times = idle_times(90, 30, slower=True)
    assert (times.before_warning, times.warning) == (180, 60)
