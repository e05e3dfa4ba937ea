"""The fault matrix's card reader faults (tests/e2e/faults/readers.py): the reader unplugged, and pcscd
stopped and started, at each step of the card login (the insert-card screen, the PIN pad, after the PIN)
and of the padró volant (registration, document, review, result), the citizen's language Catalan or
Spanish in turn.

At each: the kiosk keeps running; the citizen reads, in their language, a plain message that says what
happened and what to do; a session that had begun (a card read) ends: back at the attract screen, nothing
of the citizen on screen or in the temp folder, the backend session ended (also the one a login answered
after the reader went). At the insert-card screen the citizen stays, told there is no reader. When the
reader (or pcscd) comes back, "the card reader is ready", and a card inserted logs in again, without
restarting the kiosk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.backend import BackendInfo
from kiosk.app import KioskApp
from kiosk.i18n import current_language
from kiosk.login import LoginScreen, bridge
from kiosk.login import screen as login_screen
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.padro import DocumentStep, PadroResult, PadroReview, RegistrationStep
from kiosk.screens.attract import AttractScreen
from tests.e2e.faults.conftest import READ_TIMEOUT, CardFaults
from tests.e2e.faults.matrix import survived
from tests.e2e.faults.readers import READER_FAULTS, restartable_pcscd
from tests.e2e.faults.walks import NOT_PLAIN, faulty_kiosk
from tests.e2e.procedures.helpers import (
    PIN,
    READER_INDEX,
    SIZE,
    card_in,
    card_login,
    db_rows,
    launch,
    new_visit,
)
from tests.harness import Driver, drive

#: How long the backend holds the card login's answer back at "after the PIN" (within the read timeout:
#: the login succeeds, after the reader went).
LOGIN_HELD_SECONDS = 0.8
assert LOGIN_HELD_SECONDS < READ_TIMEOUT

#: What the citizen reads, in their language.
READER_LOST = {
    "ca": "El lector de targetes ha deixat de funcionar, per això la vostra sessió s'ha acabat i no se n'ha "
    "guardat res. Traieu la targeta.",
    "es": "El lector de tarjetas ha dejado de funcionar, por eso su sesión ha terminado y no se ha guardado "
    "nada de ella. Retire la tarjeta.",
}
NO_READER = {
    "ca": "Ara mateix no hi ha cap lector de targetes connectat. Adreceu-vos al taulell d'atenció.",
    "es": "Ahora mismo no hay ningún lector de tarjetas conectado. Diríjase al mostrador de atención.",
}
READY = {
    "ca": "El lector de targetes està a punt. Ja podeu introduir la targeta.",
    "es": "El lector de tarjetas está listo. Ya puede introducir la tarjeta.",
}
#: What of the test citizen must not stay on screen once their session ended.
TRACES = ("ESPAÑOLA", "CARMEN", "Riera", "Consteu al padró", "Consta en el padrón")


@dataclass(frozen=True)
class Step:
    name: str
    language: str


STEPS = (
    Step("insert card", "es"),
    Step("PIN pad", "ca"),
    Step("after the PIN", "es"),
    Step("registration", "ca"),
    Step("document", "es"),
    Step("review", "ca"),
    Step("result", "es"),
)


@pytest.fixture
def reader_faults(card_faults: CardFaults, monkeypatch: pytest.MonkeyPatch) -> Iterator[CardFaults]:
    """The card stack, its pcscd ours to stop (under the stack lock), running and healthy afterwards; the
    greeting after a login and the wait before "no card reader" short (each case logs in twice)."""
    monkeypatch.setattr(login_screen, "GREETING_SECONDS", 0.2)
    monkeypatch.setattr(bridge, "NO_READER_GRACE_SECONDS", 0.5)
    with restartable_pcscd(card_faults.pcsc):
        yield card_faults


def reader_kiosk(tmp_path: Path, stack: CardFaults) -> KioskApp:
    eid = {"pkcs11_module": str(stack.pcsc.pkcs11_module), "readers": [stack.pcsc.readers[READER_INDEX]]}
    return faulty_kiosk(tmp_path, stack.backend, stack.proxy, eid=eid)


def open_sessions(server: BackendInfo) -> int:
    return int(db_rows(server, "select count(*) as n from citizen_sessions where ended_at is null")[0].n)


async def registration_shown(driver: Driver) -> RegistrationStep:
    step = await driver.wait_screen(RegistrationStep, timeout=20)
    await driver.wait_for(lambda: step.state.registration is not None, timeout=10, what="the registration")
    return step


LOGIN_STEPS = ("insert card", "PIN pad", "after the PIN")
LATER = (("document", DocumentStep), ("review", PadroReview), ("result", PadroResult))


async def begin_visit(driver: Driver, language: str) -> None:
    """A visit in `language` (chosen on the attract screen) to the padró volant: the insert-card screen."""
    await driver.wait_screen(AttractScreen, timeout=10)
    if language != current_language():
        await driver.click(f"#lang-{language}")
        await driver.wait_for(lambda: current_language() == language, what="the language")
    await new_visit(driver)
    assert launch(driver.app, "volant_individual")
    await driver.wait_screen(InsertCardScreen)


async def reach(driver: Driver, stack: CardFaults, step: Step) -> int:
    """To `step` of the login or of the volant: from the registration when the citizen is logged in there
    (after the last fault, logged in again), else from a new visit. The backend's open sessions but this
    visit's."""
    app, server = driver.app, stack.backend
    at_registration = isinstance(app.screen, RegistrationStep) and app.session and app.session.token
    sessions = open_sessions(server) - (1 if at_registration else 0)
    if step.name in LOGIN_STEPS or not at_registration:
        if app.session is not None:  # logged in again after the last fault: the citizen leaves
            stack.pcsc.control.remove()
            await driver.wait_for(lambda: open_sessions(server) == sessions, what="the last login to end")
        await begin_visit(driver, step.language)
    if step.name == "PIN pad":
        await card_in(driver, stack.pcsc)
        await driver.press(*PIN[:3])
    elif step.name == "after the PIN":
        applied = len(stack.proxy.applied)
        stack.proxy.arm("slow", "POST", "/v1/auth/sessions")
        await card_in(driver, stack.pcsc)
        await driver.press(*PIN, "enter")
        login = app.screen
        assert isinstance(login, LoginScreen)
        await driver.wait_for(lambda: len(stack.proxy.applied) > applied, what="the login on its way")
        assert login.state == "signing"
    elif step.name not in LOGIN_STEPS:
        if not at_registration:
            await card_login(driver, stack.pcsc)
            await registration_shown(driver)
        for later, kind in LATER:
            if [s.name for s in STEPS].index(step.name) < [s.name for s in STEPS].index(later):
                break
            await driver.click("#step-next")
            await driver.wait_screen(kind, timeout=15)
        if step.name == "result":
            await driver.wait_for(lambda: driver.shown("#step-next"), timeout=10, what="the result")
    return sessions


