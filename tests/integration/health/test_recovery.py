"""Crash recovery at start: the session folders of a kiosk process that was killed (SIGKILL: no wipe ran)
are deleted by the next start, those of a kiosk process still running are not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from kiosk import health, session
from kiosk.config import Settings
from tests.fixtures.app import make_settings

ROOT = Path(__file__).resolve().parents[3]

#: A kiosk process in the middle of a visit: its session folder holds a citizen's document.
VISIT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kiosk.session import CitizenSession
    s = CitizenSession(temp_root=Path(sys.argv[1]))
    (s.temp_dir / "volant.pdf").write_bytes(b"%PDF-1.7 citizen document")
    print(s.temp_dir, flush=True)
    time.sleep(600)
    """
)


def _visit(root: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", VISIT, str(root)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    folder = Path(process.stdout.readline().strip())
    assert (folder / "volant.pdf").exists()
    return process, folder


def test_a_killed_kiosks_session_folder_goes_at_the_next_start(tmp_path: Path) -> None:
    settings: Settings = make_settings(tmp_path)
    root = settings.kiosk.temp_dir
    assert root is not None
    killed, left = _visit(root)
    running, alive = _visit(root)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        assert left.exists()  # nothing wiped it
        unrelated = root / "someone-elses"
        unrelated.mkdir()

        health.recover(settings, None)  # what `kiosk` does before its first screen

        assert not left.exists()
        assert alive.exists() and (alive / "volant.pdf").exists()  # that kiosk still serves its citizen
        assert unrelated.exists()  # not a session folder
    finally:
        running.kill()
        running.wait(10)
    assert session.remove_leftovers(root) == [alive]


def test_a_reused_process_id_does_not_keep_a_folder(tmp_path: Path) -> None:
    """A folder named after a process id now held by a process that started later is not that process's."""
    root = tmp_path / "sessions"
    root.mkdir()
    folder = root / f"{session.PREFIX}1-abcdef123456-x"
    folder.mkdir()
    # Pid 1 started at boot, before the folder: it could have made it, so the folder stays.
    assert session.remove_leftovers(root) == []
    # Made "before boot" (as a folder on a disk that survives reboots can be): pid 1 could not have made it.
    os.utime(folder, (0, 0))
    assert session.remove_leftovers(root) == [folder]
