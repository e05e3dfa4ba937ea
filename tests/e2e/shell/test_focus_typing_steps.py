"""Every procedure step, not only the weak identification: a Tab typed right after text moves to the next
field before the characters after it arrive (a terminal delivers a fast typist's keys in one read)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from kiosk.procedures.bustia import ContactStep, MessageStep
from tests.e2e.procedures.helpers import begin, bustia_message, offline_app
from tests.harness import drive


async def test_a_tab_typed_right_after_text_reaches_the_next_field_of_the_bustia_contact(
    tmp_path: Path,
) -> None:
    app = offline_app(tmp_path, "no reader: typing test")
    async with drive(app, size=(100, 32)) as driver:
        await begin(driver, "bustia", MessageStep)
        await bustia_message(driver, "Enllumenat", "La farola del carrer no s'encén.")
        screen = driver.screen
        assert isinstance(screen, ContactStep)
        # All at once, as they come from the terminal: no pause in between.
        await driver.burst("nom@example.com\t600000000", focused="#f-email")
        assert screen.query_one("#f-email", Input).value == "nom@example.com"
        assert screen.query_one("#f-phone", Input).value == "600000000"
