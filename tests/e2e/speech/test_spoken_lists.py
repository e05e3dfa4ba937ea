"""Speech in lists, with the recording voice: an item of the catalogue's list, a radio button and a select's
option are said with their place ("element 3 de 28"), at the screen's first reading and as the focus or the
highlight moves; the first reading says how many items each list has."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, RadioButton, Select

from devstack.backend import BackendInfo
from kiosk.app import KioskApp
from kiosk.catalogue.screen import CatalogueScreen, ProcedureButton
from kiosk.procedures.bustia import MessageStep
from kiosk.procedures.instancia import SubjectStep
from kiosk.speech import RecordingSpeech
from kiosk.speech.reader import shown_text, speakable
from tests.e2e.procedures.helpers import PIN, SIZE, CardStack, launch
from tests.e2e.speech.test_spoken_procedures import (
    listen_then_card,
    listening,
    recorded,
    spoken_step,
)
from tests.harness import Driver, drive


async def said_after(driver: Driver, voice: RecordingSpeech, before: int, *parts: str) -> str:
    """Wait until an utterance after the first `before` holds every one of `parts`; return it."""

    def found() -> str | None:
        return next((u.text for u in voice.utterances[before:] if all(p in u.text for p in parts)), None)

    await driver.wait_for(lambda: found() is not None, timeout=10, what=f"{parts} said")
    said = found()
    assert said is not None
    return said


async def key_says(driver: Driver, voice: RecordingSpeech, key: str, expected: str) -> None:
    """Press `key`: the next utterance that ends like `expected` (its place in the list) is `expected`."""
    before = len(voice.utterances)
    await driver.press(key)
    said = await said_after(driver, voice, before, expected.rsplit(", ", 1)[-1])
    assert said == expected, said


def label(widget: ProcedureButton | RadioButton) -> str:
    return speakable(str(widget.label))


def said_as(button: RadioButton) -> str:
    """A radio button's label and state, as the reader says them in Catalan."""
    return f"{label(button)}, {'triat' if button.value else 'no triat'}"


async def catalogue(driver: Driver) -> CatalogueScreen:
    """The catalogue screen, once its procedures have come."""
    screen = await driver.wait_screen(CatalogueScreen)
    await driver.wait_for(lambda: len(screen.query(ProcedureButton)) > 2, what="the procedures")
    return screen


async def test_catalogue_items_are_said_with_their_place(tmp_path: Path, backend_server: BackendInfo) -> None:
    async with listening(tmp_path, backend_server) as (driver, voice):
        screen = await catalogue(driver)
        items = list(screen.query(ProcedureButton).results(ProcedureButton))
        count = len(items)
        # The first reading (once the list has come): the list, how many, the current item and its place.
        reading = await said_after(driver, voice, 0, "Controls:", f"llista, {count} elements")
        assert f"{label(items[0])}, botó, element 1 de {count}" in reading, reading
        # Tab from the search to the list: its current item, with its place.
        for _tab in range(4):
            if isinstance(screen.focused, ProcedureButton):
                break
            await driver.press("tab")
        assert screen.focused is items[0]
        await said_after(driver, voice, 0, label(items[0]), f"element 1 de {count}")
        # The arrows move within the list: each item reached is said with its place.
        before = len(voice.utterances)
        await driver.press("down")
        said = await said_after(driver, voice, before, f"element 2 de {count}")
        assert said.startswith(label(items[1])), said
        before = len(voice.utterances)
        await driver.press("end")
        said = await said_after(driver, voice, before, f"element {count} de {count}")
        assert said.startswith(label(items[-1])), said


async def test_radio_buttons_are_said_with_their_place(tmp_path: Path, backend_server: BackendInfo) -> None:
    async with listening(tmp_path, backend_server) as (driver, voice):
        app = driver.app
        assert launch(app, "bustia")
        said = await spoken_step(driver, voice, MessageStep)
        buttons = list(app.screen.query("#kind RadioButton").results(RadioButton))
        assert len(buttons) == 3
        # The first reading: the radio set, how many choices, the one highlighted and its place.
        assert "3 elements" in said and f"{said_as(buttons[0])}, element 1 de 3" in said, said
        # The arrows move the highlight (the focus stays on the radio set): each button said with its place.
        await key_says(driver, voice, "down", f"{said_as(buttons[1])}, element 2 de 3")
        await key_says(driver, voice, "down", f"{label(buttons[2])}, no triat, element 3 de 3")
        await driver.press("enter")  # the third chosen
        await driver.wait_for(lambda: buttons[2].value, what="the third chosen")
        await key_says(driver, voice, "up", f"{label(buttons[1])}, no triat, element 2 de 3")
        await key_says(driver, voice, "down", f"{label(buttons[2])}, triat, element 3 de 3")


async def test_select_options_are_said_with_their_place(tmp_path: Path, card_stack: CardStack) -> None:
    app: KioskApp = card_stack.app(tmp_path)
    voice = recorded(app)
    async with drive(app, size=SIZE) as driver:
        await listen_then_card(driver, card_stack.pcsc, "instancia_generica")
        await driver.press(*PIN, "enter")
        await spoken_step(driver, voice, SubjectStep)
        screen = app.screen
        select: Select[str] = screen.query_one("#department", Select)
        overlay = select.query_one(OptionList)
        await driver.wait_for(lambda: overlay.option_count > 2, timeout=20, what="the departments")
        count = overlay.option_count - 1  # the first option is the prompt ("nothing chosen")
        names = [speakable(str(overlay.get_option_at_index(i).prompt)) for i in range(1, count + 1)]
        # Read from the top now that the departments are in: the select says how many it offers.
        before = len(voice.utterances)
        app._read_screen()
        assert f"llista, {count} elements" in voice.utterances[before].text, voice.utterances[before].text
        # Open it: how many options, the one highlighted (its prompt, nothing chosen yet); the arrows say
        # each option reached, with its place.
        select.focus()
        await driver.pause(0.2)
        before = len(voice.utterances)
        await driver.press("enter")
        prompt = speakable(str(overlay.get_option_at_index(0).prompt))
        said = await said_after(driver, voice, before, f"llista, {count} elements, {prompt}")
        before = len(voice.utterances)
        await driver.press("down")
        said = await said_after(driver, voice, before, f"element 1 de {count}")
        assert said == f"{names[0]}, element 1 de {count}", said
        before = len(voice.utterances)
        await driver.press("down")
        said = await said_after(driver, voice, before, f"element 2 de {count}")
        assert said == f"{names[1]}, element 2 de {count}", said
        # Chosen: the closed select says the option and its place.
        before = len(voice.utterances)
        await driver.press("enter")
        await driver.wait_for(lambda: not select.expanded, what="the select closed")
        said = await said_after(driver, voice, before, f"{names[1]}, element 2 de {count}")
        # Said with its own label (the one just above it, not the subject's above that).
        assert select.parent is not None
        siblings = list(select.parent.children)
        own_label = siblings[siblings.index(select) - 1]
        assert own_label.has_class("field-label")
        assert said.startswith(f"{shown_text(own_label)}, llista, "), said
