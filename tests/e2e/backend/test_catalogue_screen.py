"""The catalogue screen against the real reference backend: grouped, searchable, honest about what can
be done here, and plain about a backend that cannot be reached."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from devstack.backend import BackendInfo
from kiosk.backend.client import BackendClient
from kiosk.catalogue import CatalogueScreen
from kiosk.config import Settings
from kiosk.i18n import set_language
from tests.fixtures.app import make_settings

pytestmark = pytest.mark.timeout(120)


class HostApp(App[None]):
    """Just enough of the kiosk app for the screen: settings and the backend client."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.backend = BackendClient(settings)

    def on_mount(self) -> None:
        self.push_screen(CatalogueScreen())


def settings_for(tmp_path: Path, url: str, kiosk_id: str, key: str) -> Settings:
    return make_settings(
        tmp_path,
        kiosk={"id": kiosk_id},
        backend={"url": url, "kiosk_key": key, "retries": 0, "connect_timeout_seconds": 1},
    )


def texts(screen: Any, selector: str) -> list[str]:
    return [str(w.render()) for w in screen.query(selector)]


async def wait_for(pilot: Any, condition: Any, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


async def test_catalogue_lists_searches_and_chooses(backend_server: BackendInfo, tmp_path: Path) -> None:
    messages: list[Message] = []
    app = HostApp(
        settings_for(tmp_path, backend_server.url, backend_server.kiosk_id, backend_server.kiosk_key)
    )
    async with app.run_test(size=(140, 50), message_hook=messages.append) as pilot:
        screen = app.screen
        assert isinstance(screen, CatalogueScreen)
        await wait_for(pilot, lambda: len(screen.query(".procedure")) >= 25)
        headings = texts(screen, ".topic-heading")
        assert "Padró i població" in headings and len(headings) == len(set(headings))
        screen.query_one("#catalogue-search", Input).value = "padro"
        await wait_for(pilot, lambda: 0 < len(screen.query(".procedure")) < 10)
        titles = [str(b.label) for b in screen.query(".procedure").results(Button)]
        assert any("Volant d'empadronament individual" in t for t in titles)

        screen.query_one("#catalogue-search", Input).value = "alta padró"
        await wait_for(pilot, lambda: [b.id for b in screen.query(".procedure")] == ["proc-alta_padro"])
        await pilot.click("#proc-alta_padro")
        await wait_for(pilot, lambda: bool(screen.query(".badge-elsewhere")))
        detail = " ".join(texts(screen, "#catalogue-detail Static, #catalogue-detail Label"))
        assert "No es pot fer en aquest punt" in detail or "cannot be completed" in detail
        assert "la Riera, 48" in detail and "Contracte de lloguer" in detail
        assert not screen.query("#catalogue-start")

        screen.query_one("#catalogue-search", Input).value = "volant individual"
        await wait_for(
            pilot, lambda: [b.id for b in screen.query(".procedure")] == ["proc-volant_individual"]
        )
        await pilot.click("#proc-volant_individual")
        await wait_for(pilot, lambda: bool(screen.query("#catalogue-start")))
        await pilot.click("#catalogue-start")
        await pilot.pause(0.1)
    # The hook sees a bubbling message at every node it passes: count each message once.
    chosen = list({id(m): m for m in messages if isinstance(m, CatalogueScreen.ProcedureChosen)}.values())
    assert [m.procedure_code for m in chosen] == ["volant_individual"]


async def test_catalogue_in_spanish(backend_server: BackendInfo, tmp_path: Path) -> None:
    set_language("es")
    app = HostApp(
        settings_for(tmp_path, backend_server.url, backend_server.kiosk_id, backend_server.kiosk_key)
    )
    async with app.run_test(size=(140, 50)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query(".procedure")) >= 25)
        assert "Padrón y población" in texts(screen, ".topic-heading")


async def test_backend_down_says_so_and_retries(backend_server: BackendInfo, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = HostApp(settings_for(tmp_path, f"http://127.0.0.1:{port}", "k", "x"))
    async with app.run_test(size=(140, 50)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query("#catalogue-retry")))
        message = str(screen.query_one("#catalogue-message", Static).render())
        assert message and "Try again" not in message
        # The backend comes back: "Try again" shows the catalogue.
        app.backend = BackendClient(
            settings_for(tmp_path, backend_server.url, backend_server.kiosk_id, backend_server.kiosk_key)
        )
        await pilot.click("#catalogue-retry")
        await wait_for(pilot, lambda: len(screen.query(".procedure")) >= 25)
        assert not screen.query("#catalogue-retry")
        assert isinstance(screen.query_one("#catalogue-title", Label), Label)
