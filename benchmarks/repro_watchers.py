"""Textual: a removed TextArea stays alive while the app and its screen live (Textual issue #6666).

Run: `python benchmarks/repro_watchers.py` (Textual 8.2.8). Two holders, both outside the widget:

1. `TextArea._on_mount` calls `self.watch(self.app, "theme", ...)`; the app's watcher list drops closed
   nodes only when `app.theme` next changes, so an app whose theme never changes keeps every TextArea.
2. It also subscribes to `screen.text_selection_started_signal` with a closure over itself; `Signal`
   keeps subscriptions in a WeakKeyDictionary keyed by the node, but the value (the closure) refers to
   the key, so the entry never goes while the screen lives.

Printed here:

    watchers of app.theme: 20, TextAreas alive: 20        (20 mounted and removed)
    watchers of app.theme: 0, TextAreas alive: 20         (after a change of app.theme)
    watchers of app.theme: 0, TextAreas alive: 1          (after unsubscribing them from the signal)

(The last one is the most recent TextArea, still referred to by the screen; it goes with the next.)
"""

from __future__ import annotations

import asyncio
import gc

from textual.app import App
from textual.widgets import TextArea


def alive() -> list[TextArea]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, TextArea)]


def report(app: App[None], when: str) -> None:
    watchers = len(getattr(app, "__watchers", {}).get("theme", []))
    print(f"watchers of app.theme: {watchers}, TextAreas alive: {len(alive())}        ({when})")


async def main() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        for n in range(20):
            area = TextArea(f"private text {n}")
            await app.screen.mount(area)
            await pilot.pause()
            await area.remove()
            await pilot.pause()
        del area
        report(app, "20 mounted and removed")
        app.theme = "textual-light"  # the only thing that prunes the closed watchers
        await pilot.pause()
        report(app, "after a change of app.theme")
        for removed in alive():
            app.screen.text_selection_started_signal.unsubscribe(removed)
        del removed
        report(app, "after unsubscribing them from the signal")


if __name__ == "__main__":
    asyncio.run(main())
