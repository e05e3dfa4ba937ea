"""What the two loopback sinks (devstack.smtp, devstack.smssink) share: running one for the length of a
`with` block, and `python -m devstack.<sink> --folder F --port N` running one in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar


class Sink(Protocol):
    folder: Path

    def start(self) -> None: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Sink)


@contextlib.contextmanager
def running(sink: S) -> Iterator[S]:
    """The sink started, and stopped again when the block ends (however it ends)."""
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def foreground(
    make: Callable[[Path, int], S], default_port: int, banner: Callable[[S], str], argv: list[str] | None
) -> int:
    """The command line of a sink (`python -m <the module of make> --folder F --port N`, described by that
    module's docstring): the banner printed, then serve until ^C."""
    module = sys.modules[make.__module__]  # __main__ under `python -m`: its spec keeps the real name
    name = module.__spec__.name if module.__spec__ is not None else module.__name__
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=module.__doc__)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args(argv)
    with running(make(args.folder, args.port)) as sink:
        print(banner(sink), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0
