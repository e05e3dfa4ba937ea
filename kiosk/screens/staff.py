"""Staff access: a PIN modal (scrypt hash from config, growing delay after wrong PINs) and the staff menu."""

from __future__ import annotations

import logging

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

import kiosk
from kiosk.i18n import _
from kiosk.screens.base import KioskModal, KioskScreen
from kiosk.staff import verify_pin

log = logging.getLogger(__name__)


class StaffPinModal(KioskModal):
    """Dismisses with True when the right staff PIN was given, False when cancelled."""

    BINDINGS = [Binding("escape", "cancel", show=False)]
    #: Failures since the kiosk started; the delay doubles with each one (kept across modals on purpose).
    failures = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-box"):
            yield Static(_("Staff access"), id="staff-title")
            yield Input(password=True, id="staff-pin", placeholder=_("Staff PIN"), max_length=32)
            yield Static("", id="staff-status")
            with Center():
                yield Button(_("Cancel"), id="staff-cancel")

    def on_mount(self) -> None:
        self.query_one("#staff-pin", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#staff-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    @on(Input.Submitted, "#staff-pin")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pin = event.value
        event.input.value = ""
        event.input.disabled = True
        self.query_one("#staff-status", Static).update(_("Checking…"))
        self._check(pin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff-pin")
    def _check(self, pin: str) -> None:
        ok = verify_pin(pin, self.kiosk.settings.staff.pin_hash)
        del pin
        self.app.call_from_thread(self._result, ok)

    def _result(self, ok: bool) -> None:
        if ok:
            StaffPinModal.failures = 0
            log.info("staff access granted")
            self.dismiss(True)
            return
        StaffPinModal.failures += 1
        # Never log what was typed: only that a wrong PIN was given and how often.
        log.warning("wrong staff PIN (failure %d in a row)", StaffPinModal.failures)
        delay = self.kiosk.settings.staff.wrong_pin_delay_seconds * 2 ** (StaffPinModal.failures - 1)
        self.query_one("#staff-status", Static).update(_("Wrong PIN. Wait a moment and try again."))
        self.set_timer(min(delay, 300.0), self._enable)

    def _enable(self) -> None:
        field = self.query_one("#staff-pin", Input)
        field.disabled = False
        field.focus()
        self.query_one("#staff-status", Static).update("")


class StaffMenu(KioskScreen):
    """What staff can do at the kiosk."""

    SHOW_FINISH = False
    BINDINGS = [Binding("escape", "back", show=False)]

    def compose(self) -> ComposeResult:
        settings = self.kiosk.settings
        with VerticalScroll(id="staff-menu"):
            yield Static(_("Staff menu"), id="staff-menu-title")
            yield Static(
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
                id="about",
            )
            yield from self.kiosk.staff_extra_buttons()
            yield Button(_("Back to the kiosk"), id="staff-back", variant="primary", classes="big")
            yield Button(_("Exit the kiosk"), id="staff-exit", variant="error", classes="big")

    def on_mount(self) -> None:
        self.query_one("#staff-back", Button).focus()

    def action_back(self) -> None:
        self.dismiss()

    @on(Button.Pressed, "#staff-back")
    def _back(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss()

    @on(Button.Pressed, "#staff-exit")
    def _exit(self, event: Button.Pressed) -> None:
        event.stop()
        log.info("kiosk exited from the staff menu")
        self.kiosk.shutdown()
