"""Giving the instància's USB sticks back: eject every stick a scanner listed files from (with
`[attachments] eject_command`, in a thread bounded by its timeout), then tell the citizen, on screen and by
speech, that the stick can be taken. With no eject command configured nothing is run and nothing is said."""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

from textual import events
from textual.app import App

from kiosk.i18n import N_, _
from kiosk.procedures.attachments import StickScanner, eject_all
from kiosk.session import CitizenSession, EndReason

log = logging.getLogger(__name__)

TAKE_STICK = N_("You can take your USB stick now.")


class StickRelease:
    """Ejects the sticks a flow's scanner listed files from, then tells the citizen to take them.

    `release()` is called from the app's thread; the eject runs in a thread of its own (not a worker of a
    screen: the session's end removes the screens), and the message comes back as a callback message,
    which never blocks on an app that is closing."""

    def __init__(self, app: App[Any], scanner: StickScanner, command: tuple[str, ...], timeout: float):
        self.app = app
        self.scanner = scanner
        self.command = command
        self.timeout = timeout

    def release(self) -> threading.Thread | None:
        """Eject what was read from and not yet ejected (nothing when none is configured). The message is
        translated now, in the citizen's language (the session's end resets it)."""
        if not self.command:
            return None
        message = _(TAKE_STICK)
        thread = threading.Thread(target=self._eject, args=(message,), name="stick-eject")
        thread.start()
        return thread

    def session_ended(self, session: CitizenSession, reason: EndReason) -> None:
        self.release()

    def _eject(self, message: str) -> None:
        try:
            there = eject_all(self.scanner, self.command, self.timeout)
        except Exception:  # never a crash for the citizen: the stick is read-only, it can be pulled anyway
            log.exception("ejecting the USB sticks failed")
            there = 1
        if there:
            tell = partial(self.app.notify, message, timeout=15, markup=False)
            self.app.post_message(events.Callback(callback=tell))
