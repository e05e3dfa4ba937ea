"""What keeps removed widgets alive in Textual 8.2, and how a long-running kiosk lets go of them.

Two paths, both found by a census of live objects after a few hundred sessions (benchmarks/bench_soak.py):

- Watchers on another object: `widget.watch(app, "theme", ...)` (TextArea does it) puts the widget in the
  app's watcher list, and Textual takes closed nodes out of that list only when the watched value next
  changes (Textual issue #6666; `benchmarks/repro_watchers.py` reproduces it). `drop_watchers` removes
  them at once (used by `widgets.text_area.FieldArea` when it is unmounted).
- A screen's `query_one` cache: a screen that lives for ever (the attract screen) and is recomposed at
  every session keeps, for each `query_one("#id")` made on it, the node it found, under a key of the
  DOM's update count: an entry from an earlier composition can never be hit again, but holds the
  detached widget (and its subtree) until 1024 newer entries push it out. `forget_queries` empties it
  after a recompose.

Textual has no public API for either: these read the private attributes `__watchers`
(textual.reactive._watch) and `_query_one_cache` (textual.dom.DOMNode) and do nothing if a later Textual
renames them; the soak test (tests/e2e/soak) then fails on the widgets that stay alive.
"""

from __future__ import annotations

from typing import Any


def drop_watchers(owner: object, watched: object) -> None:
    """Remove every watcher that `owner` registered on `watched` (`owner.watch(watched, ...)`)."""
    lists: dict[str, list[tuple[Any, Any]]] = getattr(watched, "__watchers", {})
    for watchers in lists.values():
        watchers[:] = [(node, callback) for node, callback in watchers if node is not owner]


def forget_queries(node: object) -> None:
    """Empty `node`'s `query_one` cache (after a recompose its entries can only hold detached widgets)."""
    cache = getattr(node, "_query_one_cache", None)
    clear = getattr(cache, "clear", None)
    if callable(clear):
        clear()
