"""The print step every procedure ends with: `PrintScreen(document, title)` (i18n domain "printstep").

Push it with `app.push_screen(PrintScreen(document, title), callback)`; the callback receives the final
`printing.PrintOutcome` (`outcome.printed` is True when the paper came out).
"""

from kiosk.printstep.screen import PrintScreen, collect_text, fault_text

__all__ = ["PrintScreen", "collect_text", "fault_text"]
