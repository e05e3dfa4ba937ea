"""Helpers of the deployment tests: kiosk-setup run into a temporary root, and what a root holds."""

from __future__ import annotations

import contextlib
import io
import os
import stat
from pathlib import Path

from deploy import installer


def setup(root: Path, *args: str) -> tuple[int, str]:
    """`kiosk-setup --root ROOT ARGS...` in this process: its exit status and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = installer.main(["--root", str(root), *args])
    return status, out.getvalue()


def snapshot(root: Path, *, times: bool = False) -> dict[str, tuple[object, ...]]:
    """Every path under `root`: its kind and mode, its content or link target (and mtime if `times`)."""
    found: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            when = (info.st_mtime_ns,) if times else ()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path), *when)
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", stat.S_IMODE(info.st_mode), *when)
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes(), *when)
    return found


def files_of(root: Path) -> dict[str, object]:
    """Files (mode) and links (target) under `root`, folders left out."""
    return {
        rel: (entry[1] if entry[0] == "file" else f"-> {entry[1]}")
        for rel, entry in snapshot(root).items()
        if entry[0] != "dir"
    }
