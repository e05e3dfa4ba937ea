"""The `Speech` port: what the kiosk asks of a voice, whatever speaks (espeak-ng, or a recording in tests).

The kiosk is "closed functionality" (EN 301 549 5.1): the citizen cannot bring a screen reader, so the kiosk
speaks for itself. Text given to a `Speech` is plain text in the language named, never markup (SSML): what a
screen shows may come from outside the program.
"""

from __future__ import annotations

from typing import Protocol

#: The volume scale (percent of the voice's loudest); `VOLUME_STEP` per press of the volume keys.
MIN_VOLUME = 0
MAX_VOLUME = 100
VOLUME_STEP = 10


def clamp_volume(volume: int) -> int:
    return max(MIN_VOLUME, min(MAX_VOLUME, volume))


class Volume:
    """A voice's volume, kept within `MIN_VOLUME`..`MAX_VOLUME` (for the `Speech` implementations)."""

    _volume: int = 50

    @property
    def volume(self) -> int:
        return self._volume

    @volume.setter
    def volume(self, value: int) -> None:
        self._volume = clamp_volume(value)


class Speech(Protocol):
    """A voice that says one utterance at a time: a new `say` interrupts the one before."""

    @property
    def volume(self) -> int:
        """The volume of the next utterances, `MIN_VOLUME`..`MAX_VOLUME`."""
        ...

    @volume.setter
    def volume(self, value: int) -> None: ...

    def say(self, text: str, language: str) -> None:
        """Start saying `text` (plain text) in `language` (ca, es, en, fr, ro); return at once."""
        ...

    def stop(self) -> None:
        """Stop what is being said now (nothing when silent)."""
        ...

    def close(self) -> None:
        """Stop, and release what the voice holds (its subprocess)."""
        ...
