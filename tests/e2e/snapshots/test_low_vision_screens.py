"""Golden screens of every procedure step and of the card login in the two low-vision modes, at 90x27
(a 180x54 kiosk screen with the terminal's font doubled), and where each screen's primary action is.

One app run per procedure, as in test_procedure_screens (whose walks are reused): each step is shot in
high contrast and in large text at 90x27 (`ModeShots.take`). At the same time the step's primary action
(Next, OK, Print...) is measured: in large text at 90x27 it must be inside the screen without any
scrolling, and at 80x24 it must be reachable (inside the screen once scrolled to) and nothing of the
screen may stand out sideways. Every test checks both: `shots.check()` the golden screens,
`shots.check_fit()` the placements.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from syrupy.assertion import SnapshotAssertion
from textual.content import Content
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from devstack.backend import BackendInfo
from kiosk.app import KioskApp
from kiosk.catalogue.screen import CatalogueScreen
from kiosk.procedures.identify import InsertCardScreen
from kiosk.screens.error import ErrorModal
from kiosk.screens.goodbye import GoodbyeScreen
from kiosk.screens.idle import IdleWarning
from kiosk.screens.staff import StaffMenu, StaffPinModal
from kiosk.session import EndReason
from kiosk.themes import LowVision
from tests.e2e.snapshots import test_procedure_screens as walks
from tests.e2e.snapshots.conftest import (
    FakeCards,
    FakeCardToken,
    Pki,
    Shots,
    certificate,
    settle,
    snapshot_app,
)
from tests.e2e.snapshots.test_login_screens import PIN, insert, pin, remove, said
from tests.fixtures.app import STAFF_PIN
from tests.harness import Driver, drive

#: The large-text kiosk: 180x54 cells with the font doubled.
LARGE = (90, 27)
#: The smallest terminal the kiosk must work in.
SMALL = (80, 24)
#: The primary action of a screen: the first of these shown (a step's Next, the print step's Continue).
PRIMARY = "#step-next, #print-done"
MODES = {"high-contrast": LowVision(high_contrast=True), "large-text": LowVision(large_text=True)}


def _inside(region: Region, outer: Region) -> bool:
    return region.area > 0 and outer.contains_region(region)


def _scrolled_ancestors(widget: Widget) -> list[Widget]:
    return [
        node
        for node in widget.ancestors_with_self
        if isinstance(node, Widget) and node.scroll_offset != (0, 0)
    ]


def _cut_off(button: Button) -> bool:
    """Whether `button`'s label is longer than the lines it has (Textual crops it without a mark)."""
    box = button.content_region
    return box.area > 0 and Content.from_text(button.label).cell_length > box.width * box.height


class ModeShots(Shots):
    """`take` shoots the screen at 90x27 in each low-vision mode and measures its primary action
    (`primary`: a selector; the procedure steps' is Next). The app is left at 80x24 without a mode, as
    the walks of test_procedure_screens expect."""

    def __init__(self, snapshot: SnapshotAssertion) -> None:
        super().__init__(snapshot)
        self.misfits: list[str] = []

    async def take(self, driver: Driver, name: str, primary: str = PRIMARY, *, golden: bool = True) -> None:
        """`golden=False`: measured, not shot (a screen whose text changes by the second)."""
        pilot, app = driver.pilot, driver.app
        await pilot.resize_terminal(*LARGE)
        for mode, modes in MODES.items():
            app.set_low_vision(modes)
            await settle(pilot)
            shot = f"{name}-{mode}-{LARGE[0]}x{LARGE[1]}"
            if golden:
                self.taken.append(shot)
            if golden and not self._snapshot(name=shot) == app.export_screenshot(title="OVAC"):
                self.changed.append(shot)
            if mode == "large-text":
                self._fits_unscrolled(pilot, name, primary)
        await pilot.resize_terminal(*SMALL)
        await settle(pilot)
        await self._reachable(driver, name, primary)
        app.set_low_vision(LowVision())
        await settle(pilot)

    def _primary(self, pilot: Pilot[Any], name: str, primary: str) -> Widget | None:
        found = [widget for widget in pilot.app.screen.query(primary) if widget.display]
        if not found:
            self.misfits.append(f"{name}: no {primary} on the screen")
            return None
        return found[0]

    def _fits_unscrolled(self, pilot: Pilot[Any], name: str, primary: str) -> None:
        widget = self._primary(pilot, name, primary)
        if widget is None:
            return
        screen = pilot.app.screen.region
        scrolled = _scrolled_ancestors(widget)
        if scrolled or not _inside(widget.region, screen):
            self.misfits.append(f"{name}: {primary} at {widget.region} not on the {LARGE} screen unscrolled")
        for container in widget.ancestors:
            if (
                isinstance(container, Widget)
                and container.is_scrollable
                and not _inside(widget.region, container.region)
            ):
                self.misfits.append(f"{name}: {primary} below the fold of {container}")

    async def _reachable(self, driver: Driver, name: str, primary: str) -> None:
        pilot, app = driver.pilot, driver.app
        for mode, modes in MODES.items():
            app.set_low_vision(modes)
            await settle(pilot)
            screen = app.screen.region
            wide = [
                f"{widget}" for widget in app.screen.query("*")
                if widget.display and widget.region.area and widget.region.right > screen.right
                and not any(isinstance(a, Widget) and a.scroll_offset.x for a in widget.ancestors)
            ]  # fmt: skip
            if wide:
                self.misfits.append(f"{name} ({mode}): wider than {SMALL}: {wide[:3]}")
            cut = [f"{button}" for button in app.screen.query(Button) if button.display and _cut_off(button)]
            if cut:
                self.misfits.append(f"{name} ({mode}): labels cut off at {SMALL}: {cut[:3]}")
            widget = self._primary(pilot, name, primary)
            if widget is None:
                return
            widget.scroll_visible(animate=False, immediate=True)
            await settle(pilot)
            if not _inside(widget.region, screen):
                self.misfits.append(f"{name} ({mode}): {primary} at {widget.region} not reachable at {SMALL}")
            for container in widget.ancestors:
                if isinstance(container, Widget) and container.is_scrollable:
                    container.scroll_home(animate=False, immediate=True)

    def check_fit(self) -> None:
        assert not self.misfits, "primary actions out of reach:\n" + "\n".join(self.misfits)


