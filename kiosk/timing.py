"""How long a citizen may stay idle before the session is wiped (WCAG 2.2 2.2.1 Timing Adjustable).

The kiosk must wipe an abandoned session (privacy), so the time limit cannot be turned off; WCAG allows
that when the citizen is warned, given at least 20 seconds to answer with one simple action, and may
extend at least ten times. Here the shipped settings give the warning at least `MIN_WARNING_SECONDS`
(90 s idle, then 30 s: tests/unit/shell/test_timing.py checks every shipped config), "more time"
(one key or one touch) may be asked for as often as the citizen wants (counted, and logged past
`MIN_EXTENSIONS`), and whoever turned speech or a low-vision mode on gets `SLOWER_FACTOR` times as long.
"""

from __future__ import annotations

from dataclasses import dataclass

#: WCAG 2.2.1: the citizen has at least 20 seconds to answer the warning.
MIN_WARNING_SECONDS = 20.0
#: WCAG 2.2.1: at least ten extensions (the kiosk never refuses one).
MIN_EXTENSIONS = 10
#: Speech on, large text or high contrast: reading (or listening to) a screen takes longer.
SLOWER_FACTOR = 2.0


@dataclass(frozen=True)
class IdleTimes:
    """Seconds without activity before the warning, and seconds the warning stays before the wipe."""

    before_warning: float
    warning: float


def idle_times(before_warning: float, warning: float, *, slower: bool = False) -> IdleTimes:
    """The idle times for a session from the configured ones (`[ui] idle_warning_seconds` and
    `idle_wipe_seconds`): both `SLOWER_FACTOR` times longer when `slower`."""
    factor = SLOWER_FACTOR if slower else 1.0
    return IdleTimes(before_warning * factor, warning * factor)
