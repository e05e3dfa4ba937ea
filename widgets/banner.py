"""A full-width banner docked at the top of a screen (the training-mode "MODE FORMACIÓ" stripe)."""

from __future__ import annotations

from textual.widgets import Static


class Banner(Static):
    """One line of text across the screen; style it by class in the app's stylesheet."""

    DEFAULT_CSS = """
    Banner {
        dock: top;
        width: 100%;
        height: 1;
        content-align: center middle;
        text-style: bold;
    }
    """
