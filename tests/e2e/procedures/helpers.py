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
from devstack.cups import CupsInfo
from devstack.pcsc import PcscInfo
from kiosk.app import KioskApp
from kiosk.backend.client import BackendClient
from tests.fixtures.app import make_settings, screen_text

SIZE = (80, 24)
#: A reader name no reader has.
NO_READER = "no-reader-for-this-test"


def kiosk_app(
    tmp_path: Path, server: BackendInfo, cups: CupsInfo | None = None, **overrides: dict[str, Any]
) -> KioskApp:
    """A kiosk in training mode talking to `server`, printing on `cups`'s `file:` queue (or, without
    `cups`, into the folder `tmp_path/printed`)."""
    # The PC/SC readers are machine-wide: a test that uses no card watches no reader, so a card another
    # test inserts never starts a login here.
    overrides.setdefault("eid", {"readers": [NO_READER]})
    if cups is not None:
        overrides.setdefault(
            "printer",
            {"kind": "cups", "name": cups.file_queue, "cups_server": cups.server, "timeout_seconds": 30},
        )
    backend = {"url": server.url, "kiosk_key": server.kiosk_key, "connect_timeout_seconds": 1.0,
               "read_timeout_seconds": 10.0, "retries": 0}  # fmt: skip
    backend.update(overrides.pop("backend", {}))
    kiosk = {"id": server.kiosk_id, **overrides.pop("kiosk", {})}
    settings = make_settings(tmp_path, backend=backend, kiosk=kiosk, **overrides)
    app = KioskApp(settings)
    if getattr(app, "backend", None) is None:
        app.backend = BackendClient(settings)
    return app


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], bool], what: str, timeout: float = 15.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    stack = [type(s).__name__ for s in pilot.app.screen_stack]
    shown = "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())
    raise AssertionError(f"timed out waiting for {what}; screens {stack}; the screen shows:\n{shown}")


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
    await wait_for(pilot, lambda: _value(widget).endswith(value), f"the typing into {selector}")
    await pilot.pause()


async def paste(pilot: Pilot[Any], selector: str, value: str) -> None:
    """Paste `value` into the field (a long text, or characters no key sends)."""
    widget: Widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.pause()
    widget.post_message(events.Paste(value))
    await wait_for(pilot, lambda: value.replace("\r", "") in _value(widget), f"the paste into {selector}")
    await pilot.pause()


def _value(widget: Widget) -> str:
    text = getattr(widget, "value", None)
    if text is None:
        text = getattr(widget, "text", "")
    return str(text)


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


async def print_and_continue(pilot: Pilot[Any], cups: CupsInfo | None = None) -> str:
    """Press Print on a result screen, wait for the paper, continue; the printed text (file: queue)."""
    from kiosk.printstep import PrintScreen
    from tests.unit.printing import pdftools

    if cups is not None:
        # Emptied, never deleted: cupsd does not create a file: queue's output again (devstack.cups).
        cups.reset_file_queue()
    result = pilot.app.screen
    await press_button(pilot, "#step-next")
    await wait_screen(pilot, PrintScreen, timeout=20)

    def ended() -> bool:
        done = pilot.app.screen.query("#print-done")
        return bool(done) and bool(done.first().display)

    await wait_for(pilot, ended, "the print to end", timeout=40)
    await press_button(pilot, "#print-done")
    await wait_for(pilot, lambda: pilot.app.screen is result, "the result screen again")
    if cups is None:
        return ""
    await wait_for(
        pilot, lambda: cups.file_output.exists() and cups.file_output.stat().st_size > 0, "the PDF"
    )
    return " ".join(pdftools.text(cups.file_output).split())


def text_of(app: Any, selector: str) -> str:
    """The text a Static shows (also when it is scrolled out of view)."""
    from textual.widgets import Static

    return str(app.screen.query_one(selector, Static).content)


PIN = "Prova2026"
#: The procedure tests use the second virtual reader (others' tests mostly use the first; pcscd is shared).
READER_INDEX = 1


async def card_login(pilot: Pilot[Any], pcsc: PcscInfo, card: str = "dnie3-valid", pin: str = PIN) -> None:
    """Insert a test card, type its PIN on the login screen, and wait until the login screen is gone."""
    from kiosk.login import LoginScreen

    pcsc.control.insert(card, reader=READER_INDEX)
    await wait_screen(pilot, LoginScreen, timeout=20)
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("PinPad")), "the PIN pad", timeout=20)
    await pilot.press(*pin)
    await pilot.press("enter")
    await wait_for(
        pilot, lambda: not isinstance(pilot.app.screen, LoginScreen), "the login to end", timeout=30
    )


def card_app(
    tmp_path: Path,
    server: BackendInfo,
    pcsc: PcscInfo,
    cups: CupsInfo | None = None,
    mount_roots: list[Path] | None = None,
) -> KioskApp:
    """A kiosk that watches one virtual reader and reads the test cards."""
    reader = pcsc.readers[READER_INDEX]
    if mount_roots is not None:
        return kiosk_app(
            tmp_path,
            server,
            cups,
            eid={"pkcs11_module": str(pcsc.pkcs11_module), "readers": [reader]},
            attachments={"mount_roots": [str(p) for p in mount_roots]},
        )
    return kiosk_app(
        tmp_path, server, cups, eid={"pkcs11_module": str(pcsc.pkcs11_module), "readers": [reader]}
    )
