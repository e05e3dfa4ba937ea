"""Base classes every kiosk screen derives from: the training banner and the Finish bar live here, and
the rule that a screen runs only the kiosk's own actions."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, cast

from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import Button

from kiosk.i18n import _
from kiosk.services import FinishSession, KioskServices
from widgets.banner import Banner

log = logging.getLogger(__name__)

#: Tab and Shift+Tab move the focus in the app's own turn, before the keys that follow them are given to a
#: field: a terminal delivers a fast typist's keys in one read, and a Tab left to the focused field's turn
#: (Textual's screen binding) moved the focus only after the next field's text had gone into this one.
FOCUS_BINDINGS: list[BindingType] = [
    Binding("tab", "next_field", show=False, priority=True),
    Binding("shift+tab", "previous_field", show=False, priority=True),
]


def kiosk_action(screen: Screen[Any], action: str) -> bool:
    """Whether `action` is one the kiosk wrote for this screen (`action_back`, `action_close`...).

    Textual gives every screen actions of its own (`dismiss`, with a result the screen's caller trusts:
    `[@click=screen.dismiss(True)]` would answer a PIN modal; `focus`, `maximize`, `copy_text`...). The
    kiosk binds none of them, so a screen refuses every action not defined in the kiosk's code, whoever
    asks for it (a binding, or markup in a text).
    """
    method = getattr(type(screen), f"action_{action}", None)
    if method is not None and not getattr(method, "__module__", "textual").startswith("textual"):
        return True
    log.warning("screen action refused: %.40r", action)
    return False


def training_banner() -> Banner:
    return Banner(_("TRAINING MODE · test data, documents without validity"), id="training-banner")


class _KioskMixin:
    """What every kiosk screen and modal share: the kiosk's services, its actions only, the banner, and
    buttons that run one of the screen's actions."""

    #: Buttons that run one of this screen's own actions when pressed: button id -> action name (the
    #: method `action_<name>`, as a key binding to it runs it).
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {}

    @property
    def kiosk(self) -> KioskServices:
        """What this screen may ask of the kiosk (see `kiosk.services`); never the concrete app."""
        return cast(KioskServices, cast(Screen[Any], self).app)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return kiosk_action(cast(Screen[Any], self), action)

    def on_mount(self) -> None:
        self.add_chrome()

    def action_next_field(self) -> None:
        cast(Screen[Any], self).focus_next()

    def action_previous_field(self) -> None:
        cast(Screen[Any], self).focus_previous()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = self.BUTTON_ACTIONS.get(event.button.id or "")
        if action is not None:
            event.stop()
            getattr(self, f"action_{action}")()

    def add_chrome(self) -> None:
        """What the kiosk adds to every screen (again after a recompose): the training banner."""
        screen = cast(Screen[Any], self)
        if self.kiosk.settings.training and not screen.query("#training-banner"):
            screen.mount(training_banner())


class KioskScreen(_KioskMixin, Screen[Any]):
    """A full screen of the kiosk. Set `SHOW_FINISH = False` where there is no session to finish."""

    SHOW_FINISH = True
    BINDINGS: ClassVar[list[BindingType]] = FOCUS_BINDINGS

    def add_chrome(self) -> None:
        """The training banner and the Finish bar (again after a recompose)."""
        super().add_chrome()
        if self.SHOW_FINISH and not self.query("#session-bar"):
            self.mount(
                Horizontal(
                    Button(_("Finish and leave"), id="finish", variant="error", classes="finish"),
                    id="session-bar",
                )
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "finish":
            event.stop()
            self.post_message(FinishSession())


class KioskModal(_KioskMixin, ModalScreen[Any]):
    """A modal over the current screen (idle warning, staff PIN, error)."""

    BINDINGS: ClassVar[list[BindingType]] = FOCUS_BINDINGS
