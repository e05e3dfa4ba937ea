"""A text pasted into the catalogue's search is drawn plain: an ESC sequence (clear the screen, OSC 52 to
write the clipboard) or a NUL shows as a placeholder and never reaches the terminal as it is."""

from __future__ import annotations

from pathlib import Path

from devstack.backend import BackendInfo
from kiosk.catalogue.screen import CatalogueScreen
from tests.e2e.fuzz.running import drawn, hidden_characters
from tests.e2e.procedures.helpers import SIZE, kiosk_app, new_visit
from tests.harness import drive

HOSTILE = "volant\x1b[2J\x1b]52;c;aG9sYQ==\x07\x00[@click=app.quit]"


async def test_a_pasted_escape_in_the_search_is_plain(tmp_path: Path, backend_server: BackendInfo) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await new_visit(driver)
        screen = await driver.wait_screen(CatalogueScreen)
        await driver.paste(HOSTILE, into="#catalogue-search")
        text, acted = drawn(screen.query_one("#catalogue-search"))
        assert not acted
        assert not hidden_characters(text), hidden_characters(text)
        assert "volant" in text and "[@click=app.quit]" in text
        assert app.is_running and app.screen is screen
