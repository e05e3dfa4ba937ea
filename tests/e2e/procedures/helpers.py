"""Helpers for driving the procedure flows with Pilot against the real backend."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget

from devstack.backend import BackendInfo
from kiosk.app import KioskApp
from kiosk.backend.client import BackendClient
from tests.fixtures.app import make_settings, screen_text

SIZE = (80, 24)


def kiosk_app(tmp_path: Path, server: BackendInfo, **overrides: dict[str, Any]) -> KioskApp:
    """A kiosk in training mode talking to `server`, with its printed PDFs in `tmp_path/printed`."""
    backend = {"url": server.url, "kiosk_key": server.kiosk_key, "connect_timeout_seconds": 1.0,
               "read_timeout_seconds": 10.0, "retries": 0}  # fmt: skip
    backend.update(overrides.pop("backend", {}))
    kiosk = {"id": server.kiosk_id, **overrides.pop("kiosk", {})}
    settings = make_settings(tmp_path, backend=backend, kiosk=kiosk, **overrides)
    app = KioskApp(settings)
    if getattr(app, "backend", None) is None:
        app.backend = BackendClient(settings)  # type: ignore[attr-defined]
    return app


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], bool], what: str, timeout: float = 15.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen_text(pilot.app)}")


async def wait_text(pilot: Pilot[Any], expected: str, timeout: float = 15.0) -> str:
    await wait_for(pilot, lambda: expected in screen_text(pilot.app), repr(expected), timeout)
    return screen_text(pilot.app)


async def wait_screen(pilot: Pilot[Any], kind: type, timeout: float = 15.0) -> Any:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__, timeout)
    await pilot.pause()
    return pilot.app.screen


async def type_text(pilot: Pilot[Any], selector: str, value: str) -> None:
    """Focus the field and type `value` key by key, as a citizen would."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.pause()
    for char in value:
        await pilot.press("enter" if char == "\n" else char)
    await pilot.pause()


async def paste(pilot: Pilot[Any], selector: str, value: str) -> None:
    """Paste `value` into the field (a long text, or characters no key sends)."""
    widget: Widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.pause()
    widget.post_message(events.Paste(value))
    await pilot.pause()


async def press_button(pilot: Pilot[Any], selector: str) -> None:
    """Press a button by touching it (a click where it is on screen)."""
    button = pilot.app.screen.query_one(selector)
    button.scroll_visible(animate=False)
    await pilot.pause()
    await pilot.click(selector)
    await pilot.pause()


def db_rows(server: BackendInfo, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()
