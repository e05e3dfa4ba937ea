"""The PIN pad widget on its own: masked, 8–16 letters or digits, keys and keyboard, Backspace, no paste."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual import events, on
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from widgets.pinpad import KEY_HEIGHT, MAX_LENGTH, SUBMIT_REDRAW_DELAY, PinKeys, PinPad


class PadApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield PinPad(id="pad")

    def on_mount(self) -> None:
        self.query_one(PinPad).focus()

    @on(PinPad.Submitted)
    def _submitted(self, message: PinPad.Submitted) -> None:
        self.submitted.append(message.pin)


@asynccontextmanager
async def _pad() -> AsyncIterator[tuple[PadApp, Pilot[None]]]:
    """The pad on its own in an app of 100x40, running headless."""
    app = PadApp()
    async with app.run_test(size=(100, 40)) as pilot:
        yield app, pilot


def _label_row(keys: PinKeys, name: str) -> int:
    """The line the label of key `name` is drawn on (the middle one of the key's three)."""
    return keys.key_named(name).y + 1


def _dots(app: PadApp) -> str:
    return str(app.query_one("#pin-dots", Static).render())


async def _click_key(pilot: Pilot[None], name: str) -> None:
    """Click the middle of the key shown as `name`, where a finger would touch it."""
    keys = pilot.app.query_one(PinKeys)
    await pilot.click(keys, offset=keys.key_offset(name))


def _key_text(keys: PinKeys) -> list[str]:
    return [keys.render_line(y).text for y in range(keys.size.height)]


async def test_typing_masks_and_submits() -> None:
    async with _pad() as (app, pilot):
        await pilot.press(*"Ab3", "enter")  # too short: nothing is submitted
        assert app.submitted == []
        await pilot.press(*"de5!6-78", "backspace", "8", "enter")  # '!' and '-' are refused
        await pilot.pause()
        assert app.submitted == ["Ab3de5678"]
        pad = app.query_one(PinPad)
        assert pad.length == 0  # cleared after submitting
        assert "A" not in _dots(app) and "Ab3" not in repr(pad)


async def test_maximum_length_and_on_screen_keys() -> None:
    async with _pad() as (app, pilot):
        for _ in range(MAX_LENGTH + 3):
            await _click_key(pilot, "7")  # as fast as Pilot clicks: none may be lost
        pad = app.query_one(PinPad)
        assert pad.length == MAX_LENGTH
        assert _dots(app).count("●") == MAX_LENGTH
        await _click_key(pilot, "backspace")
        assert pad.length == MAX_LENGTH - 1
        await _click_key(pilot, "upper")
        await pilot.pause()
        assert pad.layout_name == "upper"
        await _click_key(pilot, "Q")
        await _click_key(pilot, "ok")
        await pilot.pause()
        assert app.submitted == ["7" * (MAX_LENGTH - 1) + "Q"]


async def test_paste_is_refused() -> None:
    async with _pad() as (app, pilot):
        pad = app.query_one(PinPad)
        pad.post_message(events.Paste("Prova2026"))
        await pilot.pause()
        assert pad.length == 0
        assert "Prova2026" not in repr(PinPad.Submitted("Prova2026"))


async def test_ok_key_looks_disabled_until_the_pin_is_long_enough() -> None:
    async with _pad() as (app, pilot):
        keys = app.query_one(PinKeys)
        ok_row = _label_row(keys, "ok")
        disabled = keys.render_line(ok_row)
        assert not keys.ok_enabled
        await pilot.press(*"1234567")
        assert not keys.ok_enabled
        await _click_key(pilot, "ok")  # a click on a disabled OK submits nothing
        await pilot.press("8")
        assert keys.ok_enabled
        assert keys.render_line(ok_row) != disabled  # drawn in other colours
        await pilot.press("enter")
        await pilot.pause()
        assert app.submitted == ["12345678"]
        await pilot.pause(SUBMIT_REDRAW_DELAY + 0.1)  # the emptied field is drawn a moment later
        assert not keys.ok_enabled and "●" not in _dots(app)
        assert app.focused is not None and app.focused.id == "pin-dots"  # the pad's field has the focus


async def test_every_key_is_drawn_where_it_is_clicked() -> None:
    async with _pad() as (app, pilot):
        keys = app.query_one(PinKeys)
        pad = app.query_one(PinPad)
        for layout, chars in (("digits", "1234567890"), ("lower", "abcdefghijklmnopqrstuvwxyz")):
            if layout != "digits":
                await _click_key(pilot, layout)
                await pilot.pause()
            text = _key_text(keys)
            assert keys.size.width <= 80 and keys.size.height == len(text)
            for char in chars:
                key = keys.key_named(char)
                assert key.width >= 7 and KEY_HEIGHT == 3  # large enough for a finger
                assert text[key.y + 1][key.x : key.x + key.width].strip() == char
                assert keys.key_at(*keys.key_offset(char)) == key
        for name in ("digits", "upper", "backspace", "ok"):
            key = keys.key_named(name)
            assert text[key.y + 1][key.x : key.x + key.width].strip() == key.label
        # The gap between two keys is no key: a touch there types nothing.
        first = keys.key_named("a")
        assert keys.key_at(first.x + first.width, first.y + 1) is None
        await pilot.click(keys, offset=(first.x + first.width, first.y + 1))
        assert pad.length == 0


async def test_the_key_under_the_pointer_is_highlighted() -> None:
    async with _pad() as (app, pilot):
        keys = app.query_one(PinKeys)
        row = _label_row(keys, "5")
        plain = keys.render_line(row)
        await pilot.hover(keys, offset=keys.key_offset("5"))
        await pilot.pause()
        assert keys.render_line(row) != plain
        assert keys.render_line(row).text == plain.text  # the same labels, other colours
        await pilot.hover(keys, offset=keys.key_offset("upper"))
        await pilot.pause()
        assert keys.render_line(row) == plain
