"""An unexpected exception never shows a traceback to a citizen: the session ends (temp folder gone, backend
token revoked), the plain error screen shows, the detail goes to the log, and the kiosk goes on for the
next citizen. Every way out of the app wipes the session too.

Pilot drives the app against the reference backend over real HTTP (the token must answer 401 once
revoked); the terminal itself is read through tmux, whose pane gets every byte the kiosk writes.
Textual's test harness still raises a crash when the test's app closes (the kiosk records it for that):
`pytest.raises` around the app says the crash was expected.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from devstack.backend import BackendInfo
from kiosk import crash
from kiosk.app import KioskApp
from kiosk.backend.client import BackendClient, BackendError
from kiosk.catalogue import CatalogueScreen
from kiosk.config import Settings
from kiosk.screens import attract
from kiosk.screens.attract import AttractScreen
from kiosk.screens.base import KioskScreen
from kiosk.screens.error import ErrorModal
from kiosk.session import EndReason
from tests.fixtures.app import make_settings
from tests.fixtures.tmux import TmuxPane
from tests.harness import Driver, drive, make_app

#: What the failing handler's exception says: citizen data, which must reach neither screen nor log.
SECRET = "CARMEN ESPAÑOLA 12345678Z"
ERROR_TEXT = "No s'ha pogut completar aquest pas"
#: A person of the demo padró (testcards/citizens.toml), for a real weak-identification token.
WEAK = ("12345678Z", date(1980, 4, 15), "08301")


class Boom(RuntimeError):
    pass


class ProcedureStep(KioskScreen):
    """A step of a procedure whose button handler fails as a bug would."""

    def compose(self) -> ComposeResult:
        yield Static(f"Dades de {SECRET}", id="citizen-data")
        yield Button("Continua", id="next")

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        citizen = SECRET  # a local a traceback with locals would print
        raise Boom(f"no address for {citizen}")


@asynccontextmanager
async def crashing(app: KioskApp) -> AsyncIterator[Driver]:
    """`drive(app)` for an app that meets a `Boom`. Textual's harness raises the crash when the app
    closes, over any failure of the test's own block: that failure is raised instead."""
    failure: Exception | None = None
    crashed = False
    try:
        async with drive(app, size=(100, 30)) as driver:
            try:
                yield driver
            except Exception as exc:
                failure = exc
    except Boom:
        crashed = True
    if failure is not None:
        raise failure
    assert crashed, "the app met no crash"


def backend_settings(tmp_path: Path, server: BackendInfo) -> Settings:
    return make_settings(
        tmp_path,
        kiosk={"id": server.kiosk_id},
        backend={"url": server.url, "kiosk_key": server.kiosk_key},
    )


def token_alive(settings: Settings, token: str) -> bool:
    try:
        BackendClient(settings).deixalleria_summary(token)
    except BackendError:
        return False
    return True


async def wait_revoked(driver: Driver, settings: Settings, token: str) -> None:
    deadline = time.monotonic() + 10
    while token_alive(settings, token):
        assert time.monotonic() < deadline, "the backend session was not revoked"
        await driver.pause(0.1)


async def visit_with_token(app: KioskApp, driver: Driver, settings: Settings) -> tuple[Path, str]:
    """A visit identified by a real backend token, with a document in the session's temp folder."""
    app.start_visit()
    await driver.pause()
    session = app.session
    assert session is not None
    session.token = BackendClient(settings).login_weak(*WEAK).token
    assert token_alive(settings, session.token)
    (session.temp_dir / "volant.pdf").write_bytes(b"%PDF-1.7 citizen document")
    return session.temp_dir, session.token


