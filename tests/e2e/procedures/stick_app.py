"""A small Textual app showing a USB stick as the instància's attachments step does: the real
`StickScanner` rescanning every second in a thread worker, its verdicts through `describe`, the real
`FilePicker`, and the chosen names through `plain` as the review shows them. Run under a pty by
test_stick_names.py: `python -m tests.e2e.procedures.stick_app MOUNT_ROOT`."""

from __future__ import annotations

import sys
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.widgets import Static

from kiosk.i18n import set_language
from kiosk.procedures.attachments import Listing, StickScanner, human_size
from kiosk.procedures.validation import describe
from widgets.file_picker import FilePicker, PickerEntry
from widgets.plain import plain


class StickApp(App[None]):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self.scanner = StickScanner([root])
        self.listing = Listing([])

    def compose(self) -> ComposeResult:
        yield FilePicker(empty_text="Cap llapis USB", id="picker")
        yield Static(id="names")

    def on_mount(self) -> None:
        self._scan()
        self.set_interval(1.0, self._scan)

    @work(thread=True, exit_on_error=False, group="scan")
    def _scan(self) -> None:
        listing = self.scanner.scan_if_idle()
        if listing is not None:
            self.call_from_thread(self._show, listing)

    def _show(self, listing: Listing) -> None:
        entries = [
            PickerEntry(c.key, human_size(c.size), note=describe(c.refusal) if c.refusal else "",
                        refused=c.refusal is not None)
            for c in listing.candidates
        ]  # fmt: skip
        if listing.overflow is None:
            self.query_one(FilePicker).show(entries)
        else:
            self.query_one(FilePicker).show(entries, describe(listing.overflow))
        names = "\n".join(f"{c.name} ({human_size(c.size)})" for c in listing.candidates)
        self.query_one("#names", Static).update(plain(names, lines=True))


if __name__ == "__main__":
    set_language("ca")
    StickApp(Path(sys.argv[1])).run()
