"""The catalogue screen against the real reference backend: grouped, searchable, honest about what can
be done here, and plain about a backend that cannot be reached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.widgets import Button, Input, Static

from devstack.backend import BackendInfo
from kiosk.catalogue import CatalogueScreen
from kiosk.config import Settings
from kiosk.i18n import set_language
from tests.fixtures.app import make_settings
from tests.fixtures.proxy import LossyProxy
from tests.harness import Driver, drive, make_app

pytestmark = pytest.mark.timeout(120)


async def open_catalogue(driver: Driver) -> CatalogueScreen:
    """The citizen touches "start": the catalogue is the visit's first screen."""
    driver.app.start_visit()
    return await driver.wait_screen(CatalogueScreen)


def server_settings(tmp_path: Path, server: BackendInfo, url: str | None = None) -> Settings:
    """Settings for `server`'s kiosk, reaching it at `url` (a proxy) or at its own address."""
    return settings_for(tmp_path, url or server.url, server.kiosk_id, server.kiosk_key)


def settings_for(tmp_path: Path, url: str, kiosk_id: str, key: str) -> Settings:
    return make_settings(
        tmp_path,
        kiosk={"id": kiosk_id},
        backend={"url": url, "kiosk_key": key, "retries": 0, "connect_timeout_seconds": 1},
    )


def texts(screen: Any, selector: str) -> list[str]:
    return [str(w.render()) for w in screen.query(selector)]


async def test_catalogue_lists_searches_and_chooses(backend_server: BackendInfo, tmp_path: Path) -> None:
    messages: list[Message] = []
    app = make_app(
        settings_for(tmp_path, backend_server.url, backend_server.kiosk_id, backend_server.kiosk_key),
        watch_cards=False,
    )
    async with drive(app, size=(140, 50), message_hook=messages.append) as driver:
        screen = await open_catalogue(driver)
        await driver.wait_for(lambda: len(screen.query(".procedure")) >= 25)
        headings = texts(screen, ".topic-heading")
        assert "Padró i població" in headings and len(headings) == len(set(headings))
        screen.query_one("#catalogue-search", Input).value = "padro"
        await driver.wait_for(lambda: 0 < len(screen.query(".procedure")) < 10)
        titles = [str(b.label) for b in screen.query(".procedure").results(Button)]
        assert any("Volant d'empadronament individual" in t for t in titles)

        screen.query_one("#catalogue-search", Input).value = "alta padró"
        await driver.wait_for(lambda: [b.id for b in screen.query(".procedure")] == ["proc-alta_padro"])
        await driver.click("#proc-alta_padro")
        await driver.wait_for(lambda: bool(screen.query(".badge-elsewhere")))
        detail = " ".join(texts(screen, "#catalogue-detail Static, #catalogue-detail Label"))
        assert "No es pot fer en aquest punt" in detail or "cannot be completed" in detail
        assert "la Riera, 48" in detail and "Contracte de lloguer" in detail
        assert not screen.query("#catalogue-start")

        screen.query_one("#catalogue-search", Input).value = "volant individual"
        await driver.wait_for(
            lambda: [b.id for b in screen.query(".procedure")] == ["proc-volant_individual"]
        )
        await driver.click("#proc-volant_individual")
        await driver.wait_for(lambda: bool(screen.query("#catalogue-start")))
        await driver.click("#catalogue-start")
        await driver.pause(0.1)
    # The hook sees a bubbling message at every node it passes: count each message once.
    chosen = list({id(m): m for m in messages if isinstance(m, CatalogueScreen.ProcedureChosen)}.values())
    assert [m.procedure_code for m in chosen] == ["volant_individual"]


async def test_catalogue_in_spanish(backend_server: BackendInfo, tmp_path: Path) -> None:
    app = make_app(
        settings_for(tmp_path, backend_server.url, backend_server.kiosk_id, backend_server.kiosk_key),
        watch_cards=False,
    )
    set_language("es")  # after the app's constructor, which sets the default language
    async with drive(app, size=(140, 50)) as driver:
        screen = await open_catalogue(driver)
        await driver.wait_for(lambda: len(screen.query(".procedure")) >= 25)
        assert "Padrón y población" in texts(screen, ".topic-heading")


async def test_backend_down_says_so_and_retries(backend_server: BackendInfo, tmp_path: Path) -> None:
    # The backend behind a proxy that is down: unreachable, then back (the same client all along).
    proxy = LossyProxy(backend_server.url)
    proxy.set_down(True)
    try:
        app = make_app(
            settings_for(tmp_path, proxy.url, backend_server.kiosk_id, backend_server.kiosk_key),
            watch_cards=False,
        )
        async with drive(app, size=(140, 50)) as driver:
            screen = await open_catalogue(driver)
            await driver.wait_for(lambda: bool(screen.query("#catalogue-retry")))
            message = str(screen.query_one("#catalogue-message", Static).render())
            assert message and "Try again" not in message
            # The backend comes back: "Try again" shows the catalogue.
            proxy.set_down(False)
            await driver.click("#catalogue-retry")
            await driver.wait_for(lambda: len(screen.query(".procedure")) >= 25)
            assert not screen.query("#catalogue-retry")
    finally:
        proxy.close()
