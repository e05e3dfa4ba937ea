"""`kiosk-setup`: install the OVAC kiosk on a fresh Debian 12 computer, update it, roll it back, remove it.

kiosk-setup [--touch] [--large-text] [--printer-uri URI]   install, or bring an installed kiosk up to date
kiosk-setup --rollback                                     go back to the release that ran before
kiosk-setup --uninstall [--purge]                          remove what kiosk-setup added
kiosk-setup --root DIR ...                                 the same into DIR (tests): no apt, useradd,
                                                           systemctl or lpadmin, each printed instead

What it installs is declared once (`plan`): the files of `deploy/files/` (laid out as under `/`), the
systemd links (the unit enabled, ctrl-alt-del.target masked) and the config skeleton. Every run makes the
computer match that plan and records what it wrote in a manifest, so a second run writes nothing, a file
that left the plan (e.g. the other variant's unit) is removed, and `--uninstall` removes exactly what was
added and puts back any file it had replaced. The config file is the exception: it is written once and
never overwritten, and `--uninstall` keeps it once it has been filled in (unless `--purge`).

The project goes into /opt/ovac-kiosk/releases/<release>/venv (its own venv, Debian's python3), and
/opt/ovac-kiosk/current points at the release that runs. Installing a new release switches `current`,
restarts the unit and, if the kiosk does not come up (`came_up`), switches back (`switch`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

FILES = Path(__file__).resolve().with_name("files")
PROJECT = Path(__file__).resolve().parent.parent
USER = "ovac-kiosk"
HOME = "/var/lib/ovac-kiosk"
PREFIX = "opt/ovac-kiosk"
MANIFEST = "var/lib/ovac-kiosk-setup/manifest.json"
CONFIG = "etc/ovac-kiosk/config.toml"
UNIT = "ovac-kiosk.service"
TOUCH_UNIT = "ovac-kiosk-touch.service"
STICKS_UNIT = "ovac-kiosk-sticks.service"
QUEUE = "Kiosk_Printer"
#: Next to a file kiosk-setup replaced: the original, put back by --uninstall.
BACKUP_SUFFIX = ".ovac-kiosk-orig"

#: Debian 12 packages of every kiosk: the session (cage, foot), cards (pcscd, the CCID driver, OpenSC),
#: printing (CUPS), USB sticks (udisks2, udiskie, polkit), and what the venv builds pyscard and pycups with.
APT_PACKAGES = (
    "cage", "foot", "foot-terminfo", "fonts-dejavu-core",
    "pcscd", "libccid", "opensc",
    "cups", "cups-client", "cups-filters",
    "udisks2", "udiskie", "polkitd", "dbus",
    "python3", "python3-venv", "python3-dev", "build-essential", "pkg-config",
    "libpcsclite-dev", "swig", "libcups2-dev",
)  # fmt: skip
#: The touch-screen variant's X session instead of cage + foot.
APT_TOUCH = (
    "xserver-xorg-core", "xserver-xorg-input-libinput", "xinit", "x11-xserver-utils",
    "xterm", "matchbox-window-manager",
)  # fmt: skip
#: Files of deploy/files that only one variant installs.
CAGE_ONLY = {f"etc/systemd/system/{UNIT}", "etc/ovac-kiosk/foot.ini", "etc/ovac-kiosk/foot-large.ini"}
TOUCH_ONLY = {
    f"etc/systemd/system/{TOUCH_UNIT}",
    "etc/ovac-kiosk/touch-session",
    "etc/ovac-kiosk/Xresources",
    "etc/X11/xorg.conf.d/50-ovac-kiosk.conf",
}
EXECUTABLE = {"etc/ovac-kiosk/touch-session"}
LARGE_TEXT_DROPIN = f"etc/systemd/system/{UNIT}.d/large-text.conf"
LARGE_TEXT = b"""# OVAC kiosk: large text (kiosk-setup --large-text): foot with bigger letters.
[Service]
Environment=OVAC_FOOT_INI=/etc/ovac-kiosk/foot-large.ini
"""
#: What a filled-in config must have: (section, key, what to put there).
TO_FILL_IN = (
    ("kiosk", "id", "this kiosk's identifier, as registered with the backend"),
    ("backend", "url", "the city's backend, https://..."),
    ("backend", "kiosk_key", "this kiosk's secret, as the backend registered it"),
    ("staff", "pin_hash", "run `/opt/ovac-kiosk/current/venv/bin/kiosk hash-pin` and paste its output"),
)


@dataclass(frozen=True)
class Options:
    root: Path = Path("/")
    touch: bool = False
    large_text: bool = False
    printer_uri: str | None = None
    printer_model: str = "everywhere"
    release: str | None = None
    source: Path = PROJECT
    wait_seconds: float = 60.0

    @property
    def live(self) -> bool:
        """Whether this is the real computer (commands run) or a directory (--root: commands printed)."""
        return self.root.resolve() == Path("/")


@dataclass(frozen=True)
class Entry:
    """One thing kiosk-setup puts at `path` (relative to the root): a file, or a symbolic link."""

    path: str
    content: bytes | None = None
    link: str | None = None
    mode: int = 0o644
    owner: str = "root"
    #: Written once, never overwritten; kept by --uninstall once it differs from what was written.
    keep_if_edited: bool = False


def _unit(options: Options) -> str:
    return TOUCH_UNIT if options.touch else UNIT


def plan(options: Options) -> list[Entry]:
    """Every file and link of an installation with these options, in the order they are written."""
    entries: list[Entry] = []
    for source in sorted(p for p in FILES.rglob("*") if p.is_file()):
        rel = source.relative_to(FILES).as_posix()
        if rel in (TOUCH_ONLY if not options.touch else CAGE_ONLY):
            continue
        if rel == CONFIG:
            entries.append(Entry(rel, source.read_bytes(), mode=0o600, owner=USER, keep_if_edited=True))
        else:
            entries.append(Entry(rel, source.read_bytes(), mode=0o755 if rel in EXECUTABLE else 0o644))
    if options.large_text and not options.touch:
        entries.append(Entry(LARGE_TEXT_DROPIN, LARGE_TEXT))
    wants = "etc/systemd/system/multi-user.target.wants"
    for unit in (_unit(options), STICKS_UNIT):
        entries.append(Entry(f"{wants}/{unit}", link=f"/etc/systemd/system/{unit}"))
    # `systemctl mask ctrl-alt-del.target`, written as systemctl writes it.
    entries.append(Entry("etc/systemd/system/ctrl-alt-del.target", link="/dev/null"))
    return entries


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Manifest:
    """What kiosk-setup added under a root: enough for a rerun to change nothing and --uninstall to undo."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)
    previous: str | None = None
    queue: bool = False
    user: bool = False

    @classmethod
    def load(cls, root: Path) -> Manifest:
        path = root / MANIFEST
        if not path.exists():
            return cls()
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def dump(self) -> bytes:
        return (json.dumps(self.__dict__, indent=1, sort_keys=True) + "\n").encode()