def mode_shots(snapshot: SnapshotAssertion) -> ModeShots:
    return ModeShots(snapshot)


@asynccontextmanager
async def low_vision(
    tmp_path: Path, server: BackendInfo, snapshot: SnapshotAssertion
) -> AsyncIterator[tuple[KioskApp, Driver, ModeShots]]:
    """The snapshot kiosk driven at 80x24 with its `ModeShots`; once the app has stopped, the placements
    and the golden screens are checked (`check_fit`, then `check`)."""
    shots = ModeShots(snapshot)
    app = snapshot_app(tmp_path, server)
    async with drive(app, size=SMALL) as driver:
        yield app, driver, shots
    shots.check_fit()
    shots.check()


async def test_padro_low_vision(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, snapshot: SnapshotAssertion
) -> None:
    """The volant: identification by card, its four steps, the print step and the result after it."""
    async with low_vision(tmp_path, server, snapshot) as (app, driver, shots):
        await walks.start(app, driver, "volant_individual")
        await driver.wait_screen(InsertCardScreen)
        await shots.take(driver, "insert-card", "#insert-card-cancel")
        await walks.certificate_login(app, snapshot_pki)
        from kiosk.procedures import resume_pending

        assert resume_pending(app)
        await walks.padro(driver, shots, shoot_registration=True)
        await walks.print_it(driver, shots, "4-result")


async def test_instancia_low_vision(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, snapshot: SnapshotAssertion
) -> None:
    async with low_vision(tmp_path, server, snapshot) as (app, driver, shots):
        await walks.certificate_login(app, snapshot_pki)
        await walks.start(app, driver, "instancia_generica")
        await walks.instancia(driver, shots, "3-attachments")


async def test_bustia_low_vision(tmp_path: Path, server: BackendInfo, snapshot: SnapshotAssertion) -> None:
    async with low_vision(tmp_path, server, snapshot) as (app, driver, shots):
        await walks.start(app, driver, "bustia")
        await walks.bustia(driver, shots)


async def test_deixalleria_low_vision(
    tmp_path: Path, server: BackendInfo, snapshot: SnapshotAssertion
) -> None:
    """The card request: the weak identification, the summary, the request, its review and result."""
    async with low_vision(tmp_path, server, snapshot) as (app, driver, shots):
        await walks.start(app, driver, "deixalleria_targeta")
        await walks.targeta(driver, shots, "Encara no teniu targeta")


async def test_login_low_vision(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, snapshot: SnapshotAssertion
) -> None:
    """The card login: the PIN pad (its OK and Delete keys are its last row), a wrong PIN, the greeting."""
    der, key = certificate(snapshot_pki.trusted)
    async with low_vision(tmp_path, server, snapshot) as (app, driver, shots):
        ready = threading.Event()
        ready.set()
        await insert(driver, FakeCards(FakeCardToken(der, key, {PIN: "ok"}), ready))
        await driver.wait_for(lambda: app.screen.query_one("PinPad").display, what="the PIN pad")
        await shots.take(driver, "pin-pad", "#pin-keys")
        await pin(driver, "11111111")
        await said(driver, "Us queden 2 intents")
        await shots.take(driver, "wrong-pin", "#pin-keys")
        await pin(driver, PIN)
        await said(driver, "Hola,", "#login-title")
        await remove(driver)


async def test_shell_low_vision(tmp_path: Path, server: BackendInfo, snapshot: SnapshotAssertion) -> None:
    """The screens around the procedures: attract, catalogue, the idle warning, an error, goodbye, staff."""
    async with low_vision(tmp_path, server, snapshot) as (app, driver, shots):
        await driver.wait_for("Ajuntament de Mataró")
        await driver.press("ctrl+f12")
        await driver.wait_screen(StaffPinModal)
        await shots.take(driver, "staff-pin", "#staff-pin")
        await driver.press(*STAFF_PIN, "enter")
        await driver.wait_screen(StaffMenu)
        await shots.take(driver, "staff-menu", "#staff-back")
        await driver.click("#staff-back")
        await driver.wait_for(lambda: not isinstance(app.screen, StaffMenu), what="the menu closed")
        await shots.take(driver, "attract", "#start")
        app.start_visit()
        catalogue = await driver.wait_screen(CatalogueScreen)
        await driver.wait_widget("#proc-volant_individual")
        await shots.take(driver, "catalogue", "#catalogue-search")
        await driver.click("#proc-volant_individual")
        await driver.wait_widget("#catalogue-start")
        await shots.take(driver, "catalogue-chosen", "#catalogue-start")
        app.push_screen(IdleWarning(30))
        await driver.wait_screen(IdleWarning)
        await shots.take(driver, "idle-warning", "#more-time", golden=False)  # its countdown runs
        app.pop_screen()
        app.show_error("No s'ha pogut connectar amb l'Ajuntament. Torneu-ho a provar d'aquí a una estona.")
        await driver.wait_screen(ErrorModal)
        await shots.take(driver, "error", "#error-ok")
        app.pop_screen()
        assert app.screen is catalogue
        app.end_session(EndReason.FINISHED)
        await driver.wait_screen(GoodbyeScreen)
        await shots.take(driver, "goodbye", "#goodbye-title")
