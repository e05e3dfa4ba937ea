"""Training mode for workshops and demonstrations: the staff menu's "Test cards" button and its screen,
where a trainer inserts a test card into the kiosk's (virtual) reader, or takes it out; and its "Reset
training data" button, which (after a confirmation) erases everything done on the training backend and
loads its demo data again (`BackendClient.reset_training_data`).

The app adds the buttons with `training_buttons(app)` from `staff_extra_buttons()`; they are there only
in training mode. The test cards are the eID part's (`testcards.control`, the daemon `make demo`
starts); when they are not running the screen says so instead of failing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from contract.v1 import TrainingResetOut
from eid.errors import EidError
from kiosk.backend.client import (
    BackendError,
    BackendUnavailable,
    NotAuthorised,
    NotTraining,
)
from kiosk.i18n import _
from kiosk.screens.base import KioskModal
from testcards.control import TestCardControl, TestCardInfo
from testcards.vpcd import VPCD_READERS
from widgets.plain import plain

if TYPE_CHECKING:
    from kiosk.services import KioskServices

log = logging.getLogger(__name__)


def training_buttons(app: KioskServices) -> list[Widget]:
    """The staff menu's extra buttons (none outside training mode)."""
    if not app.settings.training:
        return []
    return [TestCardsButton(), ResetTrainingButton()]


def reader_index(watched: tuple[str, ...]) -> int:
    """The virtual reader the kiosk watches (the first one when it watches every reader)."""
    for index, name in enumerate(VPCD_READERS):
        if not watched or any(name.startswith(prefix) for prefix in watched):
            return index
    return 0


class TestCardsButton(Button):
    __test__ = False

    def __init__(self) -> None:
        super().__init__(_("Test cards (training)"), id="staff-testcards", classes="big")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.push_screen(TestCardsScreen())


class TestCardsScreen(KioskModal):
    """Insert a test card, or remove the one inserted. Each button runs the control call in a worker."""

    __test__ = False
    CSS_PATH = "procedures.tcss"
    BINDINGS = [Binding("escape", "close", show=False)]

    class Listed(Message):
        def __init__(self, cards: list[TestCardInfo] | None, error: str = "") -> None:
            super().__init__()
            self.cards = cards
            self.error = error

    class Done(Message):
        def __init__(self, error: str = "", close_menu: bool = False) -> None:
            super().__init__()
            self.error = error
            self.close_menu = close_menu

    def __init__(self) -> None:
        super().__init__(id="testcards")
        self.cards: list[TestCardInfo] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="testcards-box"):
            yield Static(_("Test cards"), id="testcards-title", classes="headline")
            yield Static(
                _("Insert a test card into the kiosk's reader: the login starts as with a real card."),
                classes="hint",
            )
            yield Static(_("Loading the test cards…"), id="testcards-status")
            with VerticalScroll(id="testcards-list"):
                for card in self.cards or []:
                    label = f"{card.name}: {card.description}" if card.description else card.name
                    if card.inserted_in:
                        label += " · " + _("inserted")
                    yield Button(plain(label), id=f"insert-{card.name}", classes="choice")
            yield Button(_("Remove the test card"), id="testcards-remove", variant="warning", classes="big")
            yield Button(_("Close"), id="testcards-close", variant="primary", classes="big")

    def on_mount(self) -> None:
        super().on_mount()
        if self.cards is None:
            self._list()

    @work(thread=True, exclusive=True, exit_on_error=False, group="testcards", description="Test cards")
    def _list(self) -> None:
        try:
            self.post_message(self.Listed(TestCardControl().list()))
        except EidError as exc:
            self.post_message(self.Listed(None, str(exc)))

    @on(Listed)
    async def _listed(self, event: Listed) -> None:
        if event.cards is None:
            self.query_one("#testcards-status", Static).update(
                _(
                    "The test cards are not available on this kiosk. To use them, start the kiosk in demo "
                    "mode (make demo)."
                )
            )
            return
        self.cards = event.cards
        await self.recompose()
        self.add_chrome()
        self.query_one("#testcards-status", Static).update("")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("insert-"):
            event.stop()
            self._insert(button_id.removeprefix("insert-"), reader_index(self.kiosk.settings.eid.readers))
        elif button_id == "testcards-remove":
            event.stop()
            self._remove()
        elif button_id == "testcards-close":
            event.stop()
            self.dismiss()

    @work(thread=True, exclusive=True, exit_on_error=False, group="testcards", description="Insert")
    def _insert(self, name: str, reader: int) -> None:
        try:
            control = TestCardControl()
            control.remove(reader)
            control.insert(name, reader)
        except EidError as exc:
            self.post_message(self.Done(str(exc)))
        else:
            self.post_message(self.Done(close_menu=True))

    @work(thread=True, exclusive=True, exit_on_error=False, group="testcards", description="Remove")
    def _remove(self) -> None:
        try:
            TestCardControl().remove()
        except EidError as exc:
            self.post_message(self.Done(str(exc)))
        else:
            self.post_message(self.Done())

    @on(Done)
    def _done(self, event: Done) -> None:
        if event.error:
            # Staff see the detail: it names the daemon's problem, never citizen data.
            self.query_one("#testcards-status", Static).update(plain(event.error, lines=True))
            return
        if event.close_menu:
            from kiosk.screens.staff import StaffMenu

            menu = next((s for s in self.app.screen_stack if isinstance(s, StaffMenu)), None)
            self.dismiss()
            if menu is not None:
                # Out of the staff menu too, so that the trainee sees the login that the card starts.
                self.app.call_after_refresh(self._close_menu, menu)
            return
        self.cards = None
        self._list()

    def _close_menu(self, menu: Any) -> None:
        if self.app.screen is menu:
            menu.dismiss()

    def action_close(self) -> None:
        self.dismiss()


