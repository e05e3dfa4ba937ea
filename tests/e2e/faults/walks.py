"""What every walk of the fault matrix shares: the kiosk behind the fault proxy, and the check of what the
citizen is told when a backend call fails."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from textual.widgets import Static

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.app import KioskApp
from kiosk.procedures import instancia
from kiosk.procedures.identify import InsertCardScreen
from kiosk.screens.error import ErrorModal
from tests.e2e.faults.conftest import READ_TIMEOUT
from tests.e2e.faults.matrix import BACKEND_FAULTS, CALLS, Call, survived
from tests.e2e.procedures.helpers import card_login, db_rows, kiosk_app, launch, new_visit
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


def open_sessions(server: BackendInfo) -> int:
    """How many citizen sessions the backend holds open."""
    return int(db_rows(server, "select count(*) as n from citizen_sessions where ended_at is null")[0].n)


def fill_disk(path: Path, chunk: int) -> None:
    """Another program fills the filesystem of `path` (a new file), `chunk` bytes at a time, until ENOSPC."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * chunk):
            pass
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


async def departments_through_faults(
    driver: Driver,
    proxy: FaultProxy,
    pcsc: PcscInfo,
    faults: Sequence[Fault],
    typed: str,
    counted: Collection[Fault],
) -> instancia.SubjectStep:
    """The instància started with a card login, its departments' pick-list meeting each of `faults` in
    turn while `typed` is in the subject: each time the list says it tries again, and the step and the
    text stay, no modal takes the keys (`survived` for the faults in `counted`). Returns the subject step,
    whose departments come on the try after the last fault."""
    departments = CALLS["instancia"][0]
    app = driver.app
    await new_visit(driver)
    assert launch(app, "instancia_generica")
    await driver.wait_screen(InsertCardScreen)
    base = len(proxy.applied)
    proxy.arm(faults[0], departments.method, departments.path)
    await card_login(driver, pcsc)
    step = await driver.wait_screen(instancia.SubjectStep, timeout=10)
    await driver.type(typed, into="#f-subject")
    for index, fault in enumerate(faults):

        def told(n: int = index + 1) -> bool:
            applied = len(proxy.applied) - base == n
            return applied and "tornarà a provar" in driver.text_of("#department-error")

        await driver.wait_for(told, timeout=15, what=f"the list telling the departments' {fault}")
        assert app.screen is step and step.state.subject == typed
        assert not any(isinstance(s, ErrorModal) for s in app.screen_stack)
        if index + 1 < len(faults):
            proxy.arm(faults[index + 1], departments.method, departments.path)
        if fault in counted:
            survived(fault, "instancia", departments.step)
    return step
