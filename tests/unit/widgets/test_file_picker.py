"""The file picker shows names from a stick as they are: never markup, controls drawn as placeholders."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content

from widgets.file_picker import FilePicker, PickerEntry

NAMES = (
    "USB/[@click=app.quit]TOCA AQUI.pdf",
    "USB/[a=b=c].pdf",
    "USB/[a=b=c]/[bold red]x[/].pdf",
    "USB/\x1b[2Jnet.pdf",
    "USB/\x1b]0;x\x1b\\titol.pdf",
    "USB/\x1b[31m/vermell.pdf",
    "USB/fitxer\u202efdp.exe.pdf",
)


class PickerApp(App[None]):
    def __init__(self, entries: list[PickerEntry]) -> None:
        super().__init__()
        self.entries = entries
        self.toggled: list[str] = []

    def compose(self) -> ComposeResult:
        yield FilePicker(self.entries, empty_text="[b]cap[/b]", id="picker")

    def on_file_picker_toggled(self, event: FilePicker.Toggled) -> None:
        self.toggled.append(event.key)


def prompts(picker: FilePicker) -> list[str]:
    out = []
    for index in range(picker.option_count):
        prompt = picker.get_option_at_index(index).prompt
        assert isinstance(prompt, Content)
        out.append(prompt.plain)
    return out


async def test_names_are_shown_literally_with_placeholders() -> None:
    entries = [PickerEntry(name, "1 KB", note="[@click=app.quit]nota", refused=True) for name in NAMES]
    app = PickerApp(entries)
    async with app.run_test(size=(100, 40)) as pilot:
        picker = app.query_one(FilePicker)
        drawn = "\n".join(picker.render_line(y).text for y in range(picker.size.height))
        assert "[@click=app.quit]TOCA AQUI.pdf" in drawn and "␛[2Jnet.pdf" in drawn
        assert "\x1b" not in drawn
        shown = "\n".join(prompts(picker))
        assert "[@click=app.quit]TOCA AQUI.pdf" in shown and "[a=b=c].pdf" in shown
        assert "[a=b=c]/[bold red]x[/].pdf" in shown and "✗ [@click=app.quit]nota" in shown
        assert "␛[2Jnet.pdf" in shown and "␛]0;x␛\\titol.pdf" in shown and "␛[31m/vermell.pdf" in shown
        assert "fitxer\N{REPLACEMENT CHARACTER}fdp.exe.pdf" in shown
        assert not any(c in shown for c in "\x1b\u202e")
        await pilot.click(FilePicker, offset=(8, 1))  # a touch on the name toggles it, quits nothing
        await pilot.pause()
        assert app.is_running and app.toggled == ["USB/[@click=app.quit]TOCA AQUI.pdf"]


async def test_empty_text_and_notice_are_plain() -> None:
    app = PickerApp([])
    async with app.run_test() as pilot:
        picker = app.query_one(FilePicker)
        assert prompts(picker) == ["[b]cap[/b]"]
        picker.show([PickerEntry("USB/a.pdf", "1 KB"), PickerEntry("USB/b.pdf", "2 KB")], "Massa [fitxers]")
        await pilot.pause()
        assert prompts(picker)[0] == "Massa [fitxers]"
        assert picker.get_option_at_index(0).disabled
        assert picker.highlighted_key == "USB/a.pdf"
        picker.highlighted = 2
        picker.show([PickerEntry("USB/b.pdf", "2 KB")])  # the notice goes, the highlight stays on b
        await pilot.pause()
        assert picker.highlighted_key == "USB/b.pdf" and picker.notice == ""