class ResetTrainingButton(Button):
    def __init__(self) -> None:
        super().__init__(_("Reset training data"), id="staff-training-reset", classes="big")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.push_screen(ResetTrainingScreen())


def reset_message(result: TrainingResetOut) -> str:
    """The staff's plain result of a reset."""
    erased = result.erased
    return _(
        "The training data has been reset: {entries} registry entries, {documents} documents and "
        "{messages} bústia messages erased; the demo data is loaded again."
    ).format(
        entries=erased.get("registry_entries", 0),
        documents=erased.get("documents", 0),
        messages=erased.get("bustia_messages", 0),
    )


def reset_error_message(exc: BackendError) -> str:
    if isinstance(exc, NotTraining):
        return _(
            "Nothing was erased: this kiosk is connected to a service that is not in training mode. "
            "Check the kiosk's settings."
        )
    if isinstance(exc, BackendUnavailable):
        return _("The training service did not answer. Try again in a moment.")
    if isinstance(exc, NotAuthorised):
        return _(
            "The training service does not accept this kiosk. "
            "Ask the administrator to register it for training."
        )
    return _("The training data could not be reset. Try again, or restart the training service.")


class ResetTrainingScreen(KioskModal):
    """Asks for confirmation, then resets the training backend in a worker and says how it went."""

    DEFAULT_CSS = """
    ResetTrainingScreen {
        align: center middle;
        background: $background 70%;
    }
    #training-reset-box {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    #training-reset-box Button {
        width: 100%;
        margin-top: 1;
    }
    #training-reset-status {
        margin-top: 1;
    }
    """
    BINDINGS = [Binding("escape", "close", show=False)]
    BUTTON_ACTIONS = {"training-reset-close": "close"}

    class Finished(Message):
        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(self) -> None:
        super().__init__(id="training-reset")
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="training-reset-box"):
            yield Static(_("Reset training data"), id="training-reset-title", classes="headline")
            yield Static(
                _(
                    "This erases everything done in this training session on this kiosk's training "
                    "service: registry entries, documents, bústia messages, deixalleria card requests "
                    "and citizen sessions. The demo data is loaded again."
                ),
                id="training-reset-warning",
            )
            yield Static("", id="training-reset-status")
            yield Button(_("Erase and reset"), id="training-reset-confirm", variant="error", classes="big")
            yield Button(_("Cancel"), id="training-reset-close", variant="primary", classes="big")

    @on(Button.Pressed, "#training-reset-confirm")
    def _confirm(self, event: Button.Pressed) -> None:
        event.stop()
        if self.running:
            return
        self.running = True
        event.button.disabled = True
        self.query_one("#training-reset-close", Button).disabled = True
        self.query_one("#training-reset-status", Static).update(_("Resetting the training data…"))
        self._reset()

    @work(thread=True, exclusive=True, exit_on_error=False, group="training-reset", description="Reset")
    def _reset(self) -> None:
        try:
            result = self.kiosk.backend.reset_training_data()
        except BackendError as exc:
            # The code only: the backend's message needs no logging, and there is no citizen data here.
            log.warning("training reset failed: %s", exc.code)
            self.post_message(self.Finished(reset_error_message(exc), ok=False))
        else:
            log.info("training data reset: erased %s", dict(result.erased))
            self.post_message(self.Finished(reset_message(result), ok=True))

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        self.running = False
        self.query_one("#training-reset-status", Static).update(plain(event.text, lines=True))
        confirm = self.query_one("#training-reset-confirm", Button)
        close = self.query_one("#training-reset-close", Button)
        close.disabled = False
        if event.ok:
            confirm.display = False
            close.label = _("Close")
        else:
            confirm.disabled = False
        close.focus()

    def action_close(self) -> None:
        if not self.running:
            self.dismiss()
