"""The kiosk's speech service: off until the citizen asks, what was said last (for "repeat"), the volume,
and "read my data"; all of it back to the defaults when a session ends (`reset`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import OptionList

from kiosk.i18n import _, current_language
from kiosk.speech.port import VOLUME_STEP, Speech, clamp_volume
from kiosk.speech.reader import (
    describe_control,
    describe_highlighted,
    highlighted,
    read_part,
    read_screen,
    speakable,
)

#: The label of the attract screen's speech control, the same in every language: a citizen who cannot
#: read the screen's current language still finds it.
LISTEN_LABEL = "Escolteu · Escuchar · Listen"


@dataclass
class SpeechToggle(Message):
    """The citizen asked for speech on or off (the attract screen's "Listen" control)."""


@dataclass
class ReadAgain(Message):
    """What the screen shows came (a list loaded after the screen appeared): read it again from the top."""


@dataclass
class ReadPart(Message):
    """A part of the screen changed after the screen was read (the catalogue's detail): read it."""

    part: Widget


class SpeechService:
    """Speaks screens, focus changes and notices through `voice` while it is on."""

    def __init__(self, voice: Speech, *, default_volume: int = 50) -> None:
        self.voice = voice
        self.default_volume = clamp_volume(default_volume)
        self.voice.volume = self.default_volume
        self.enabled = False
        #: "Read my data": the citizen's own data (names, ID numbers, addresses) is read aloud too.
        self.read_personal = False
        self.last_text = ""
        #: The focused list and where its highlight was when last said (`focused`, `highlight_moved`).
        self._highlight: tuple[int, tuple[int, ...] | None] | None = None

    # -- saying
    def say(self, text: str, *, remember: bool = True) -> None:
        """Say `text` (plain text) in the screen's language, interrupting what was being said."""
        if not self.enabled:
            return
        text = speakable(text)
        if not text:
            return
        if remember:
            self.last_text = text
        self.voice.say(text, current_language())

    def say_screen(self, screen: Screen[Any]) -> None:
        """Read `screen` from the top (what it shows now)."""
        if self.enabled:
            self._remember_highlight(screen.focused)
            self.say(read_screen(screen, read_personal=self.read_personal))

    def say_part(self, part: Widget) -> None:
        """Read the text of `part` (`ReadPart`)."""
        if self.enabled:
            self.say(read_part(part, read_personal=self.read_personal))

    def _remember_highlight(self, widget: Widget | None) -> None:
        """Where the highlight of `widget` is now (said with the screen or the focus): a later key that
        moves it is told by `highlight_moved`."""
        self._highlight = None if widget is None else (id(widget), highlighted(widget))

    def focused(self, widget: Widget) -> None:
        """The focus came to `widget`: say what it is (a list item with its place in the list; a list of
        options, a select's just opened, with how many it has)."""
        self._remember_highlight(widget)
        whole = isinstance(widget, OptionList)
        self.say(describe_control(widget, read_personal=self.read_personal, whole=whole))

    def highlight_moved(self, widget: Widget | None) -> None:
        """After a key: if the highlight of the focused list `widget` moved (the arrow keys in a radio set
        or a select's options), say the item it is on now, with its place."""
        if widget is None:
            return
        where = highlighted(widget)
        before, self._highlight = self._highlight, (id(widget), where)
        if where is None or before is None or before[0] != id(widget) or before[1] == where:
            return
        self.say(describe_highlighted(widget, read_personal=self.read_personal))

    def say_farewell(self, screen: Screen[Any]) -> None:
        """Read the screen shown after a session ended (the goodbye: take your card and your papers) to
        the citizen who had speech on, although speech is off again for the next one."""
        text = speakable(read_screen(screen))
        if text:
            self.voice.say(text, current_language())

    def stop(self) -> None:
        self.voice.stop()

    def repeat(self) -> None:
        if self.enabled and self.last_text:
            self.voice.say(self.last_text, current_language())

    # -- what the citizen changes
    def toggle(self, screen: Screen[Any] | None = None) -> bool:
        """Speech on (then `screen` is read) or off; says so either way. Whether it is on now."""
        if self.enabled:
            self.voice.stop()
            self.voice.say(_("Speech off."), current_language())
            self.enabled = False
            return False
        self.enabled = True
        text = _("Speech on.")
        if screen is not None:
            self._remember_highlight(screen.focused)
            text += " " + read_screen(screen, read_personal=self.read_personal)
        self.say(text)
        return True

    def change_volume(self, steps: int) -> None:
        self.voice.volume = clamp_volume(self.voice.volume + steps * VOLUME_STEP)
        self.say(_("Volume {volume}.").format(volume=self.voice.volume), remember=False)

    def toggle_read_personal(self) -> None:
        self.read_personal = not self.read_personal
        if self.read_personal:
            self.say(_("Your data will be read aloud. Use headphones."), remember=False)
        else:
            self.say(_("Your data will not be read aloud."), remember=False)

    def key_in_masked_field(self) -> None:
        """A key typed in the PIN or a masked field: a neutral word, never the key."""
        self.say(_("star"), remember=False)

    def reset(self) -> None:
        """The session ended: silent, off, the default volume, "read my data" off, nothing to repeat."""
        self.voice.stop()
        self.enabled = False
        self.read_personal = False
        self.voice.volume = self.default_volume
        self.last_text = ""
        self._highlight = None

    def close(self) -> None:
        self.reset()
        self.voice.close()
