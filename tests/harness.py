"""How the tests build and drive the kiosk: one app factory, one driver over Textual's Pilot.

    app = make_app(settings, backend=client, printer=FolderPrinter(folder), cards=tokens)
    async with drive(app, size=(100, 30)) as kiosk:
        await kiosk.click("#start")
        await kiosk.wait_screen(CatalogueScreen)
        await kiosk.type("volant", into="#catalogue-search")
        await kiosk.wait_for("Volant de padró")
        assert "Volant" in kiosk.text()

Public Textual API only: what is on screen is read from `App.export_screenshot()` (the SVG the app
exports, the modals and the screens they dim included), never from a screen's compositor.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rich.cells import cell_len
from textual import events
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from eid.token import TokenProvider
from kiosk.app import KioskApp
from kiosk.backend.client import BackendClient
from kiosk.cli import card_provider
from kiosk.config import Settings
from printing.printers import Printer

S = TypeVar("S", bound=Screen[Any])

#: Seconds a wait gives the app before the test fails (the machine may be busy with other tests).
TIMEOUT = 15.0
_POLL = 0.05


def make_app(
    settings: Settings,
    *,
    backend: BackendClient | None = None,
    printer: Printer | None = None,
    cards: TokenProvider | None = None,
    watch_cards: bool = True,
    worker_threads: int | None = None,
) -> KioskApp:
    """The kiosk with its collaborators (those not given are the ones `settings` describes; the cards as
    the `kiosk` command picks them: `kiosk.cli.card_provider`). `worker_threads`: as `kiosk` runs it
    (`kiosk.cli.WORKER_THREADS`), not in the test loop's default executor."""
    if cards is None:
        cards = card_provider(settings)
    return KioskApp(
        settings,
        watch_cards=watch_cards,
        backend=backend,
        printer=printer,
        cards=cards,
        worker_threads=worker_threads,
    )


@asynccontextmanager
async def drive(
    app: KioskApp,
    *,
    size: tuple[int, int] = (100, 30),
    message_hook: Callable[[Message], None] | None = None,
) -> AsyncIterator[Driver]:
    """Run `app` headless (`App.run_test`) and hand back a `Driver` over its Pilot."""
    async with app.run_test(size=size, message_hook=message_hook) as pilot:
        yield Driver(pilot)


# The SVG that rich writes for a screenshot: one <text> per run of characters, placed at x = column *
# char_width, its line named by its clip path.
_SVG_TEXT = re.compile(
    r'<text [^>]*?x="(?P<x>[0-9.]+)" [^>]*?textLength="(?P<length>[0-9.]+)" '
    r'[^>]*?clip-path="url\(#[^)]*?-line-(?P<line>\d+)\)"[^>]*>(?P<text>.*?)</text>',
    re.DOTALL,
)


def svg_text(svg: str, width: int, height: int) -> str:
    """The characters of a rich SVG export, line by line (runs of spaces, which rich leaves out, kept)."""
    rows: list[list[str]] = [[" "] * width for _ in range(height)]
    for match in _SVG_TEXT.finditer(svg):
        text = html.unescape(match["text"]).replace("\xa0", " ")
        if not text:
            continue
        char_width = float(match["length"]) / len(text)
        line = int(match["line"])
        if line >= height:
            continue
        column = round(float(match["x"]) / char_width)
        row = rows[line]
        for char in text:
            if 0 <= column < width:
                row[column] = char
                for extra in range(1, cell_len(char)):  # a wide character covers the next cells
                    if column + extra < width:
                        row[column + extra] = ""
            column += max(cell_len(char), 1)
    return "\n".join("".join(row).rstrip() for row in rows)


def burst_keys(text: str) -> list[events.Key]:
    """The key events a terminal's one read of `text` gives (a tab character is the Tab key)."""
    return [events.Key("tab", "\t") if ch == "\t" else events.Key(ch, ch) for ch in text]


