"""The catalogue by keyboard only, on the real reference backend: a short, logical focus order (the search,
the list as one Tab stop whose items the arrow keys move through, the chosen procedure's Start, Finish),
and the way back to the search after leaving a procedure with Escape."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from devstack.backend import BackendInfo
from kiosk.catalogue import CatalogueScreen
from kiosk.procedures.identify_weak import WeakIdentifyStep
from tests.e2e.procedures.helpers import kiosk_app
from tests.harness import Driver, drive

pytestmark = pytest.mark.timeout(120)


def focused(driver: Driver) -> str:
    widget = driver.app.screen.focused
    return f"#{widget.id}" if widget is not None and widget.id else repr(widget)


async def open_catalogue(driver: Driver) -> CatalogueScreen:
    driver.app.start_visit()
    screen = await driver.wait_screen(CatalogueScreen)
    await driver.wait_for(lambda: len(screen.query(".procedure")) >= 25, what="the whole list")
    return screen


async def tab_stops(driver: Driver, key: str = "tab", most: int = 40) -> list[str]:
    """The widgets the focus visits, pressing `key` until it comes back to where it started."""
    start = focused(driver)
    stops: list[str] = []
    for _ in range(most):
        await driver.press(key)
        stops.append(focused(driver))
        if stops[-1] == start:
            break
    return stops


async def test_tab_order_is_search_list_start_finish(backend_server: BackendInfo, tmp_path: Path) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=(100, 32)) as driver:
        await open_catalogue(driver)
        assert focused(driver) == "#catalogue-search"
        # The first Tab lands on an item of the list (the first), not on the list's container.
        await driver.press("tab")
        assert focused(driver) == "#proc-volant_individual"
        # The arrow keys move within the list.
        await driver.press("down", "down")
        assert focused(driver) == "#proc-certificat_convivencia"
        await driver.press("up")
        assert focused(driver) == "#proc-volant_collectiu"
        await driver.press("enter")  # its details, with Start
        await driver.wait_widget("#catalogue-start")
        # From the chosen item, Start is the next Tab stop, then Finish, then back to the search.
        assert await tab_stops(driver) == [
            "#catalogue-start",
            "#finish",
            "#catalogue-search",
            "#proc-volant_collectiu",
        ]
        assert await tab_stops(driver, "shift+tab") == [
            "#catalogue-search",
            "#finish",
            "#catalogue-start",
            "#proc-volant_collectiu",
        ]


async def test_search_is_kept_and_reachable_after_escape_from_a_flow(
    backend_server: BackendInfo, tmp_path: Path
) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=(100, 32)) as driver:
        screen = await open_catalogue(driver)
        await driver.type("deixalleria", into="#catalogue-search")
        await driver.wait_for(lambda: len(screen.query(".procedure")) == 2, what="the search's two items")
        await driver.press("tab", "down")
        assert focused(driver) == "#proc-deixalleria_consulta"
        await driver.press("enter")
        await driver.wait_widget("#catalogue-start")
        await driver.press("tab")
        assert focused(driver) == "#catalogue-start"
        await driver.press("enter")
        await driver.wait_screen(WeakIdentifyStep)
        await driver.press("escape")  # out of the procedure from its first step
        await driver.wait_for(lambda: driver.app.screen is screen, what="the catalogue again")
        await driver.pause(0.2)
        assert screen.query_one("#catalogue-search", Input).value == "deixalleria"
        assert len(screen.query(".procedure")) == 2
        # The focus is back where the citizen left (Start), and the search is two Shift+Tabs away.
        assert focused(driver) == "#catalogue-start"
        await driver.press("shift+tab")
        assert focused(driver) == "#proc-deixalleria_consulta"
        await driver.press("shift+tab")
        assert focused(driver) == "#catalogue-search"
