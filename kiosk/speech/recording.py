"""A `Speech` that keeps what it was asked to say, for tests (and for a kiosk with no audio output)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.speech.port import Volume


@dataclass(frozen=True)
class Utterance:
    text: str
    language: str
    volume: int


class RecordingSpeech(Volume):
    """Every utterance in order (`utterances`), and how many times speech was stopped (`stops`)."""

    def __init__(self, volume: int = 50) -> None:
        self.volume = volume
        self.utterances: list[Utterance] = []
        self.stops = 0
        self.closed = False

    def say(self, text: str, language: str) -> None:
        self.utterances.append(Utterance(text, language, self.volume))

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        self.closed = True

    # -- for assertions
    @property
    def spoken(self) -> str:
        """Everything said, one utterance a line."""
        return "\n".join(u.text for u in self.utterances)

    @property
    def last(self) -> Utterance | None:
        return self.utterances[-1] if self.utterances else None

    def clear(self) -> None:
        self.utterances.clear()
        self.stops = 0
