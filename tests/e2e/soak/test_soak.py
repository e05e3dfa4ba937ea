"""A short soak in `make test`: 12 citizen sessions in one kiosk (the four citizens of
benchmarks/bench_soak.py, each ending its session its own way) leave nothing behind and make nothing grow."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import TextArea

from benchmarks.bench_soak import Sample, Soak, soak
from devstack import backend
from devstack.pcsc import PcscInfo

SESSIONS = 12
EVERY = 4


@pytest.fixture(scope="module")
def soak_backend(pcsc_stack: PcscInfo) -> Iterator[backend.BackendInfo]:
    with backend.running(
        trust_anchors=pcsc_stack.cards.ca_dir, crls=pcsc_stack.cards.crl_dir, training=True
    ) as info:
        yield info


async def test_twelve_sessions_leave_nothing_and_grow_nothing(
    tmp_path: Path, pcsc_stack: PcscInfo, soak_backend: backend.BackendInfo
) -> None:
    areas_after: list[int] = []

    def after(run: Soak) -> None:
        # Every TextArea of an ended session is collected (the bústia's message is one).
        gc.collect()
        areas_after.append(sum(isinstance(o, TextArea) for o in gc.get_objects()))

    samples = await soak(
        SESSIONS, tmp_path, pcsc_stack, soak_backend, report_every=EVERY, report=lambda s: None, after=after
    )
    assert len(samples) == SESSIONS // EVERY
    # The bústia's message TextArea is collected once its session ends (it stayed alive from the app's
    # theme watchers); no session's TextAreas accumulate (the instància's two may wait for the next one).
    assert areas_after[2::4] == [0] * len(areas_after[2::4]), f"TextAreas alive: {areas_after}"
    assert max(areas_after) <= 2, f"TextAreas alive after each session: {areas_after}"
    first, last = samples[1], samples[-1]  # the first sessions warm caches up
    grown = {
        n: (getattr(first, n), getattr(last, n))
        for n in Sample.COUNTS
        if getattr(last, n) > getattr(first, n)
    }
    assert not grown, f"grew from session {first.session} to {last.session}: {grown}\n" + "\n".join(
        s.line() for s in samples
    )
