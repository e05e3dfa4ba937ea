"""What every walk of the fault matrix shares: the kiosk behind the fault proxy, and the check of what the
citizen is told when a backend call fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Static

from devstack.backend import BackendInfo
from kiosk.app import KioskApp
from kiosk.screens.error import ErrorModal
from tests.e2e.faults.conftest import READ_TIMEOUT
from tests.e2e.faults.matrix import BACKEND_FAULTS, Call, survived
from tests.e2e.procedures.helpers import kiosk_app
from tests.fixtures.faults import Fault, FaultProxy
from tests.harness import Driver

#: What the citizen reads when the city hall's service fails, in their language: what happened, and what
#: to do (try again; nothing is registered twice).
UNAVAILABLE = {
    "ca": "El servei de l'Ajuntament no ha respost. Torneu-ho a provar d'aquí a un moment",
    "es": "El servicio del Ayuntamiento no ha respondido. Vuelva a intentarlo dentro de un momento",
}
#: What must never reach the citizen's screen: the machinery's words.
NOT_PLAIN = ("Traceback", "Error:", "http_", "JSON", "bad_response", "unreachable", "<html", "Exception")


def faulty_kiosk(tmp_path: Path, server: BackendInfo, proxy: FaultProxy, **overrides: Any) -> KioskApp:
    """A training kiosk whose backend is `server` behind `proxy`, with a short read timeout and no retry
    (each fault reaches the citizen's screen once); over HTTPS when the proxy speaks it, trusting the
    proxy's test CA only (`[backend] ca_file`)."""
    backend: dict[str, Any] = {"url": proxy.url, "read_timeout_seconds": READ_TIMEOUT, "retries": 0}
    if proxy.ca_file is not None:
        backend["ca_file"] = str(proxy.ca_file)
    return kiosk_app(tmp_path, server, backend=backend, **overrides)


def assert_plain(text: str, language: str) -> None:
    assert UNAVAILABLE[language] in text, text
    for word in NOT_PLAIN:
        assert word not in text, f"{word!r} shown to the citizen:\n{text}"


async def told_and_dismissed(driver: Driver, language: str = "ca") -> None:
    """The error modal, with the plain message in `language`; OK closes it."""
    modal = await driver.wait_screen(ErrorModal, timeout=10)
    shown = " ".join(" ".join(str(s.content).split()) for s in modal.query(Static).results(Static))
    assert_plain(shown, language)
    await driver.click("#error-ok")
    await driver.wait_for(lambda: not isinstance(driver.app.screen, ErrorModal), what="the modal to close")


async def faults_at_send(
    driver: Driver,
    proxy: FaultProxy,
    call: Call,
    procedure: str,
    kept: Callable[[Fault], None],
    language: str = "ca",
) -> None:
    """Every fault at a call that Send makes on the review, in turn: the citizen is told in `language`
    and is still on the review; `kept(fault)` checks what they entered and what the backend holds."""
    review = driver.app.screen
    for fault in BACKEND_FAULTS:
        proxy.arm(fault, call.method, call.path)
        await driver.click("#step-next")
        await told_and_dismissed(driver, language)
        assert driver.app.screen is review
        kept(fault)
        survived(fault, procedure, call.step)
