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


class _HC:
    """The high-contrast palette, each colour named once (its contrast on black in brackets)."""

    WHITE = "#ffffff"  # 21:1, text
    BLACK = "#000000"  # every ground
    YELLOW = "#ffff00"  # 19.6:1, the focus, the accent and primary buttons
    CYAN = "#00ffff"  # 16.7:1
    GOLD = "#ffd700"  # 15.0:1, warnings
    PINK = "#ff9090"  # 9.6:1, errors
    GREEN = "#00e060"  # 11.8:1, success
    LIGHT_GREY = "#d0d0d0"  # 13.6:1, muted text
    GREY = "#808080"  # 5.3:1, borders without the focus
    DARK_GREY = "#3a3a3a"  # under white text (11.4:1): hover, a list cursor without the focus
    PANEL_GREY = "#1c1c1c"  # panels, under white text (17.0:1)


#: White on black (21:1); yellow (19.6:1) for the focus, the accent and primary buttons; the state colours
#: light enough for 7:1 on black, and dark text (Textual's "auto") on them as button backgrounds.
HIGH_CONTRAST = Theme(
    name=HIGH_CONTRAST_NAME,
    primary=_HC.YELLOW,
    secondary=_HC.CYAN,
    accent=_HC.YELLOW,
    warning=_HC.GOLD,
    error=_HC.PINK,
    success=_HC.GREEN,
    foreground=_HC.WHITE,
    background=_HC.BLACK,
    surface=_HC.BLACK,
    panel=_HC.PANEL_GREY,
    boost=_HC.WHITE,
    dark=True,
    text_alpha=1.0,
    variables={
        # Full-strength text everywhere: Textual's defaults fade text (87%, 60% muted), below 7:1 on colour.
        "text": "auto",
        "text-muted": _HC.LIGHT_GREY,
        "foreground-muted": _HC.LIGHT_GREY,
        "button-foreground": _HC.WHITE,
        "button-color-foreground": _HC.BLACK,
        "block-cursor-foreground": _HC.BLACK,
        "block-cursor-background": _HC.YELLOW,
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": _HC.WHITE,
        "block-cursor-blurred-background": _HC.DARK_GREY,
        "block-hover-background": _HC.DARK_GREY,
        "button-focus-text-style": "bold reverse",
        # The borders of a control without the focus: grey, 3:1 and more on black (Textual's is invisible).
        "border-blurred": _HC.GREY,
        "border": _HC.YELLOW,
        "input-cursor-background": _HC.WHITE,
        "input-cursor-foreground": _HC.BLACK,
        "input-selection-background": _HC.YELLOW,
        "input-selection-foreground": _HC.BLACK,
        "text-primary": _HC.YELLOW,
        "text-accent": _HC.YELLOW,
        "text-success": _HC.GREEN,
        "text-warning": _HC.GOLD,
        "text-error": _HC.PINK,
        "scrollbar": _HC.GREY,
        "scrollbar-hover": _HC.WHITE,
        "scrollbar-active": _HC.YELLOW,
        "scrollbar-background": _HC.BLACK,
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
