"""The attract screen: what the kiosk is for, "insert your card or touch to start", and the language."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.i18n import LANGUAGE_NAMES, _, current_language
from kiosk.screens.base import KioskScreen
from kiosk.services import LanguageChosen, StartVisit
from widgets.plain import plain


class AttractScreen(KioskScreen):
    """Shown whenever nobody is using the kiosk. Holds no citizen data, ever."""

    SHOW_FINISH = False

    def compose(self) -> ComposeResult:
        settings = self.kiosk.settings
        with Vertical(id="attract"):
            yield Static(_("Ajuntament de Mataró"), id="city")
            yield Static(plain(settings.kiosk.name), id="kiosk-name")
            yield Static(_("Here you can:"), classes="lead")
            yield Static(
                plain(
                    "\n".join(
                        "• " + item
                        for item in (
                            _("get your volant or certificat de padró"),
                            _("present an instància with your documents"),
                            _("see your deixalleria visits and the waste-tax bonus"),
                            _("send a complaint or a suggestion"),
                            _("see every procedure of the city and what it needs"),
                        )
                    ),
                    lines=True,
                ),
                id="can-do",
            )
            yield Static(_("Insert your card, or touch the screen to start"), id="start-hint")
            with Center():
                yield Button(_("Start"), id="start", variant="success", classes="big")
            with Horizontal(id="languages"):
                for code in settings.ui.languages:
                    yield Button(
                        plain(LANGUAGE_NAMES[code]),
                        id=f"lang-{code}",
                        classes="lang -current" if code == current_language() else "lang",
                    )

    @on(Button.Pressed, "#start")
    def _start(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(StartVisit())

    @on(Button.Pressed, ".lang")
    def _language(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.post_message(LanguageChosen(event.button.id.removeprefix("lang-")))

    def on_click(self) -> None:
        # A touch anywhere that is not a button starts too ("touch the screen to start").
        self.post_message(StartVisit())
