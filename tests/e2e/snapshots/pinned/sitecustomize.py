"""Pins the reference backend's clock and CSV codes for the golden screens (tests/e2e/snapshots).

Imported by Python at start-up only when this folder is on PYTHONPATH (the snapshot tests put it there
for the backend process they start, nothing else), and it acts only when OVAC_PINNED_NOW is set: the
backend then issues documents dated at that moment, with CSV codes counted from 1, so that a screen
showing a document is the same on every run.
"""

import os

if os.environ.get("OVAC_PINNED_NOW"):
    import itertools
    from datetime import datetime

    from municipal import timeutil
    from municipal.api import writes

    _moment = datetime.fromisoformat(os.environ["OVAC_PINNED_NOW"])
    _counter = itertools.count(1)

    def _now() -> datetime:
        return _moment

    def _csv() -> str:
        number = next(_counter)
        return "SNAPSHOT" + "".join(writes.CSV_ALPHABET[(number >> (5 * i)) & 31] for i in range(12))

    timeutil.now = _now
    writes.new_csv = _csv