async def test_crash_in_a_procedure_step_ends_the_session_and_the_kiosk_goes_on(
    backend_server: BackendInfo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = backend_settings(tmp_path, backend_server)
    app = make_app(settings, watch_cards=False)
    async with crashing(app) as driver:
        temp, token = await visit_with_token(app, driver, settings)
        session = app.session
        await app.push_screen(ProcedureStep())
        await driver.wait_for(SECRET)
        await driver.click("#next")
        shown = await driver.wait_for(ERROR_TEXT)
        assert isinstance(app.screen, ErrorModal)
        for trace in ("Traceback", "Boom", SECRET, "citizen"):
            assert trace not in shown
        assert session is not None and session.ended is EndReason.ERROR
        assert app.session is None and not temp.exists()
        await wait_revoked(driver, settings, token)
        assert app.is_running

        await driver.click("#error-ok")
        await driver.wait_for(lambda: isinstance(app.screen, AttractScreen))
        await driver.click("#start")  # the next citizen
        await driver.wait_for("Acabar i sortir")
        assert app.session is not None and app.session is not session
    assert app.return_code in (None, 0)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert "unexpected error" in logged and "Boom" in logged and "_next" in logged
    assert SECRET not in caplog.text and "12345678Z" not in caplog.text


async def test_crash_in_an_app_handler_leaves_the_app_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    launched: list[str] = []

    def launch(_app: Any, code: str, **_kwargs: object) -> bool:
        if not launched:
            launched.append(code)
            raise Boom(SECRET)
        launched.append(code)
        return True

    monkeypatch.setattr("kiosk.procedures.launch", launch)
    async with crashing(app) as driver:
        app.start_visit()
        await driver.pause()
        app.screen.post_message(CatalogueScreen.ProcedureChosen(procedure_code="bustia"))
        await driver.wait_for(ERROR_TEXT)
        assert app.session is None
        await driver.click("#error-ok")
        await driver.wait_for(lambda: isinstance(app.screen, AttractScreen))
        await driver.click("#start")
        await driver.wait_for("Acabar i sortir")
        app.screen.post_message(CatalogueScreen.ProcedureChosen(procedure_code="bustia"))
        await driver.wait_for(lambda: launched == ["bustia", "bustia"])  # the app still handles it
        assert app.is_running


async def test_crash_in_the_attract_screen_exits_wiped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its message loop stops for good and Textual cannot replace the bottom screen: the kiosk exits (for its
    # supervisor to start it again), wiped, with no traceback.
    app = make_app(make_settings(tmp_path), watch_cards=False)

    def start_visit() -> Any:  # what the attract screen's "Start" handler builds, failing
        session = app.begin_session()
        (session.temp_dir / "volant.pdf").write_bytes(b"%PDF-1.7")
        raise Boom(SECRET)

    monkeypatch.setattr(attract, "StartVisit", start_visit)
    async with crashing(app) as driver:
        # Pilot's own click, which waits for nothing after it: the attract screen's handler fails.
        await driver.pilot.click("#start")
        # Not Pilot's pauses: they wait for the failed screen, which answers nothing any more.
        deadline = time.monotonic() + 10
        while app.is_running:
            assert time.monotonic() < deadline, "the kiosk did not exit"
            await asyncio.sleep(0.05)
    assert app.return_code == 1
    assert app.session is None
    assert not list((tmp_path / "sessions").glob("ovac-*"))


async def test_failed_worker_ends_the_session(backend_server: BackendInfo, tmp_path: Path) -> None:
    settings = backend_settings(tmp_path, backend_server)
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        temp, token = await visit_with_token(app, driver, settings)

        def fail() -> None:
            raise Boom(SECRET)

        app.run_worker(fail, thread=True, exit_on_error=False, name="failing")
        shown = await driver.wait_for(ERROR_TEXT)
        assert SECRET not in shown and "Traceback" not in shown
        assert app.session is None and not temp.exists()
        await wait_revoked(driver, settings, token)


async def test_worker_with_exit_on_error_does_not_close_the_kiosk(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with crashing(app) as driver:
        app.start_visit()

        def fail() -> None:
            raise Boom(SECRET)

        app.run_worker(fail, thread=True, exit_on_error=True)
        await driver.wait_for(ERROR_TEXT)
        assert app.is_running and app.session is None


async def test_too_many_crashes_exit_wiped_without_a_traceback(tmp_path: Path) -> None:
    app = make_app(make_settings(tmp_path), watch_cards=False)
    async with crashing(app) as driver:
        app.start_visit()
        assert app.session is not None
        temp = app.session.temp_dir
        for _ in range(crash.MAX_CRASHES + 1):
            app.call_later(lambda: (_ for _ in ()).throw(Boom(SECRET)))
            await driver.pause(0.1)
        # Not the Pilot's wait: it waits for the screen's messages, which an app that exits never handles.
        deadline = time.monotonic() + 10
        while app.is_running and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not app.is_running
    assert app.return_code == 1
    assert not temp.exists()


@pytest.mark.parametrize("how", ["exit", "shutdown"])
async def test_every_exit_wipes_the_session(how: str, backend_server: BackendInfo, tmp_path: Path) -> None:
    settings = backend_settings(tmp_path, backend_server)
    app = make_app(settings, watch_cards=False)
    async with drive(app, size=(100, 30)) as driver:
        temp, token = await visit_with_token(app, driver, settings)
        session = app.session
        if how == "exit":
            app.exit()
        else:
            app.shutdown()
        await driver.pause()
    assert session is not None and session.ended is not None
    assert not temp.exists()
    assert not token_alive(settings, token)


def test_report_has_frames_not_values() -> None:
    try:
        try:
            citizens: dict[str, str] = {}
            citizens[SECRET]
        except KeyError as inner:
            raise Boom(SECRET) from inner
    except Boom as error:
        text = crash.report(error)
    assert "Boom" in text and "KeyError" in text and "test_report_has_frames_not_values" in text
    assert "12345678Z" not in text
    assert SECRET not in text


# -- the real terminal ------------------------------------------------------------------------------------
FAILING_KIOSK = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from textual.widgets import Button, Static

    from kiosk import logsetup
    from kiosk.app import KioskApp
    from kiosk.config import load
    from kiosk.screens.base import KioskScreen

    SECRET = {secret!r}
    visits = []


    class ProcedureStep(KioskScreen):
        def compose(self):
            yield Static(f"Dades de {{SECRET}}")
            yield Button("Continua", id="next")

        def on_mount(self):
            super().on_mount()
            self.query_one("#next").focus()

        def on_button_pressed(self, event):
            if event.button.id == "next":
                citizen = SECRET
                raise RuntimeError(citizen)
            super().on_button_pressed(event)


    class FailingKiosk(KioskApp):
        def home_screen(self):
            visits.append(1)
            return ProcedureStep() if len(visits) == 1 else super().home_screen()


    logsetup.setup(file=Path(sys.argv[2]), stderr=False)
    FailingKiosk(load(Path(sys.argv[1]))).run()
    """
)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by `make test`")
def test_terminal_shows_no_traceback(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, eid={"readers": ["OVAC crash test: no reader"]})
    assert settings.source is not None
    script = tmp_path / "failing_kiosk.py"
    script.write_text(FAILING_KIOSK.format(secret=SECRET))
    log_file, raw = tmp_path / "kiosk.log", tmp_path / "pane.raw"
    root = Path(__file__).resolve().parents[3]
    command = f"cd {root} && env TERM=xterm-256color {sys.executable} {script} {settings.source} {log_file}"
    pane = TmuxPane(command, raw=raw)
    try:
        pane.wait_for("Introduïu la targeta")
        pane.send("Enter")  # "Començar"
        shown = pane.wait_for(SECRET)  # a procedure's step with the citizen's data
        pane.send("Enter")  # "Continua": its handler fails
        shown = pane.wait_for(ERROR_TEXT)
        pane.send("Enter")  # OK
        pane.wait_for("Introduïu la targeta")
        pane.send("Enter")  # the next citizen starts a visit
        shown += pane.wait_for("Acabar i sortir")
    finally:
        pane.close()
    written = raw.read_bytes()
    assert written, "the pane's bytes were not captured"
    for trace in ("Traceback", "RuntimeError", SECRET, "citizen"):
        assert trace not in shown
    for trace in ("Traceback", "RuntimeError", "citizen = SECRET"):
        assert trace.encode() not in written
    logged = log_file.read_text(encoding="utf-8")
    assert "unexpected error" in logged and "RuntimeError" in logged and "on_button_pressed" in logged
    assert "12345678Z" not in logged and SECRET not in logged
