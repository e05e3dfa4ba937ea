"""Identification with a card (i18n domain "login"): the card watcher's bridge and the login screens.

For the app: `bridge = install_card_watcher(app)` in `on_mount`, `bridge.stop()` in `on_unmount`, and
`@on(CardEvent) def _card(self, m): self.card_bridge.handle(m)`. A card inserted starts `LoginScreen`.
"""

from kiosk.login.bridge import CardBridge, CardEvent, install_card_watcher
from kiosk.login.screen import LoginScreen

__all__ = ["CardBridge", "CardEvent", "LoginScreen", "install_card_watcher"]
