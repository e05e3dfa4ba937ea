"""The PIN pad widget on its own: masked, 8–16 letters or digits, keys and keyboard, Backspace, no paste."""

from __future__ import annotations

from textual import events, on
from textual.app import App, ComposeResult
from textual.widgets import Static

from widgets.pinpad import MAX_LENGTH, PinPad


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


def _dots(app: PadApp) -> str:
    return str(app.query_one("#pin-dots", Static).render())


async def test_typing_masks_and_submits() -> None:
    app = PadApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(*"Ab3", "enter")  # too short: nothing is submitted
        assert app.submitted == []
        await pilot.press(*"de5!6-78", "backspace", "8", "enter")  # '!' and '-' are refused
        await pilot.pause()
        assert app.submitted == ["Ab3de5678"]
        pad = app.query_one(PinPad)
        assert pad.length == 0  # cleared after submitting
        assert "A" not in _dots(app) and "Ab3" not in repr(pad)


async def test_maximum_length_and_on_screen_keys() -> None:
    app = PadApp()
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(MAX_LENGTH + 3):
            await pilot.click("#pin-key-digits-7")  # as fast as Pilot clicks: none may be lost
        pad = app.query_one(PinPad)
        assert pad.length == MAX_LENGTH
        assert _dots(app).count("●") == MAX_LENGTH
        await pilot.click("#pin-backspace")
        assert pad.length == MAX_LENGTH - 1
        await pilot.click("#pin-layout-upper")
        await pilot.pause()
        await pilot.click("#pin-key-upper-Q")
        await pilot.click("#pin-ok")
        await pilot.pause()
        assert app.submitted == ["7" * (MAX_LENGTH - 1) + "Q"]


async def test_paste_is_refused() -> None:
    app = PadApp()
    async with app.run_test(size=(100, 40)) as pilot:
        pad = app.query_one(PinPad)
        pad.post_message(events.Paste("Prova2026"))
        await pilot.pause()
        assert pad.length == 0
        assert "Prova2026" not in repr(PinPad.Submitted("Prova2026"))


async def test_ok_key_looks_disabled_until_the_pin_is_long_enough() -> None:
    app = PadApp()
    async with app.run_test(size=(100, 40)) as pilot:
        ok = app.query_one("#pin-ok")
        assert ok.has_class("-disabled")
        await pilot.press(*"1234567")
        assert ok.has_class("-disabled")
        await pilot.press("8")
        assert not ok.has_class("-disabled")
        await pilot.press("enter")
        await pilot.pause()
        assert app.submitted == ["12345678"] and ok.has_class("-disabled")
        assert app.focused is not None and app.focused.id == "pin-dots"  # the pad's field has the focus
