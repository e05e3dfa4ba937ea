"""Base classes every kiosk screen derives from: the training banner and the Finish bar live here, and
the rule that a screen runs only the kiosk's own actions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import Button

from kiosk.i18n import _
from widgets.banner import Banner

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)


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
    @property
    def kiosk(self) -> KioskApp:
        from kiosk.app import KioskApp

        return cast(KioskApp, cast(Any, self).app)

    def _add_banner(self) -> None:
        screen = cast(Screen[Any], self)
        if self.kiosk.settings.training and not screen.query("#training-banner"):
            screen.mount(training_banner())


class KioskScreen(Screen[Any], _KioskMixin):
    """A full screen of the kiosk. Set `SHOW_FINISH = False` where there is no session to finish."""

    SHOW_FINISH = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return kiosk_action(self, action)

    def on_mount(self) -> None:
        self.add_chrome()

    def add_chrome(self) -> None:
        """The training banner and the Finish bar (again after a recompose)."""
        self._add_banner()
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
            self.kiosk.finish_session()


class KioskModal(ModalScreen[Any], _KioskMixin):
    """A modal over the current screen (idle warning, staff PIN, error)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return kiosk_action(self, action)

    def on_mount(self) -> None:
        self.add_chrome()

    def add_chrome(self) -> None:
        self._add_banner()
