"""Staff access: a PIN modal (scrypt hash from config, the app's growing wait after wrong PINs) and the staff
menu."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Static

import kiosk
from kiosk.i18n import _
from kiosk.screens.base import KioskModal, KioskScreen
from kiosk.services import StaffExit
from kiosk.staff import StaffLock, verify_pin
from widgets.plain import plain

log = logging.getLogger(__name__)


class StaffPinModal(KioskModal):
    """Dismisses with True when the right staff PIN was given, False when cancelled.

    The wait after wrong PINs is `lock`, the app's, not this modal's: a modal opened while the kiosk is
    locked shows the wait with its field disabled, and the field comes back only when the wait is over.
    """

    BINDINGS = [Binding("escape", "cancel", show=False)]
    BUTTON_ACTIONS = {"staff-cancel": "cancel"}
    #: How often the modal looks at the lock while it waits (the field comes back within this).
    REFRESH_SECONDS = 0.1
    _waiting = False
    _wait_text = ""

    def __init__(self, lock: StaffLock) -> None:
        super().__init__()
        self._lock = lock

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-box"):
            yield Static(_("Staff access"), id="staff-title")
            yield Input(password=True, id="staff-pin", placeholder=_("Staff PIN"), max_length=32)
            yield Static("", id="staff-status")
            with Center():
                cancel = Button(_("Cancel"), id="staff-cancel")
                # Never focused (Escape, a click or a touch cancel): while the field waits disabled, a
                # PIN typed with its Enter then goes nowhere instead of pressing Cancel.
                cancel.can_focus = False
                yield cancel

    def on_mount(self) -> None:
        self._refresh()
        self.set_interval(self.REFRESH_SECONDS, self._refresh, name="staff-lock")
        if not self._waiting:
            self.query_one("#staff-pin", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted, "#staff-pin")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pin = event.value
        event.input.value = ""
        lock = self._lock
        if not lock.begin():  # locked (or a check under way): what was typed is not checked
            self._refresh()
            return
        self._show_wait(_("Checking…"))
        encoded, app, answer = self.kiosk.settings.staff.pin_hash, self.app, self._result

        def check() -> None:
            app.call_from_thread(answer, _check_pin(lock, encoded, pin))

        # An app worker, not this screen's: closing the modal cannot cancel it before it records the
        # answer in the lock (a check claimed by begin() and never finished would lock staff out).
        self.app.run_worker(check, thread=True, exit_on_error=False, group="staff-pin", description="PIN")

    def _result(self, ok: bool) -> None:
        if not self.is_attached:
            return
        if ok:
            self.dismiss(True)
            return
        self._refresh()

    def _refresh(self) -> None:
        """The field follows the app's lock: disabled with the wait shown, or ready for a PIN."""
        lock = self._lock
        if lock.checking:
            self._show_wait(_("Checking…"))
        elif lock.remaining() > 0:
            self._show_wait(_("Wrong PIN. Wait a moment and try again."))
        elif self._waiting:
            self._waiting = False
            field = self.query_one("#staff-pin", Input)
            field.disabled = False
            field.focus()
            self.query_one("#staff-status", Static).update("")

    def _show_wait(self, text: str) -> None:
        field = self.query_one("#staff-pin", Input)
        field.value = ""
        field.disabled = True
        if not self._waiting or text != self._wait_text:
            self.query_one("#staff-status", Static).update(plain(text))
        self._waiting, self._wait_text = True, text


def _check_pin(lock: StaffLock, encoded: str, pin: str) -> bool:
    """Check one PIN that `lock.begin()` allowed, and record the answer in the lock (in a thread)."""
    ok = False
    try:
        ok = verify_pin(pin, encoded)
    finally:
        delay = lock.finish(ok)
    if ok:
        log.info("staff access granted")
    else:
        # Never what was typed: only that a wrong PIN was given, how often, and the wait it starts.
        log.warning("wrong staff PIN (failure %d in a row, next try in %.1f s)", lock.failures, delay)
    return ok


class StaffMenu(KioskScreen):
    """What staff can do at the kiosk; `extra_buttons` gives the buttons other parts add (test cards in
    training mode), made afresh at each compose (a change of language recomposes)."""

    SHOW_FINISH = False
    BINDINGS = [Binding("escape", "back", show=False)]
    BUTTON_ACTIONS = {"staff-back": "back"}

    def __init__(self, extra_buttons: Callable[[], Iterable[Widget]] = tuple) -> None:
        super().__init__()
        self._extra_buttons = extra_buttons

    def compose(self) -> ComposeResult:
        settings = self.kiosk.settings
        with VerticalScroll(id="staff-menu"):
            yield Static(_("Staff menu"), id="staff-menu-title")
            yield Static(
                plain(
                    "\n".join(
                        [
                            _("Version: {version}").format(version=kiosk.__version__),
                            _("Kiosk: {id}").format(id=settings.kiosk.id),
                            _("Configuration: {path}").format(path=settings.source or "-"),
                            _("Mode: {mode}").format(
                                mode=_("training") if settings.training else _("production")
                            ),
                        ]
                    ),
                    lines=True,
                ),
                id="about",
            )
            yield from self._extra_buttons()
            yield Button(_("Back to the kiosk"), id="staff-back", variant="primary", classes="big")
            yield Button(_("Exit the kiosk"), id="staff-exit", variant="error", classes="big")

    def on_mount(self) -> None:
        self.query_one("#staff-back", Button).focus()

    def action_back(self) -> None:
        self.dismiss()

    @on(Button.Pressed, "#staff-exit")
    def _exit(self, event: Button.Pressed) -> None:
        event.stop()
        log.info("kiosk exited from the staff menu")
        self.post_message(StaffExit())
