"""Performance benchmarks: `make bench` runs every `benchmarks/bench_*.py` module.

Each module defines `run() -> list[Figure]`. A figure is measured together with its reference in the
same run (this machine is shared and noisy: absolute numbers alone mean little), and the runner prints
both and their ratio. A target, when a figure has one, is printed beside it as met or missed.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    reference_name: str
    reference: float
    #: "lower" when smaller is better (latency, memory), "higher" when larger is better (throughput).
    better: str = "lower"
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float:
        return self.value / self.reference if self.reference else float("inf")

    def line(self) -> str:
        """The figure as `make bench` prints it: value, reference, ratio, and the target met or missed."""
        verdict = "" if self.met is None else ("  [target met]" if self.met else "  [TARGET MISSED]")
        target = f"  target: {self.target}" if self.target else ""
        return (
            f"   {self.name}: {self.value:.4g} {self.unit}  | {self.reference_name}: {self.reference:.4g}"
            f" {self.unit}  | ratio {self.ratio:.2f}{target}{verdict}"
        )


def median_ms(action: Callable[[], object], runs: int) -> float:
    """The median wall time of `runs` calls of `action`, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000
