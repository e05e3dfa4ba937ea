"""A short soak in `make test`: 12 citizen sessions in one kiosk (the four citizens of
benchmarks/bench_soak.py, each ending its session its own way) leave nothing behind and make nothing grow."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from textual.widgets import TextArea

from benchmarks.bench_soak import Sample, Soak, soak
from devstack import backend
from devstack.pcsc import PcscInfo
from tests.e2e.procedures.helpers import card_trusting_backend

SESSIONS = 12
EVERY = 4


@dataclass
class Run:
    samples: list[Sample]
    areas_after: list[int]
    """TextAreas alive after each session."""

    def grown(self, names: tuple[str, ...]) -> dict[str, tuple[int, int]]:
        first, last = self.samples[1], self.samples[-1]  # the first sessions warm caches up
        pairs = {n: (getattr(first, n), getattr(last, n)) for n in names}
        return {n: (a, b) for n, (a, b) in pairs.items() if b > a}

    def table(self) -> str:
        return "\n".join(s.line() for s in self.samples)


@pytest.fixture(scope="module")
def soak_backend(pcsc_stack: PcscInfo) -> Iterator[backend.BackendInfo]:
    with card_trusting_backend(pcsc_stack) as info:
        yield info


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run(
    tmp_path_factory: pytest.TempPathFactory, pcsc_stack: PcscInfo, soak_backend: backend.BackendInfo
) -> Run:
    areas_after: list[int] = []

    def after(run: Soak) -> None:
        # Every TextArea of an ended session is collected (the bústia's message is one).
        gc.collect()
        areas_after.append(sum(isinstance(o, TextArea) for o in gc.get_objects()))

    samples = await soak(
        SESSIONS,
        tmp_path_factory.mktemp("soak"),
        pcsc_stack,
        soak_backend,
        report_every=EVERY,
        report=lambda s: None,
        after=after,
    )
    assert len(samples) == SESSIONS // EVERY
    return Run(samples, areas_after)


def test_text_areas_of_ended_sessions_do_not_accumulate(run: Run) -> None:
    # Every bústia session's TextArea stayed alive from the app's theme watchers (Textual #6666) and they
    # accumulated; now at most one session's (the instància's two) wait for a later collection.
    areas = run.areas_after
    assert max(areas) <= 2, f"TextAreas alive after each session: {areas}"


def test_nothing_of_the_process_grows(run: Run) -> None:
    # Live Widget objects (gc) are left out: over 12 sessions they rose in one run and not in the next (the
    # long soak of `make bench` reports them).
    names = tuple(n for n in Sample.COUNTS if n != "live_widgets")
    grown = run.grown(names)
    assert not grown, f"grew: {grown}\n{run.table()}"
