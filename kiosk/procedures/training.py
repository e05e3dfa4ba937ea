"""Training mode for workshops and demonstrations: the staff menu's "Test cards" button and its screen,
where a trainer inserts a test card into the kiosk's (virtual) reader, or takes it out.

The app adds the button with `training_buttons(app)` from `staff_extra_buttons()`; it is there only in
training mode. The test cards are the eID part's (`eid.testcards.control`, the daemon `make demo`
starts); when they are not running the screen says so instead of failing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from eid.errors import EidError
from eid.testcards.control import TestCardControl, TestCardInfo
from eid.testcards.vpcd import VPCD_READERS
from kiosk.i18n import _
from kiosk.screens.base import KioskModal

if TYPE_CHECKING:
    from kiosk.app import KioskApp


def training_buttons(app: KioskApp) -> list[Widget]:
    """The staff menu's extra buttons (none outside training mode)."""
    if not app.settings.training:
        return []
    return [TestCardsButton()]


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
                    yield Button(label, id=f"insert-{card.name}", classes="choice")
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
                _("The test cards are not running here (start the kiosk with `make demo`).")
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
            self.query_one("#testcards-status", Static).update(event.error)
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
