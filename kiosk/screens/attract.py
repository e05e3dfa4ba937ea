"""The attract screen: what the kiosk is for, "insert your card or touch to start", and the language."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.i18n import LANGUAGE_NAMES, _, current_language
from kiosk.screens.base import KioskScreen
from kiosk.services import LanguageChosen, StartVisit
from kiosk.speech import LISTEN_LABEL, SpeechToggle
from kiosk.themes import LowVision, LowVisionChosen
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
            with Center():
                # Speech on/off; its label in three languages, for whoever cannot read this one.
                yield Button(plain(LISTEN_LABEL), id="listen", variant="primary", classes="big")
            with Horizontal(id="languages"):
                for code in settings.ui.languages:
                    yield Button(
                        plain(LANGUAGE_NAMES[code]),
                        id=f"lang-{code}",
                        classes="lang -current" if code == current_language() else "lang",
                    )
            modes = self.kiosk.low_vision
            with Horizontal(id="low-vision"):
                # The state is in the text too ("on"/"off"), not in the colour alone.
                yield Button(
                    _("High contrast: on") if modes.high_contrast else _("High contrast: off"),
                    id="high-contrast",
                    classes="low-vision -on" if modes.high_contrast else "low-vision",
                )
                yield Button(
                    _("Large text: on") if modes.large_text else _("Large text: off"),
                    id="large-text",
                    classes="low-vision -on" if modes.large_text else "low-vision",
                )

    @on(Button.Pressed, "#start")
    def _start(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(StartVisit())

    @on(Button.Pressed, "#listen")
    def _listen(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(SpeechToggle())

    @on(Button.Pressed, ".lang")
    def _language(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.post_message(LanguageChosen(event.button.id.removeprefix("lang-")))

    @on(Button.Pressed, ".low-vision")
    def _low_vision(self, event: Button.Pressed) -> None:
        event.stop()
        modes = self.kiosk.low_vision
        if event.button.id == "high-contrast":
            modes = LowVision(high_contrast=not modes.high_contrast, large_text=modes.large_text)
        else:
            modes = LowVision(high_contrast=modes.high_contrast, large_text=not modes.large_text)
        self.post_message(LowVisionChosen(modes))
        self._show_low_vision(modes)

    def _show_low_vision(self, modes: LowVision) -> None:
        contrast = self.query_one("#high-contrast", Button)
        contrast.label = _("High contrast: on") if modes.high_contrast else _("High contrast: off")
        contrast.set_class(modes.high_contrast, "-on")
        large = self.query_one("#large-text", Button)
        large.label = _("Large text: on") if modes.large_text else _("Large text: off")
        large.set_class(modes.large_text, "-on")

    def on_click(self) -> None:
        # A touch anywhere that is not a button starts too ("touch the screen to start").
        self.post_message(StartVisit())
