"""One kiosk for many hypothesis examples: the app runs headless (`tests.harness.drive`) in an event loop
of its own thread, and the examples, which hypothesis runs as plain functions, hand it coroutines.

    with Running(app) as kiosk:
        kiosk.run(begin(kiosk.driver, "bustia", MessageStep))

        @fuzz(50)
        @given(hostile_text())
        def example(text: str) -> None:
            kiosk.run(put(kiosk.driver, "#f-topic", text))
            kiosk.check()

        example()

Starting a kiosk takes seconds; an example takes milliseconds, so a fuzz test starts one kiosk and resets
the form between examples.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
import unicodedata
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea

from kiosk.app import KioskApp
from tests.harness import Driver, drive

T = TypeVar("T")

#: Seconds one step of an example may take before the test fails.
STEP_TIMEOUT = 30.0


class Running:
    """A kiosk running in a thread of its own, driven from the test's thread."""

    def __init__(self, app: KioskApp, size: tuple[int, int] = (100, 40)) -> None:
        self.app = app
        self.size = size
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="fuzzed-kiosk", daemon=True)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._driver: Driver | None = None
        self._failure: BaseException | None = None
        self._context: contextvars.Context | None = None

    @property
    def driver(self) -> Driver:
        assert self._driver is not None, "the kiosk is not running"
        return self._driver

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            self._failure = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with drive(self.app, size=self.size) as driver:
            self._driver = driver
            # The steps run in the app's context (Textual's active app is a context variable).
            self._context = contextvars.copy_context()
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> Running:
        self._thread.start()
        self._ready.wait(STEP_TIMEOUT)
        if self._failure is not None:
            raise self._failure
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STEP_TIMEOUT)
        self._loop.close()
        if self._failure is not None and kind is None:
            raise self._failure

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        """Run `step` in the kiosk's loop; its result (or its exception, raised here)."""
        assert self._context is not None, "the kiosk is not running"
        context = self._context
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def finished(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                done.cancel()
            elif task.exception() is not None:
                done.set_exception(task.exception())
            else:
                done.set_result(task.result())

        def start() -> None:
            self._loop.create_task(step, context=context.copy()).add_done_callback(finished)

        self._loop.call_soon_threadsafe(start)
        return done.result(STEP_TIMEOUT)


async def put(driver: Driver, selector: str, text: str, keys: str = "") -> None:
    """Empty the field `selector`, paste `text` into it (as the terminal's driver hands a paste to the
    app), then type `keys` (printable characters, one key event each, as a terminal's read gives them)."""
    widget = driver.screen.query_one(selector)
    assert isinstance(widget, Input | TextArea)
    widget.focus()
    # A change first, so that the field's message is the one of an emptied field even when it was empty
    # (the "required" that Next showed stays until the citizen types).
    if isinstance(widget, Input):
        widget.insert_text_at_cursor("0")  # a digit: every field takes one
    else:
        widget.insert("0")
    widget.clear()
    if text:
        driver.app.post_message(events.Paste(text))
    for char in keys:
        driver.app.post_message(events.Key(char, char))
    await settle(driver, lambda: _synced(driver, widget), rounds=4)


def _synced(driver: Driver, widget: Input | TextArea) -> bool:
    """The step's state holds what the field holds (its Changed handled)."""
    held = widget.value if isinstance(widget, Input) else widget.text
    state = getattr(driver.screen, "flow", None)
    name = (widget.id or "").removeprefix("f-")
    return state is None or getattr(state.state, name, held) == held


async def settle(driver: Driver, done: Callable[[], bool] = lambda: True, rounds: int = 3) -> None:
    """Let the app handle what was posted (and what that posts in turn, `rounds` deep), then until `done`.
    Cheaper than `Pilot.pause()`, which waits for the whole process to be idle."""
    for _ in range(rounds):
        await driver.pause(0)
    for _ in range(200):
        if done():
            return
        await driver.pause(0.01)
    raise AssertionError("the app did not take what was typed")


async def press(driver: Driver, key: str) -> None:
    """One key, as the terminal sends it, handled."""
    driver.app.post_message(events.Key(key, None))
    await settle(driver, rounds=4)


#: What may stand on a screen that shows only text: no control, no format character, no surrogate.
_HIDDEN = frozenset({"Cc", "Cf", "Cs"})


def hidden_characters(text: str) -> list[str]:
    """The characters of `text` that a terminal would take as a control (a line break aside)."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in _HIDDEN]


def drawn(widget: Widget) -> tuple[str, list[str]]:
    """What `widget` draws, line by line, and the links or actions in its styles (markup acted on)."""
    lines: list[str] = []
    acted: list[str] = []
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        lines.append(strip.text)
        for segment in strip:
            style = segment.style
            if style is not None and (style.link or style.meta):
                acted.append(f"{segment.text!r}: link={style.link!r} meta={style.meta!r}")
    return "\n".join(lines), acted