class Installer:
    def __init__(self, options: Options, out: TextIO | None = None) -> None:
        self.options = options
        self.root = options.root
        self.out = sys.stdout if out is None else out
        self.manifest = Manifest.load(self.root)
        self.changed: list[str] = []

    # -- output and commands -------------------------------------------------------------------------

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def run(self, argv: Sequence[str], *, check: bool = True) -> int:
        """Run a command on the real computer; under --root, print what would run instead."""
        if not self.options.live:
            self.say(f"would run (not run with --root): {shlex.join(argv)}")
            return 0
        self.say(f"running: {shlex.join(argv)}")
        return subprocess.run(list(argv), check=check).returncode

    def target(self, rel: str) -> Path:
        return self.root / rel

    # -- files ---------------------------------------------------------------------------------------

    def _mkdirs(self, path: Path) -> None:
        missing: list[Path] = []
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            folder.mkdir(mode=0o755)
            folder.chmod(0o755)
            self.manifest.dirs.append(folder.relative_to(self.root).as_posix())

    def _set_aside(self, path: Path, rel: str) -> bool:
        """A file or link that was there before kiosk-setup: kept next to it for --uninstall."""
        if not (path.exists() or path.is_symlink()):
            return False
        os.replace(path, path.with_name(path.name + BACKUP_SUFFIX))
        self.say(f"kept the original {rel} as {rel}{BACKUP_SUFFIX}")
        return True

    def _chown(self, path: Path, owner: str, shown: Path) -> None:
        if owner == "root":
            return
        if not self.options.live:
            self.say(f"would chown (not with --root): {owner}:{owner} {shown}")
            return
        shutil.chown(path, owner, owner)

    def put(self, entry: Entry) -> None:
        path = self.target(entry.path)
        if entry.link is not None:
            known_link = self.manifest.links.get(entry.path)
            if known_link is not None and path.is_symlink() and os.readlink(path) == entry.link:
                return
            self._mkdirs(path)
            if known_link is None:
                backup = self._set_aside(path, entry.path)
            else:
                backup = bool(known_link["backup"])
                if path.is_symlink() or path.exists():
                    path.unlink()
            path.symlink_to(entry.link)
            self.manifest.links[entry.path] = {"target": entry.link, "backup": backup}
            self._changed(f"linked {entry.path} -> {entry.link}")
            return
        assert entry.content is not None
        known = self.manifest.files.get(entry.path)
        exists = path.is_file() and not path.is_symlink()
        if entry.keep_if_edited and exists:
            if known is None:  # a config kept by an earlier --uninstall, or written by hand: adopted
                self.manifest.files[entry.path] = {"sha256": _sha(entry.content), "backup": False}
                self._changed(f"kept the existing {entry.path}")
            return
        if known is not None and exists:
            if path.read_bytes() == entry.content and (path.stat().st_mode & 0o7777) == entry.mode:
                return
        self._mkdirs(path)
        backup = known["backup"] if known is not None else self._set_aside(path, entry.path)
        tmp = path.with_name(f".{path.name}.kiosk-setup")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, entry.mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(entry.content)
        os.chmod(tmp, entry.mode)
        self._chown(tmp, entry.owner, path)
        os.replace(tmp, path)
        self.manifest.files[entry.path] = {"sha256": _sha(entry.content), "backup": backup}
        owner = "" if entry.owner == "root" else f", {entry.owner}"
        self._changed(f"wrote {entry.path} ({entry.mode:04o}{owner})")

    def remove(self, rel: str, *, keep_if_edited: bool = False, purge: bool = False) -> None:
        """Take away one file or link kiosk-setup added, and put back what it had replaced."""
        path = self.target(rel)
        record = self.manifest.files.pop(rel, None)
        link = self.manifest.links.pop(rel, None)
        if link is not None:
            record = link
            if path.is_symlink() and os.readlink(path) == link["target"]:
                path.unlink()
                self._changed(f"removed {rel}")
        elif record is not None and path.is_file():
            if keep_if_edited and not purge and _sha(path.read_bytes()) != record.get("sha256"):
                self.say(f"kept {rel}: it was filled in (remove it with --purge)")
                return
            path.unlink()
            self._changed(f"removed {rel}")
        if record is not None and record.get("backup"):
            os.replace(path.with_name(path.name + BACKUP_SUFFIX), path)
            self._changed(f"put back the original {rel}")

    def _changed(self, line: str) -> None:
        self.changed.append(line)
        self.say(line)

    def save_manifest(self) -> None:
        path = self.target(MANIFEST)
        data = self.manifest.dump()
        if path.exists() and path.read_bytes() == data:
            return
        if not path.parent.exists():
            self._mkdirs(path)
            path.parent.chmod(0o700)
            data = self.manifest.dump()  # the manifest's own folder is in it
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o600)
        os.replace(tmp, path)

    # -- steps ---------------------------------------------------------------------------------------

    def packages(self) -> None:
        wanted = list(APT_PACKAGES) + (list(APT_TOUCH) if self.options.touch else [])
        if self.options.live:
            wanted = [p for p in wanted if not _installed(p)]
            if not wanted:
                return
        self.run(["apt-get", "install", "-y", "--no-install-recommends", *wanted])
        if self.options.live:
            self.changed.append("installed Debian packages")

    def user(self) -> None:
        if self.options.live:
            import pwd

            try:
                pwd.getpwnam(USER)
                return
            except KeyError:
                pass
        # A system user with no shell and no password: it can only be the session of the unit; no
        # groups (no sudo, no adm): logind gives the active session its seat's display and input.
        self.run(["useradd", "--system", "--user-group", "--home-dir", HOME, "--create-home",
                  "--shell", "/usr/sbin/nologin", "--comment", "OVAC kiosk session", USER])  # fmt: skip
        if self.options.live:
            self.manifest.user = True
            self.changed.append(f"created the user {USER}")

    def files(self) -> None:
        wanted = plan(self.options)
        names = {e.path for e in wanted}
        for rel in sorted((set(self.manifest.files) | set(self.manifest.links)) - names):
            self.remove(rel)
        for entry in wanted:
            self.put(entry)

    def release_name(self) -> str:
        if self.options.release:
            return self.options.release
        meta = tomllib.loads((self.options.source / "pyproject.toml").read_text(encoding="utf-8"))
        version = str(meta["project"]["version"])
        try:
            commit = subprocess.run(
                ["git", "-C", str(self.options.source), "rev-parse", "--short=10", "HEAD"],
                capture_output=True, text=True, check=True, timeout=10,
            ).stdout.strip()  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return version
        return f"{version}+g{commit}"

    def release(self, name: str) -> None:
        """The project in its own venv under releases/<name>; RELEASE is written last (a release without it
        was interrupted and is built again)."""
        folder = self.target(f"{PREFIX}/releases/{name}")
        marker = folder / "RELEASE"
        if marker.exists():
            return
        if folder.exists():
            shutil.rmtree(folder)
        self._mkdirs(folder)
        folder.mkdir(mode=0o755)
        venv = folder / "venv"
        self.run(["/usr/bin/python3", "-m", "venv", str(venv)])
        self.run([str(venv / "bin/pip"), "install", "--quiet", "--no-cache-dir", str(self.options.source)])
        (folder / "docs").mkdir(mode=0o755)
        for doc in ("docs/deployment.md", "config.toml"):
            if (self.options.source / doc).exists():
                shutil.copyfile(self.options.source / doc, folder / doc)
        marker.write_text(f"{name}\nfrom {self.options.source}\n", encoding="utf-8")
        if name not in self.manifest.releases:
            self.manifest.releases.append(name)
        self._changed(f"installed release {name} in {PREFIX}/releases/{name}")

    def current(self) -> str | None:
        link = self.target(f"{PREFIX}/current")
        if not link.is_symlink():
            return None
        return os.readlink(link).removeprefix("releases/")

    def point(self, name: str) -> None:
        link = self.target(f"{PREFIX}/current")
        tmp = link.with_name(".current.kiosk-setup")
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(f"releases/{name}")
        os.replace(tmp, link)
        self._changed(f"{PREFIX}/current -> releases/{name}")

    def restart(self) -> None:
        self.run(["systemctl", "restart", _unit(self.options)], check=False)

    def came_up(self) -> bool:
        """The unit is running and has not restarted for a while: the kiosk came up."""
        if not self.options.live:
            self.say(f"would check (not with --root) that {_unit(self.options)} stays up")
            return True
        return unit_stays_up(_unit(self.options), self.options.wait_seconds)

    def switch(self, name: str, came_up: Callable[[], bool] | None = None) -> bool:
        """Run release `name`: point `current` at it, restart the kiosk, and go back to the release that
        ran before if it does not come up. True if `name` runs."""
        before = self.current()
        if before == name:
            return True
        self.point(name)
        if before is None:
            return True
        self.manifest.previous = before
        if came_up is None:
            if not _systemd_running(self.options):
                self.say(f"{_unit(self.options)} is not running here: release {name} starts at the next boot")
                return True
            came_up = self.came_up
        self.restart()
        if came_up():
            return True
        self.say(f"release {name} did not come up: back to {before}")
        self.point(before)
        self.manifest.previous = None
        self.restart()
        return False

    def queue(self) -> None:
        if self.options.printer_uri is None:
            return
        if self.options.live and subprocess.run(["lpstat", "-p", QUEUE], capture_output=True).returncode == 0:
            return
        self.run(queue_command(self.options.printer_uri, self.options.printer_model))
        if self.options.live:
            self.manifest.queue = True
            self.changed.append(f"set up the CUPS queue {QUEUE}")

    def apply(self) -> None:
        """Make what changed take effect on the running computer (nothing under --root, nothing if
        nothing changed)."""
        if not self.changed:
            return
        self.run(["systemctl", "daemon-reload"], check=False)
        self.run(["systemd-tmpfiles", "--create", "/etc/tmpfiles.d/ovac-kiosk.conf"], check=False)
        self.run(["sysctl", "--load=/etc/sysctl.d/90-ovac-kiosk.conf"], check=False)

    def left_to_fill_in(self) -> list[str]:
        lines: list[str] = []
        config = self.target(CONFIG)
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        for section, key, what in TO_FILL_IN:
            if not str(data.get(section, {}).get(key, "")).strip():
                lines.append(f"/etc/ovac-kiosk/config.toml [{section}] {key}: {what}")
        if not self.manifest.queue and self.options.printer_uri is None:
            by_hand = shlex.join(queue_command("<device-uri>", "everywhere"))
            lines.append(f"the printer queue: kiosk-setup --printer-uri <device-uri>, or {by_hand}")
        return lines

    # -- commands ------------------------------------------------------------------------------------

    def install(self) -> int:
        self.packages()
        self.user()
        self.files()
        name = self.release_name()
        self.release(name)
        self.queue()
        self.save_manifest()
        ok = self.switch(name)
        self.apply()
        self.save_manifest()
        if not self.changed:
            self.say("nothing to do: this computer already has this installation")
        todo = self.left_to_fill_in()
        if todo:
            self.say("left to fill in before the kiosk can start:")
            for line in todo:
                self.say(f"  - {line}")
        if self.changed and self.options.live:
            self.say("reboot to start the kiosk with the lock-down in force (logind, sysctl, systemd)")
        return 0 if ok else 3

    def rollback(self) -> int:
        previous = self.manifest.previous
        if previous is None or not self.target(f"{PREFIX}/releases/{previous}/RELEASE").exists():
            self.say("no earlier release to go back to")
            return 2
        now = self.current()
        self.point(previous)
        self.manifest.previous = now
        self.restart()
        self.save_manifest()
        return 0

    def uninstall(self, *, purge: bool = False) -> int:
        if not self.target(MANIFEST).exists():
            self.say("nothing to remove: kiosk-setup has not installed anything here")
            return 0
        if _systemd_running(self.options):
            self.run(["systemctl", "stop", UNIT, TOUCH_UNIT, STICKS_UNIT], check=False)
        for rel in sorted(set(self.manifest.files) | set(self.manifest.links)):
            self.remove(rel, keep_if_edited=rel == CONFIG, purge=purge)
        current = self.target(f"{PREFIX}/current")
        if current.is_symlink():
            current.unlink()
        for name in self.manifest.releases:
            folder = self.target(f"{PREFIX}/releases/{name}")
            if folder.exists():
                shutil.rmtree(folder)
                self._changed(f"removed release {name}")
        if self.manifest.queue:
            self.run(["lpadmin", "-x", QUEUE], check=False)
        if self.manifest.user or not self.options.live:
            self.run(["userdel", USER], check=False)
        self.target(MANIFEST).unlink()
        for rel in sorted(self.manifest.dirs, key=lambda d: d.count("/"), reverse=True):
            folder = self.target(rel)
            try:
                folder.rmdir()
            except OSError:  # not empty: something else lives there now
                self.say(f"kept {rel}/: it holds files kiosk-setup did not add")
        self.run(["systemctl", "daemon-reload"], check=False)
        return 0


