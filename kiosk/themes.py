"""The kiosk's themes and its low-vision modes (WCAG 2.2 1.4.6, 1.4.11, 1.4.1; EN 301 549 5.1.4).

`HIGH_CONTRAST` is a Textual theme: white on black, yellow for what has the focus, every colour a citizen
reads against black at least 7:1 (tests/unit/shell/test_contrast.py computes every pair). The shapes that
make the focus and a chosen option visible without colour (a thick border, a dot) are in
kiosk/styles/low_vision.tcss, under the App classes `-high-contrast` and `-large-text`.

`LowVision` is what the citizen chose on the attract screen for this session only: the app applies it
(`apply`) and puts it back to the default when the session ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.message import Message
from textual.theme import Theme

#: The kiosk's usual theme (Textual's own).
DEFAULT_THEME = "textual-dark"
HIGH_CONTRAST_NAME = "ovac-high-contrast"
#: The App classes the low-vision CSS rules hang from.
HIGH_CONTRAST_CLASS = "-high-contrast"
LARGE_TEXT_CLASS = "-large-text"

#: White on black (21:1); yellow (19.6:1) for the focus, the accent and primary buttons; the state colours
#: light enough for 7:1 on black, and dark text (Textual's "auto") on them as button backgrounds.
HIGH_CONTRAST = Theme(
    name=HIGH_CONTRAST_NAME,
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffd700",
    error="#ff9090",
    success="#00e060",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1c1c1c",
    boost="#ffffff",
    dark=True,
    text_alpha=1.0,
    variables={
        # Full-strength text everywhere: Textual's defaults fade text (87%, 60% muted), below 7:1 on colour.
        "text": "auto",
        "text-muted": "#d0d0d0",
        "foreground-muted": "#d0d0d0",
        "button-foreground": "#ffffff",
        "button-color-foreground": "#000000",
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#ffff00",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": "#ffffff",
        "block-cursor-blurred-background": "#3a3a3a",
        "block-hover-background": "#3a3a3a",
        "button-focus-text-style": "bold reverse",
        # The borders of a control without the focus: grey, 3:1 and more on black (Textual's is invisible).
        "border-blurred": "#808080",
        "border": "#ffff00",
        "input-cursor-background": "#ffffff",
        "input-cursor-foreground": "#000000",
        "input-selection-background": "#ffff00",
        "input-selection-foreground": "#000000",
        "text-primary": "#ffff00",
        "text-accent": "#ffff00",
        "text-success": "#00e060",
        "text-warning": "#ffd700",
        "text-error": "#ff9090",
        "scrollbar": "#808080",
        "scrollbar-hover": "#ffffff",
        "scrollbar-active": "#ffff00",
        "scrollbar-background": "#000000",
    },
)


@dataclass(frozen=True)
class LowVision:
    """The low-vision modes of one session (both off when a session starts)."""

    high_contrast: bool = False
    large_text: bool = False

    @property
    def any(self) -> bool:
        return self.high_contrast or self.large_text


def register(app: App[Any]) -> None:
    """Make the high-contrast theme available to `app` (once, before it is used)."""
    app.register_theme(HIGH_CONTRAST)


def apply(app: App[Any], modes: LowVision) -> None:
    """Show `app` in the theme and the classes of `modes`."""
    app.theme = HIGH_CONTRAST_NAME if modes.high_contrast else DEFAULT_THEME
    app.set_class(modes.high_contrast, HIGH_CONTRAST_CLASS)
    app.set_class(modes.large_text, LARGE_TEXT_CLASS)


@dataclass
class LowVisionChosen(Message):
    """The citizen turned a low-vision mode on or off (the attract screen's buttons): `modes` from now."""

    modes: LowVision