class Driver:
    """Drives one running kiosk as a citizen would: touches, keys, and waits for what the screen shows."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot

    @property
    def app(self) -> KioskApp:
        app = self.pilot.app
        assert isinstance(app, KioskApp)
        return app

    @property
    def screen(self) -> Screen[Any]:
        return self.app.screen

    # ------------------------------------------------------------------ what is shown
    def text(self) -> str:
        """What the terminal shows now, line by line: the top screen and the screens a modal leaves seen."""
        width, height = self.app.size
        return svg_text(self.app.export_screenshot(), width, height)

    def words(self) -> str:
        """`text()` with every run of whitespace as one space, so that wrapped sentences can be found."""
        return " ".join(self.text().split())

    def where(self, text: str) -> tuple[int, int]:
        """The screen cell (x, y) where `text` starts (it must be on one line): where to touch it."""
        shown = self.text()
        for y, line in enumerate(shown.splitlines()):
            x = line.find(text)
            if x >= 0:
                return cell_len(line[:x]), y
        raise AssertionError(f"{text!r} is not on one line of the screen:\n{shown}")

    def text_of(self, selector: str) -> str:
        """The text a Static of the current screen holds (also when it is scrolled out of view)."""
        return str(self.screen.query_one(selector, Static).content)

    def value(self, selector: str) -> str:
        """What a text field of the current screen holds (an Input's or a TextArea's text)."""
        return _value(self.screen.query_one(selector))

    def shown(self, selector: str) -> bool:
        """A widget matching `selector` is on the current screen, displayed and laid out."""
        found = self.screen.query(selector)
        if not found:
            return False
        widget = found.first()
        return bool(widget.display) and widget.region.area > 0

    # ------------------------------------------------------------------ waits
    async def pause(self, delay: float | None = None) -> None:
        await self.pilot.pause(delay)

    async def wait_for(
        self,
        condition: str | Callable[[], object],
        timeout: float = TIMEOUT,
        *,
        words: bool = False,
        what: str = "",
    ) -> str:
        """Pause the app until `condition` holds: a text on screen (`words=True`: across line wraps) or a
        callable that returns something true. Then let the app draw once more; return the screen's text
        (`words()` with `words=True`)."""
        met: Callable[[], object]
        if isinstance(condition, str):
            wanted = " ".join(condition.split()) if words else condition

            def shows() -> bool:
                return wanted in (self.words() if words else self.text())

            met, what = shows, what or repr(condition)
        else:
            met, what = condition, what or getattr(condition, "__name__", "the condition")
        deadline = time.monotonic() + timeout
        while not met():
            if time.monotonic() > deadline:
                stack = [type(s).__name__ for s in self.app.screen_stack]
                raise AssertionError(
                    f"timed out waiting for {what}; screens {stack}; the screen shows:\n{self.text()}"
                )
            await self.pilot.pause(_POLL)
        await self.pilot.pause()
        return self.words() if words else self.text()

    async def wait_gone(self, text: str, timeout: float = TIMEOUT) -> str:
        """Pause the app until `text` is no longer on screen."""
        return await self.wait_for(lambda: text not in self.text(), timeout, what=f"{text!r} to go")

    async def wait_screen(self, kind: type[S], timeout: float = TIMEOUT) -> S:
        """Pause the app until the current screen is a `kind`; return it."""
        await self.wait_for(lambda: isinstance(self.app.screen, kind), timeout, what=kind.__name__)
        screen = self.app.screen
        assert isinstance(screen, kind)
        return screen

    async def wait_widget(self, selector: str, timeout: float = TIMEOUT) -> Widget:
        """Pause the app until a widget matching `selector` is shown on the current screen; return it."""
        await self.wait_for(lambda: self.shown(selector), timeout, what=selector)
        return self.screen.query_one(selector)

    # ------------------------------------------------------------------ acting
    async def burst(self, text: str, focused: str) -> None:
        """Keys as a terminal's one read of `text` gives them (`burst_keys`), once the field `focused` has
        the focus: all posted at once, no pause in between; back once that field has a value and the
        burst has been handled."""
        screen = self.screen
        await self.wait_for(lambda: screen.focused is screen.query_one(focused))
        for key in burst_keys(text):
            self.app.post_message(key)
        await self.wait_for(lambda: screen.query_one(focused, Input).value, timeout=3)
        await self.pause(0.3)

    async def press(self, *keys: str) -> None:
        """Press keys (Textual key names: "enter", "tab", "a", "ctrl+f12")."""
        await self.pilot.press(*keys)

    async def type(self, text: str, into: str | None = None) -> None:
        """Type `text` key by key (a newline is Enter), into the field `into` (focused first) or into
        whatever has the focus; with a field, wait until it holds what was typed."""
        widget = None
        if into is not None:
            widget = await self.wait_widget(into)
            widget.focus()
            await self.pilot.pause()
        for char in text:
            await self.pilot.press("enter" if char == "\n" else char)
        if widget is not None:
            field = widget
            await self.wait_for(lambda: _value(field).endswith(text), what=f"the typing into {into}")
        else:
            await self.pilot.pause()

    async def clear(self, field: str) -> None:
        """Empty a text field (an Input or a TextArea) of the current screen."""
        widget = self.screen.query_one(field)
        assert isinstance(widget, Input | TextArea), f"{field} is not a text field"
        widget.clear()
        await self.pilot.pause()

    async def paste(self, text: str, into: str) -> None:
        """Paste `text` into the field (a long text, or characters no key sends)."""
        widget = await self.wait_widget(into)
        widget.focus()
        await self.pilot.pause()
        # To the app, as the terminal's driver does: the app hands it to the focused widget. Posted to a
        # TextArea itself, it would bubble up to the app and be pasted a second time.
        self.app.post_message(events.Paste(text))
        await self.wait_for(lambda: text.replace("\r", "") in _value(widget), what=f"the paste into {into}")

    async def click(
        self,
        target: str | Widget | None = None,
        *,
        offset: tuple[int, int] = (0, 0),
        timeout: float = TIMEOUT,
    ) -> None:
        """Touch a widget where it is on screen, once it is shown (scrolled into view first), `offset`
        cells from its top left corner; with no widget, touch the screen at `offset`."""
        if isinstance(target, str):
            widget: Widget | None = await self.wait_widget(target, timeout=timeout)
        else:
            widget = target
        if widget is not None:
            shown = widget
            laid_out = lambda: bool(shown.display) and shown.region.area > 0  # noqa: E731
            await self.wait_for(laid_out, timeout, what=str(widget))
            widget.scroll_visible(animate=False)
            await self.pilot.pause()
        await self.pilot.click(widget, offset=offset)
        await self.pilot.pause()


def _value(widget: Widget) -> str:
    text = getattr(widget, "value", None)
    if text is None:
        text = getattr(widget, "text", "")
    return str(text)
