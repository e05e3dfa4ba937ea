"""Every procedure step, not only the weak identification: a Tab typed right after text moves to the next
field before the characters after it arrive (a terminal delivers a fast typist's keys in one read)."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from kiosk import procedures
from kiosk.procedures.bustia import ContactStep, MessageStep
from tests.fixtures.app import make_settings
from tests.harness import drive, make_app


def burst(text: str) -> list[events.Key]:
    """The key events a terminal's one read of `text` gives (a tab character is the Tab key)."""
    return [events.Key("tab", "\t") if ch == "\t" else events.Key(ch, ch) for ch in text]


async def test_a_tab_typed_right_after_text_reaches_the_next_field_of_the_bustia_contact(
    tmp_path: Path,
) -> None:
    app = make_app(make_settings(tmp_path, eid={"readers": ["no reader: typing test"]}), watch_cards=False)
    async with drive(app, size=(100, 32)) as driver:
        app.start_visit()
        await driver.pause()
        assert procedures.launch(app, "bustia", needs_certificate=False)
        await driver.wait_screen(MessageStep)
        await driver.type("Enllumenat", into="#f-topic")
        await driver.paste("La farola del carrer no s'encén.", into="#f-text")
        await driver.click("#step-next")
        screen = await driver.wait_screen(ContactStep)
        await driver.wait_for(lambda: screen.focused is screen.query_one("#f-email"))
        for key in burst("nom@example.com\t600000000"):
            app.post_message(key)  # all at once, as they come from the terminal: no pause in between
        await driver.wait_for(lambda: screen.query_one("#f-email", Input).value, timeout=3)
        await driver.pause(0.3)
        assert screen.query_one("#f-email", Input).value == "nom@example.com"
        assert screen.query_one("#f-phone", Input).value == "600000000"
