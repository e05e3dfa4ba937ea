"""Low vision and timing through the real app: the attract screen's two buttons, kept for one session,
and "more time" asked for more than ten times (WCAG 2.2.1)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button

from kiosk.screens.idle import IdleWarning
from kiosk.session import EndReason
from kiosk.themes import DEFAULT_THEME, HIGH_CONTRAST_CLASS, HIGH_CONTRAST_NAME, LARGE_TEXT_CLASS
from kiosk.timing import MIN_EXTENSIONS
from tests.fixtures.app import make_settings
from tests.harness import drive, make_app


async def test_low_vision_is_one_touch_away_and_lasts_one_session(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(90, 27)) as driver:
        await driver.wait_for("Introduïu la targeta")
        assert app.theme == DEFAULT_THEME and not app.low_vision.any
        await driver.click("#high-contrast")
        await driver.click("#large-text")
        await driver.pause(0.1)
        assert app.theme == HIGH_CONTRAST_NAME
        assert app.has_class(HIGH_CONTRAST_CLASS) and app.has_class(LARGE_TEXT_CLASS)
        contrast = app.screen.query_one("#high-contrast", Button)
        assert contrast.has_class("-on") and "activat" in str(contrast.label)
        normal = app.settings.ui
        times = app.idle_times()
        assert times.before_warning == 2 * normal.idle_warning_seconds
        assert times.warning == 2 * normal.idle_wipe_seconds

        app.start_visit()
        await driver.wait_for("Acabar i sortir")
        assert app.theme == HIGH_CONTRAST_NAME  # kept through the visit
        app.end_session(EndReason.FINISHED)
        await driver.pause(0.2)
        assert app.theme == DEFAULT_THEME
        assert not app.has_class(HIGH_CONTRAST_CLASS) and not app.has_class(LARGE_TEXT_CLASS)
        assert not app.low_vision.any
        assert app.idle_times().warning == normal.idle_wipe_seconds


async def test_more_time_can_be_asked_for_more_than_ten_times(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ui={"idle_warning_seconds": 0.3, "idle_wipe_seconds": 20.0})
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(90, 27)) as driver:
        await driver.wait_for("Introduïu la targeta")
        app.start_visit()
        session = app.session
        assert session is not None
        for n in range(MIN_EXTENSIONS + 2):
            await driver.wait_for(lambda: isinstance(app.screen, IdleWarning), timeout=10)
            await driver.press("enter")  # one action
            await driver.wait_for(lambda: not isinstance(app.screen, IdleWarning))
            assert app.idle_extensions == n + 1
        assert app.session is session and session.ended is None
        app.end_session(EndReason.FINISHED)
        assert app.idle_extensions == 0
