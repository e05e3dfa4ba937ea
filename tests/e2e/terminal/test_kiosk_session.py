"""The kiosk in a real terminal, as the unit runs it: a Wayland compositor (sway headless: cage refuses to
run as root and does not repaint headless), the project's foot.ini, `kiosk` in training mode as an
unprivileged user; keys typed with wtype, the screen taken with grim, and the kiosk killed with SIGKILL and
brought back by a supervisor that restarts it as `Restart=always` does, told READY=1 and WATCHDOG=1 over
a notify socket as systemd would be (Type=notify, NotifyAccess=all, $WATCHDOG_PID removed as the unit's
ExecStart does).

As root, the session runs as the system user `ovac-smoke` (created if missing: no home, no shell), through
`setpriv`. The project's venv may live where that user cannot go (/root): then the kiosk runs on Debian's
python3 (the interpreter kiosk-setup builds a kiosk's venv with) with the project and the venv's packages
on PYTHONPATH.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from tests.fixtures.app import make_settings

ROOT = Path(__file__).resolve().parents[3]
FOOT_INI = ROOT / "deploy/files/etc/ovac-kiosk/foot.ini"
UNIT = ROOT / "deploy/files/etc/systemd/system/ovac-kiosk.service"
USER = "ovac-smoke"
SIZE = (1280, 720)
#: Where a failed or passed run leaves its screenshots, for a person to look at.
SHOTS = Path(tempfile.gettempdir()) / "ovac-terminal-smoke"

#: The theme's colours as foot draws them (textual-dark with the kiosk's styles/app.tcss).
BACKGROUND = (0x12, 0x12, 0x12)
TRAINING_BANNER = (0xFF, 0xD2, 0x1F)
BUTTON_GREEN = (0x4E, 0xBF, 0x71)  # $success: the Start button and the current language

TOOLS = ("sway", "foot", "grim", "wtype", "setpriv")
pytestmark = [
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in TOOLS),
        reason=f"needs {', '.join(TOOLS)} (make test installs them)",
    ),
    pytest.mark.timeout(90),
]


def _as_user() -> tuple[list[str], int, int]:
    """The prefix that runs a command as the unprivileged user, and its uid and gid."""
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "--comment", "OVAC terminal smoke test", USER],
            check=True, timeout=30,
        )  # fmt: skip
        entry = pwd.getpwnam(USER)
    prefix = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
    return prefix, entry.pw_uid, entry.pw_gid


def _python_for(prefix: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The interpreter the user can run with the project importable, and the environment for it."""
    # Through env, as foot starts the kiosk (setpriv exec'ing a program itself reached one under /root).
    probe = ["-c", "import kiosk.app, textual, smartcard, pkcs11, cups"]
    mine = subprocess.run(
        [*prefix, "/usr/bin/env", sys.executable, *probe], env=env, capture_output=True, timeout=60
    )
    if mine.returncode == 0:
        return [sys.executable], env
    system = Path("/usr/bin/python3")
    version = subprocess.run([str(system), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)  # fmt: skip
    if version.stdout.strip() != str(sys.version_info[:2]):
        pytest.skip(f"the user {USER} cannot run {sys.executable}, and {system} is another Python version")
    paths = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    env = {**env, "PYTHONPATH": paths}
    theirs = subprocess.run(
        [*prefix, "/usr/bin/env", str(system), *probe], env=env, capture_output=True, text=True, timeout=60
    )
    if theirs.returncode != 0:
        pytest.skip(f"the user {USER} cannot import the project: {theirs.stderr.strip()[-200:]}")
    return [str(system)], env


def _unit_command(python: list[str], config: Path) -> list[str]:
    """The unit's ExecStart after `cage -d --` (sway stands in for cage), with this checkout's foot.ini,
    the kiosk run by `python -m kiosk` and the test's config."""
    start = next(line for line in UNIT.read_text().splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(start.removeprefix("ExecStart="))
    assert argv[:3] == ["/usr/bin/cage", "-d", "--"], argv
    command: list[str] = []
    for arg in argv[3:]:
        if arg == "/opt/ovac-kiosk/current/venv/bin/kiosk":
            command += [*python, "-m", "kiosk"]
        elif arg == "/etc/ovac-kiosk/config.toml":
            command.append(str(config))
        else:
            command.append(arg.replace("${OVAC_FOOT_INI}", str(FOOT_INI)))
    return command


@dataclass
class Supervisor:
    """foot + kiosk started again whenever it ends, as `Restart=always` does; the notify socket's messages."""

    command: list[str]
    env: dict[str, str]
    notify: socket.socket
    log: Path
    restart_seconds: float = 0.5
    starts: list[subprocess.Popen[bytes]] = field(default_factory=list)
    messages: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()
        threading.Thread(target=self._listen, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.log.open("ab") as log:
                process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=log)
            self.starts.append(process)
            process.wait()
            self._stop.wait(self.restart_seconds)

    def _listen(self) -> None:
        self.notify.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data = self.notify.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode(errors="replace")))

    def wait_for(self, message: str, after: float, timeout: float = 20.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for when, text in list(self.messages):
                if when >= after and message in text.splitlines():
                    return when
            time.sleep(0.05)
        raise AssertionError(f"no {message} after {after:.1f} within {timeout} s; got {self.messages}")

    def stop(self) -> None:
        self._stop.set()
        for process in self.starts:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@dataclass
class Session:
    workdir: Path
    prefix: list[str]
    env: dict[str, str]
    supervisor: Supervisor
    sway: subprocess.Popen[bytes]

    def kiosk_pid(self, timeout: float = 10.0) -> int:
        """The kiosk process: the child foot started (env -u execs into python)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            foot = self.supervisor.starts[-1]
            kids = _children(foot.pid)
            if kids:
                return kids[0]
            time.sleep(0.05)
        raise AssertionError("foot started no kiosk")

    def run(self, *argv: str) -> None:
        subprocess.run([*self.prefix, *argv], env=self.env, check=True, timeout=30, capture_output=True)

    def shot(self, name: str) -> Image.Image:
        path = self.workdir / f"{name}.png"
        self.run("grim", str(path))
        SHOTS.mkdir(exist_ok=True)
        shutil.copyfile(path, SHOTS / path.name)
        return Image.open(path).convert("RGB")


@pytest.fixture
def session() -> Iterator[Session]:
    prefix, uid, gid = _as_user()
    workdir = Path(tempfile.mkdtemp(prefix="ovac-smoke-"))
    workdir.chmod(0o755)
    runtime = workdir / "run"
    runtime.mkdir(mode=0o700)
    settings = make_settings(workdir, eid={"readers": ["OVAC terminal smoke test: no reader"]})
    assert settings.source is not None
    (workdir / "sway.conf").write_text(
        f"output HEADLESS-1 resolution {SIZE[0]}x{SIZE[1]}\nxwayland disable\ndefault_border none\n"
        "seat * hide_cursor 100\n"
    )
    for path in [workdir, *workdir.rglob("*")]:
        os.chown(path, uid, gid, follow_symlinks=False)
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(runtime),
        "WLR_BACKENDS": "headless",
        "WLR_RENDERER": "pixman",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "WLR_HEADLESS_OUTPUTS": "1",
    }
    python, env = _python_for(prefix, env)
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "foot.log").write_bytes(b"")
    sway = subprocess.Popen([*prefix, "sway", "-c", str(workdir / "sway.conf")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    supervisor: Supervisor | None = None
    try:
        deadline = time.monotonic() + 10
        while not [p for p in runtime.glob("wayland-*") if not p.name.endswith(".lock")]:
            assert sway.poll() is None and time.monotonic() < deadline, "sway did not start"
            time.sleep(0.05)
        wayland = next(p for p in runtime.glob("wayland-*") if not p.name.endswith(".lock"))
        env["WAYLAND_DISPLAY"] = wayland.name
        notify_path = workdir / "notify.sock"
        notify.bind(str(notify_path))
        notify_path.chmod(0o777)
        # As systemd gives them to the unit's main process; the unit's ExecStart removes WATCHDOG_PID.
        unit_env = {**env, "NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "2000000",
                    "WATCHDOG_PID": str(sway.pid)}  # fmt: skip
        command = [*prefix, *_unit_command(python, settings.source)]
        supervisor = Supervisor(list(command), unit_env, notify, SHOTS / "foot.log")
        supervisor.start()
        yield Session(workdir, prefix, env, supervisor, sway)
    finally:
        if supervisor is not None:
            supervisor.stop()
        sway.terminate()
        try:
            sway.wait(5)
        except subprocess.TimeoutExpired:
            sway.kill()
        notify.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    data = image.tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def _near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def _share(image: Image.Image, colour: tuple[int, int, int]) -> float:
    return sum(1 for p in _pixels(image) if _near(p, colour)) / (image.width * image.height)


def _green_centre_x(image: Image.Image) -> float:
    """Where the green of the Start button and of the current language sits, left to right."""
    xs = [i % image.width for i, p in enumerate(_pixels(image)) if _near(p, BUTTON_GREEN)]
    assert xs, "no green button on the screen"
    return sum(xs) / len(xs)


def assert_attract_screen(image: Image.Image) -> None:
    assert image.size == SIZE
    assert len(image.getcolors(maxcolors=1 << 16) or ()) > 20, "the screen is blank"
    assert _share(image, BACKGROUND) > 0.5, "the theme's background does not fill the screen"
    banner = image.crop((0, 0, SIZE[0], 20))
    assert _share(banner, TRAINING_BANNER) > 0.5, "no training-mode banner across the top"
    # the Start button and the current language's button (about 0.85 % of the screen's pixels together)
    assert _share(image, BUTTON_GREEN) > 0.005, "no green Start button"


def test_kiosk_in_foot_under_a_compositor_types_shows_the_attract_screen_and_comes_back_after_sigkill(
    session: Session,
) -> None:
    started = time.monotonic()
    supervisor = session.supervisor
    supervisor.wait_for("READY=1", after=0.0, timeout=30)
    first = session.kiosk_pid()
    supervisor.wait_for("WATCHDOG=1", after=time.monotonic())  # the pings reach the unit's socket
    before = session.shot("1-attract")
    assert_attract_screen(before)
    assert _green_centre_x(before) < SIZE[0] / 2 - 20  # Català, left of the centred Start button

    # Keys through the compositor: the kiosk swallows Ctrl+Q and Ctrl+C; Tab goes from Start past Listen and
    # the languages (ca, es, en, fr) to Română, the rightmost; Enter picks it.
    tabs = [arg for _ in range(6) for arg in ("-k", "Tab")]
    session.run("wtype", "-d", "50", "-M", "ctrl", "q", "-m", "ctrl", "-M", "ctrl", "c", "-m", "ctrl",
                *tabs, "-k", "Return")  # fmt: skip
    time.sleep(0.8)
    typed = session.shot("2-romanian")
    assert_attract_screen(typed)
    assert _green_centre_x(typed) > SIZE[0] / 2 + 20, "Română is not the current language after the keys"
    assert session.kiosk_pid() == first and len(supervisor.starts) == 1, "a key ended the kiosk"

    # A session folder of this process, as a citizen's visit leaves it, and the kiosk killed.
    temp_root = session.workdir / "sessions"
    leftover = temp_root / f"ovac-session-{first}-0123456789ab-crash"
    session.run("mkdir", "-p", str(leftover))
    session.run("touch", str(leftover / "attachment.pdf"))
    killed_at = time.monotonic()
    os.kill(first, signal.SIGKILL)
    supervisor.wait_for("READY=1", after=killed_at, timeout=30)
    second = session.kiosk_pid()
    assert second != first and len(supervisor.starts) == 2
    back = session.shot("3-after-sigkill")
    assert_attract_screen(back)
    assert _green_centre_x(back) < SIZE[0] / 2 - 20, "the kiosk did not come back in Catalan"
    assert time.monotonic() - started < 60
    # kiosk.health.recover() at start-up deletes the session folders of a process that is gone.
    assert not leftover.exists(), "the killed kiosk's session folder survived the restart"
