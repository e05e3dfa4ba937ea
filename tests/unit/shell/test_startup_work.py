"""The start-up work `kiosk` gives the app (telling the backend it started, so that it ends the sessions
a killed run left open) runs after the first frame, in a thread, and the first session waits for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kiosk.app import KioskApp
from tests.fixtures.app import make_settings
from tests.harness import drive


async def test_the_first_session_begins_only_once_the_start_up_work_is_done(tmp_path: Path) -> None:
    done = threading.Event()
    ran_in: list[str] = []

    def startup() -> None:
        ran_in.append(threading.current_thread().name)
        time.sleep(0.5)  # a slow backend
        done.set()

    app = KioskApp(make_settings(tmp_path), watch_cards=False, startup=startup)
    async with drive(app, size=(100, 32)) as driver:
        await driver.wait_for(lambda: ran_in)  # started once the attract screen is up, not waited for
        assert not done.is_set()
        session = app.begin_session()
        assert done.is_set()  # the session began after it
        assert ran_in != [threading.current_thread().name]
        assert app.session is session


async def test_a_start_up_work_that_fails_lets_sessions_begin(tmp_path: Path) -> None:
    def startup() -> None:
        raise ConnectionError("backend down")

    app = KioskApp(make_settings(tmp_path), watch_cards=False, startup=startup)
    async with drive(app, size=(100, 32)):
        assert app.wait_started()
        assert app.begin_session() is app.session
