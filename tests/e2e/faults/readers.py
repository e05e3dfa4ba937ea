"""The card reader's faults of the fault matrix, on the machine's real pcscd and vpcd virtual readers.

- "reader unplugged": the virtual readers leave pcscd's list while pcscd keeps answering, as when a USB
  reader is pulled out (`PcscInfo.unplug_readers`: pcsc-lite never drops a reader.conf.d reader while it
  runs, so pcscd is started again with vpcd's ports held; see devstack.pcsc), then come back;
- "pcscd stopped": pcscd itself stops (a crash, an update), then starts again.

Both are machine-wide: they run only under the stack lock (/tmp/ovac-stack.lock, held by this process or
the `flock` that started it), on a pcscd this test run started and uses alone, and pcscd is always left
running and healthy, whatever the test did.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack.pcsc import PcscInfo, pcscd_healthy

STACK_LOCK = Path("/tmp/ovac-stack.lock")


def _ancestors() -> set[int]:
    """This process and the processes it descends from."""
    found, pid = set(), os.getpid()
    while pid > 1 and pid not in found:
        found.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found


def _holders(path: Path) -> set[int]:
    """The processes holding a flock on `path` (from /proc/locks)."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields or len(fields) < 6 or fields[1] != "FLOCK":
            continue  # a waiter, or another kind of lock
        if int(fields[5].rsplit(":", 1)[1]) == inode:
            holders.add(int(fields[4]))
    return holders


@contextlib.contextmanager
def stack_lock() -> Iterator[None]:
    """Go on only under the stack lock: held by this process or an ancestor (`flock ... pytest`), or free
    and taken here for the duration; skip the test when another run holds it."""
    STACK_LOCK.touch(exist_ok=True)
    with open(STACK_LOCK) as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not _holders(STACK_LOCK) & _ancestors():
                pytest.skip("the stack lock is held by another run: pcscd is not ours to stop")
            yield  # our `flock` holds it
            return
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def unplug(pcsc: PcscInfo) -> None:
    pcsc.unplug_readers()


def plug(pcsc: PcscInfo) -> None:
    pcsc.plug_readers()


def stop(pcsc: PcscInfo) -> None:
    pcsc.stop_pcscd()


def start(pcsc: PcscInfo) -> None:
    pcsc.start_pcscd()


#: Each fault: how it strikes, and how it ends.
READER_FAULTS: dict[str, tuple[Callable[[PcscInfo], None], Callable[[PcscInfo], None]]] = {
    "reader unplugged": (unplug, plug),
    "pcscd stopped": (stop, start),
}


@contextlib.contextmanager
def restartable_pcscd(pcsc: PcscInfo) -> Iterator[PcscInfo]:
    """pcscd ours to stop for the duration, and running and healthy again afterwards."""
    with stack_lock():
        if not pcsc.can_restart_pcscd():
            pytest.skip("pcscd was not started by this test run, or others use it: not ours to stop")
        try:
            yield pcsc
        finally:
            pcsc.release_vpcd_ports()
            if not pcscd_healthy():
                pcsc.pcscd.stop()
                pcsc.start_pcscd()
