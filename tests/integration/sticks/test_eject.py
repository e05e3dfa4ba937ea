"""Giving the stick back: the eject command's argv (the mount point as one argument, never a shell), its
timeout (the whole process group stopped), failures logged without the mount point, and which mounts a
scan read from. Real programs (small scripts written by the test), real folders."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

import pytest

from kiosk.procedures.attachments import Candidate, StickScanner, eject, eject_all, stick_mount

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: A mount point whose name a shell would act on.
HOSTILE = "USB $(touch pwned); rm -rf x `id` 'a\"b"


def script(folder: Path, body: str) -> Path:
    """An executable Python script (the stand-in for udiskie-umount)."""
    path = folder / "stand-in"
    path.write_text(f"#!{sys.executable}\nimport json, os, shutil, sys, time\n{body}\n")
    path.chmod(0o755)
    return path


def recorder(folder: Path) -> tuple[Path, Path]:
    """A stand-in that records its argv, one JSON line per run, and removes the folder it was given (as
    an unmount takes the stick's files away)."""
    log = folder / "argv.jsonl"
    body = (
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "shutil.rmtree(sys.argv[-1], ignore_errors=True)"
    )
    return script(folder, body), log


def runs(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_mount_point_is_one_argument_and_no_shell_runs(tmp_path: Path) -> None:
    program, log = recorder(tmp_path)
    mount = tmp_path / "media" / HOSTILE
    mount.mkdir(parents=True)
    work = tmp_path / "cwd"
    work.mkdir()
    os.chdir(work)  # a shell would create `pwned` here (pytest gives each test its own cwd back)
    assert eject([str(program), "--detach"], mount, timeout=10)
    assert runs(log) == [["--detach", str(mount)]]
    assert not mount.exists()
    assert not list(work.iterdir()) and not (tmp_path / "pwned").exists()


def test_a_command_that_hangs_is_stopped_with_its_children(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pids = tmp_path / "pids"
    body = (
        f"child = os.fork()\nif child == 0:\n    time.sleep(60)\n    os._exit(0)\n"
        f"open({str(pids)!r}, 'w').write(str(child))\ntime.sleep(60)"
    )
    program = script(tmp_path, body)
    mount = tmp_path / "media" / "JOAN_GARCIA"
    mount.mkdir(parents=True)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="kiosk.procedures.attachments"):
        assert not eject([str(program)], mount, timeout=0.5)
    assert time.monotonic() - started < 5
    assert "took more than 0.5 s" in caplog.text and "JOAN_GARCIA" not in caplog.text
    child = int(pids.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:  # killed with the group; reaped by init
        time.sleep(0.05)
    assert not _alive(child), "the eject command's child outlived the timeout"


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return status != "Z"


def test_failures_are_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    mount = tmp_path / "media" / "MARIA_PUIG"
    mount.mkdir(parents=True)
    failing = script(tmp_path, "sys.stderr.write('not mounted: ' + sys.argv[-1]); sys.exit(3)")
    with caplog.at_level(logging.WARNING, logger="kiosk.procedures.attachments"):
        assert not eject([str(failing), "--detach"], mount, timeout=5)
        assert not eject([str(tmp_path / "no-such-program")], mount, timeout=5)
        not_executable = tmp_path / "plain.txt"
        not_executable.write_text("#!/bin/sh\n")
        assert not eject([str(not_executable)], mount, timeout=5)
    assert "failed (exit status 3)" in caplog.text
    assert "no-such-program could not start" in caplog.text and "plain.txt could not start" in caplog.text
    assert "MARIA_PUIG" not in caplog.text  # a stick's label may be a name


def test_the_stick_of_a_file(tmp_path: Path) -> None:
    root = tmp_path / "media"

    def of(key: str, under: Path = root) -> Path | None:
        return stick_mount(Candidate(key, under / key, Path(key).name, 1, None, root=under))

    # Folders standing in for sticks (no mount point below the root): the root's folder the file is in.
    assert of("USB_DISK/docs/dni.pdf") == root / "USB_DISK"
    assert of("USB_DISK/dni.pdf") == root / "USB_DISK"
    assert of("dni.pdf") is None  # nothing to eject: the root itself is no stick
    # A real mount point (/dev/shm is a tmpfs on Linux, below /, another mount point): the deepest one.
    if os.path.ismount("/dev/shm"):
        assert of("dev/shm/a/b.pdf", Path("/")) == Path("/dev/shm")
    assert stick_mount(Candidate("x/y.pdf", root / "x/y.pdf", "y.pdf", 1, None)) is None  # no root known


def test_eject_all_gives_back_what_the_scans_read_once(tmp_path: Path) -> None:
    program, log = recorder(tmp_path)
    root = tmp_path / "media"
    for stick in ("A", "B"):
        (root / stick).mkdir(parents=True)
        (root / stick / "doc.pdf").write_bytes(PDF)
    (root / "EMPTY").mkdir()  # nothing listed from it: not read, not ejected
    scanner = StickScanner([root])
    assert len(scanner.scan()) == 2
    assert eject_all(scanner, [str(program), "--detach"], timeout=10) == 2
    assert sorted(runs(log)) == [["--detach", str(root / "A")], ["--detach", str(root / "B")]]
    assert (root / "EMPTY").exists() and not (root / "A").exists()
    assert eject_all(scanner, [str(program), "--detach"], timeout=10) == 0  # nothing read since
    (root / "C").mkdir()
    (root / "C" / "doc.pdf").write_bytes(PDF)
    scanner.scan()
    (root / "C" / "doc.pdf").unlink()
    (root / "C").rmdir()  # pulled out before it was given back: nothing to run
    assert eject_all(scanner, [str(program), "--detach"], timeout=10) == 0
    assert len(runs(log)) == 2
    (root / "D").mkdir()
    (root / "D" / "doc.pdf").write_bytes(PDF)
    scanner.scan()
    assert eject_all(scanner, (), timeout=10) == 0  # no command configured: nothing is run
    assert len(runs(log)) == 2
