"""The reader's words for the items of a list, with no kiosk around them: each kind of list (a list of
buttons that is an `ItemList`, a radio set, a select, an option list, a list view) says the item's place
and, at the screen's first reading, how many items there are; a moving highlight is told apart from one
that stays (`highlighted`)."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button, Label, ListItem, ListView, OptionList, RadioButton, RadioSet, Select

from kiosk.i18n import set_language
from kiosk.speech import ItemList
from kiosk.speech.reader import describe_control, describe_highlighted, highlighted, read_screen, speakable


class Buttons(Vertical):
    def spoken_items(self) -> list[Button]:
        return list(self.query(Button).results(Button))


class Lists(App[None]):
    def compose(self) -> ComposeResult:
        with Buttons(id="buttons"):
            for name in ("Volant", "Bústia", "Deixalleria"):
                yield Button(name)
        yield Label("Kind", classes="field-label")
        with RadioSet(id="radio"):
            yield RadioButton("Queixa")
            yield RadioButton("Suggeriment", value=True)
        yield Label("Department", classes="field-label")
        yield Select([("Urbanisme", "u"), ("Cultura", "c"), ("Esports", "e")], prompt="Choose", id="select")
        yield OptionList("a.pdf", "b.pdf", id="options")
        yield ListView(ListItem(Label("one")), ListItem(Label("two")), id="listview")


async def test_each_kind_of_list_says_the_place_and_the_count() -> None:
    set_language("en")
    try:
        app = Lists()
        async with app.run_test(size=(80, 40)) as pilot:
            buttons = app.query_one("#buttons", Buttons)
            assert isinstance(buttons, ItemList)
            second = buttons.spoken_items()[1]
            assert describe_control(second) == "Bústia, button, item 2 of 3"
            assert describe_control(second, whole=True) == "list, 3 items, Bústia, button, item 2 of 3"

            radio = app.query_one("#radio", RadioSet)
            # The highlight is on the first button, the second is the one chosen: both are said.
            assert describe_control(radio, whole=True) == (
                "Kind, choice, 2 items, Suggeriment, selected, item 2 of 2, Queixa, not selected, item 1 of 2"
            )
            radio.focus()
            await pilot.pause()
            where = highlighted(radio)
            await pilot.press("down")
            assert highlighted(radio) != where
            assert describe_highlighted(radio) == "Suggeriment, selected, item 2 of 2"

            select: Select[str] = app.query_one("#select", Select)
            assert describe_control(select, whole=True) == "Department, list, 3 items, Choose"
            select.value = "c"
            await pilot.pause()
            assert describe_control(select) == "Department, list, Cultura, item 2 of 3"

            options = app.query_one("#options", OptionList)
            options.highlighted = 1
            assert describe_control(options, whole=True) == "list, 2 items, b.pdf, item 2 of 2"
            assert describe_highlighted(options) == "b.pdf, item 2 of 2"

            listview = app.query_one("#listview", ListView)
            listview.index = 0
            await pilot.pause()
            assert describe_control(listview, whole=True) == "list, 2 items, one, item 1 of 2"

            reading = read_screen(app.screen)
            assert "list, 3 items, Volant, button, item 1 of 3" in reading, reading
    finally:
        set_language("ca")


def test_a_widget_that_is_no_list_has_no_highlight() -> None:
    plain: Any = Widget()
    assert highlighted(plain) is None


def test_the_catalan_middle_dot_stays_in_its_word() -> None:
    assert speakable("Volant d'empadronament col·lectiu") == "Volant d'empadronament col·lectiu"
    assert speakable("Pas 1 de 4 · Document") == "Pas 1 de 4 , Document"
