"""The kiosk's thread workers run in a fixed pool, every thread started with the app: a kiosk running for
weeks does not gain threads when two workers overlap (Python's default executor does, up to cpu + 4)."""

from __future__ import annotations

import asyncio
import threading

from kiosk.app import fixed_worker_pool

THREADS = 3


def threads(prefix: str) -> int:
    return sum(t.name.startswith(prefix) for t in threading.enumerate())


async def overlapping_jobs(loop: asyncio.AbstractEventLoop, jobs: int) -> None:
    """`jobs` jobs in the default executor at once (each waits until all have started or 0.3 s passed)."""
    together = threading.Barrier(jobs, timeout=0.3)

    def job() -> None:
        try:
            together.wait()
        except threading.BrokenBarrierError:
            pass  # more jobs than threads: the last ones start after the first ended

    await asyncio.gather(*(loop.run_in_executor(None, job) for _ in range(jobs)))


def test_every_thread_is_started_with_the_pool_and_none_after() -> None:
    async def main() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        fixed_worker_pool(loop, THREADS)
        at_start = threads("kiosk-worker")
        await overlapping_jobs(loop, THREADS + 2)
        return at_start, threads("kiosk-worker")

    assert asyncio.run(main()) == (THREADS, THREADS)
    assert threads("kiosk-worker") == 0  # asyncio.run shut the pool down with its loop


def test_the_default_executor_grows_when_jobs_overlap() -> None:
    """What the fixed pool is for: without it, each overlap of thread workers may add a thread."""

    async def main() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        await overlapping_jobs(loop, 1)
        one = threads("asyncio")
        await overlapping_jobs(loop, THREADS)
        return one, threads("asyncio")

    one, overlapped = asyncio.run(main())
    assert one == 1
    assert overlapped == THREADS