def queue_command(uri: str, model: str) -> list[str]:
    """The kiosk's CUPS queue: a failed job ends (aborted) instead of stopping the queue for the next
    citizen, and the queue is shared with nobody."""
    return ["lpadmin", "-p", QUEUE, "-E", "-v", uri, "-m", model,
            "-o", "printer-error-policy=abort-job", "-o", "printer-is-shared=false"]  # fmt: skip


def _installed(package: str) -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() == "install ok installed"


def _systemd_running(options: Options) -> bool:
    return options.live and Path("/run/systemd/system").is_dir()


def unit_stays_up(unit: str, wait_seconds: float, settle_seconds: float = 15.0) -> bool:
    """Within `wait_seconds`, the unit is active and its main process has not changed or restarted for
    `settle_seconds` (a kiosk that crashes at start is restarted by Restart=always: NRestarts grows)."""
    deadline = time.monotonic() + wait_seconds
    steady_since: float | None = None
    seen: tuple[str, str] | None = None
    while time.monotonic() < deadline:
        shown = subprocess.run(
            ["systemctl", "show", unit, "-p", "ActiveState", "-p", "MainPID", "-p", "NRestarts"],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        values = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
        state = (values.get("MainPID", "0"), values.get("NRestarts", ""))
        if values.get("ActiveState") == "active" and state[0] != "0" and state == seen:
            if steady_since is not None and time.monotonic() - steady_since >= settle_seconds:
                return True
        else:
            seen, steady_since = state, time.monotonic()
        time.sleep(1.0)
    return False


def _parser() -> argparse.ArgumentParser:
    """The options named as `Options`' fields, each default in `Options` only (an option not given is not
    in the parsed namespace); --rollback, --uninstall and --purge choose what to do."""
    parser = argparse.ArgumentParser(
        prog="kiosk-setup", description=__doc__.splitlines()[0], argument_default=argparse.SUPPRESS
    )
    parser.add_argument("--root", type=Path, help="install into this folder (tests)")
    parser.add_argument("--touch", action="store_true", help="touch screen: X + matchbox + xterm")
    parser.add_argument("--large-text", action="store_true", help="foot with the large-text font size")
    parser.add_argument("--printer-uri", help="device URI of the kiosk printer (see lpinfo -v)")
    parser.add_argument("--printer-model", help="lpadmin -m (default: everywhere)")
    parser.add_argument("--release", help="release name (default: version+git commit)")
    parser.add_argument("--source", type=_absolute, help="the project to install")
    parser.add_argument(
        "--wait", dest="wait_seconds", type=float, metavar="SECONDS", help="for a new release to start"
    )
    parser.add_argument("--rollback", action="store_true", default=False, help="run the release before")
    parser.add_argument("--uninstall", action="store_true", default=False, help="remove what it added")
    parser.add_argument(
        "--purge", action="store_true", default=False, help="with --uninstall: the config too"
    )
    return parser


def _absolute(path: str) -> Path:
    return Path(path).resolve()


def main(argv: Sequence[str] | None = None) -> int:
    args = vars(_parser().parse_args(argv))
    what = {name: args.pop(name) for name in ("rollback", "uninstall", "purge")}
    options = Options(**args)
    if options.live and os.geteuid() != 0:
        print("kiosk-setup: run as root (or with --root DIR to install into a folder)", file=sys.stderr)
        return 2
    installer = Installer(options)
    if what["uninstall"]:
        return installer.uninstall(purge=what["purge"])
    if what["rollback"]:
        return installer.rollback()
    return installer.install()


if __name__ == "__main__":
    sys.exit(main())
