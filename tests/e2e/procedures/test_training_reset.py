"""Training mode: the staff menu's "Reset training data" asks first, then resets the kiosk's training
backend and says so in Catalan; against a production backend it says that nothing was erased.

The backends here are the tests' own: a reset on the shared ones would erase other tests' data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devstack import backend
from devstack.backend import BackendInfo
from kiosk.procedures.training import ResetTrainingScreen
from kiosk.screens.staff import StaffMenu
from tests.e2e.procedures.helpers import (
    SIZE,
    db_rows,
    kiosk_app,
)
from tests.fixtures.app import STAFF_PIN
from tests.harness import Driver, drive

pytestmark = pytest.mark.timeout(120)


def _running(tmp_path_factory: pytest.TempPathFactory, training: bool) -> Iterator[BackendInfo]:
    # No citizen logs in here: the server trusts no CA at all.
    with backend.running(trust_anchors=tmp_path_factory.mktemp("no-anchors"), training=training) as info:
        yield info


@pytest.fixture(scope="module")
def training_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendInfo]:
    yield from _running(tmp_path_factory, training=True)


@pytest.fixture(scope="module")
def production_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendInfo]:
    yield from _running(tmp_path_factory, training=False)


def send_bustia(server: BackendInfo) -> str:
    r = requests.post(
        server.url + "/v1/bustia",
        headers=server.headers(),
        json={"kind": "suggeriment", "topic": "Taller", "text": "Un missatge del taller de formació."},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    reference: str = r.json()["reference"]
    return reference


def bustia_messages(server: BackendInfo) -> int:
    return int(db_rows(server, "SELECT count(*) FROM bustia_messages")[0][0])


async def open_reset(driver: Driver) -> ResetTrainingScreen:
    """Staff access with the PIN, then the staff menu's reset button."""
    await driver.press("ctrl+f12")
    await driver.pause()
    await driver.press(*STAFF_PIN, "enter")
    await driver.wait_screen(StaffMenu, timeout=20)
    await driver.click("#staff-training-reset")
    screen: ResetTrainingScreen = await driver.wait_screen(ResetTrainingScreen)
    return screen


def status(driver: Driver) -> str:
    return driver.text_of("#training-reset-status")


async def test_staff_resets_the_training_data(tmp_path: Path, training_backend: BackendInfo) -> None:
    send_bustia(training_backend)
    before = db_rows(training_backend, "SELECT count(*) FROM people")[0][0]
    app = kiosk_app(tmp_path, training_backend)
    async with drive(app, size=SIZE) as driver:
        await open_reset(driver)
        warning = driver.text_of("#training-reset-warning")
        assert warning.startswith("Això esborra tot el que s'ha fet en aquesta sessió de formació")
        # Cancel first: nothing is erased.
        await driver.click("#training-reset-close")
        await driver.wait_screen(StaffMenu)
        assert bustia_messages(training_backend) == 1
        await driver.click("#staff-training-reset")
        await driver.wait_screen(ResetTrainingScreen)
        await driver.click("#training-reset-confirm")
        await driver.wait_for(
            lambda: "S'han restablert les dades de formació" in status(driver), what="the result"
        )
        assert "1 missatges de la bústia" in status(driver)
        assert bustia_messages(training_backend) == 0
        assert db_rows(training_backend, "SELECT count(*) FROM people")[0][0] == before
        # The numbering starts again: the next message is the year's first.
        assert send_bustia(training_backend).endswith("/000001")
        await driver.click("#training-reset-close")
        await driver.wait_screen(StaffMenu)


async def test_reset_against_a_production_backend_erases_nothing(
    tmp_path: Path, production_backend: BackendInfo
) -> None:
    send_bustia(production_backend)
    app = kiosk_app(tmp_path, production_backend)
    assert app.settings.training
    async with drive(app, size=SIZE) as driver:
        await open_reset(driver)
        await driver.click("#training-reset-confirm")
        await driver.wait_for(lambda: "no està en mode de formació" in status(driver), what="the refusal")
        assert status(driver) == (
            "No s'ha esborrat res: aquest quiosc està connectat a un servei que no està en mode de formació. "
            "Reviseu la configuració del quiosc."
        )
        assert bustia_messages(production_backend) == 1
        assert not app.screen.query_one("#training-reset-confirm").disabled
