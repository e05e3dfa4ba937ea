"""Identification with a card (i18n domain "login"): the card watcher's bridge and the login screens.

For the app: `bridge = install_card_watcher(app)` in `on_mount`, `bridge.stop()` in `on_unmount`, and
`@on(CardEvent) def _card(self, m): self.card_bridge.handle(m)`. A card inserted starts `LoginScreen`.

`LoginScreen` is imported on first use (`from kiosk.login import LoginScreen` works as before): the
attract screen's first frame needs neither it nor what it imports (the backend client, eid.identity);
the bridge builds the first one ahead, a moment after start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.login.bridge import CardBridge, CardEvent, install_card_watcher

if TYPE_CHECKING:
    from kiosk.login.screen import LoginScreen

__all__ = ["CardBridge", "CardEvent", "LoginScreen", "install_card_watcher"]


def __getattr__(name: str) -> object:
    if name == "LoginScreen":
        from kiosk.login.screen import LoginScreen

        return LoginScreen
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