def plain_notice(driver: Driver, wanted: str, before: set[int]) -> str:
    """The notice given since `before` (the ids of those given before) that says `wanted`, if any; none of
    the machinery's words in it."""
    for notice in driver.app._notifications:
        text = " ".join(notice.message.split())
        if id(notice) not in before and wanted in text:
            for word in NOT_PLAIN:
                assert word not in text, f"{word!r} shown to the citizen: {text}"
            return text
    return ""


async def told(driver: Driver, wanted: str, before: set[int]) -> None:
    """Wait for a notice since `before` that says `wanted`."""
    await driver.wait_for(lambda: plain_notice(driver, wanted, before), what=repr(wanted))


def given(driver: Driver) -> set[int]:
    return {id(notice) for notice in driver.app._notifications}


@pytest.mark.parametrize("step", STEPS, ids=[s.name.replace(" ", "-") for s in STEPS])
async def test_reader_faults_at_each_step_of_the_padro(
    tmp_path: Path, reader_faults: CardFaults, step: Step
) -> None:
    """Each fault in turn at `step`, in one kiosk: the second one strikes after the citizen logged in
    again once the first one was over."""
    stack = reader_faults
    pcsc, server = stack.pcsc, stack.backend
    stack.proxy.slow_seconds = LOGIN_HELD_SECONDS
    app = reader_kiosk(tmp_path, stack)
    temp_root = app.settings.kiosk.temp_dir
    assert temp_root is not None
    async with drive(app, size=SIZE) as driver:
        for fault, (strike, mend) in READER_FAULTS.items():
            sessions = await reach(driver, stack, step)
            before = given(driver)
            strike(pcsc)
            if step.name == "insert card":
                # Nothing of the citizen yet: they stay, told that there is no reader and what to do.
                await told(driver, NO_READER[step.language], before)
                assert isinstance(app.screen, InsertCardScreen) and app.session is not None
            else:
                await told(driver, READER_LOST[step.language], before)
                await driver.wait_screen(AttractScreen, timeout=10)
                assert app.session is None
                shown = driver.text()
                for trace in TRACES:
                    assert trace not in shown, f"{trace!r} left on screen after the {fault} at {step.name}"
                assert not temp_root.exists() or not any(temp_root.iterdir()), f"temp files left ({fault})"
                ended = lambda n=sessions: open_sessions(server) == n  # noqa: E731
                await driver.wait_for(ended, what=f"the backend session to end ({fault})")
                pcsc.control.remove()  # the citizen takes the card out, as told

            before = given(driver)
            mend(pcsc)
            await told(driver, READY[current_language()], before)
            if step.name != "insert card":
                await begin_visit(driver, step.language)
            await card_login(driver, pcsc)
            await registration_shown(driver)
            assert app.session is not None and app.session.token, f"no login again after the {fault}"
            survived(fault, "padro", step.name)
