"""The installed files checked by the tools that read them: `systemd-analyze verify` on every unit (with
its drop-ins, as installed), `foot --check-config`, `systemd-tmpfiles`, and the kiosk's own config check;
and each lock-down setting of the issue found where the tool that applies it reads it."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from deploy import installer
from kiosk import config as kiosk_config
from tests.integration.deploy.helpers import setup

FILES = installer.FILES
UNITS = sorted((FILES / "etc/systemd/system").glob("*.service"))


def _verify(unit: Path) -> str:
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}".strip()


needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze comes with systemd (make test installs it)",
)


@needs_systemd
@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_systemd_analyze_verify_finds_nothing(unit: Path) -> None:
    # verify checks every key and value, and that each ExecStart= program exists (cage, xinit, udiskie:
    # make test installs them); any warning is a failure.
    assert _verify(unit) == "exit 0"


@needs_systemd
@pytest.mark.parametrize(
    "variant", [(), ("--large-text",), ("--touch",)], ids=["cage", "large-text", "touch"]
)
def test_installed_units_and_drop_ins_verify(tmp_path: Path, variant: tuple[str, ...]) -> None:
    assert setup(tmp_path, "--release", "r1", *variant)[0] == 0
    units = sorted((tmp_path / "etc/systemd/system").glob("*.service"))
    assert len(units) == 2
    for unit in units:
        assert _verify(unit) == "exit 0", unit.name
    if variant == ("--large-text",):
        # verify reads the installed drop-in too: spoilt, it is reported.
        dropin = tmp_path / "etc/systemd/system/ovac-kiosk.service.d/large-text.conf"
        dropin.write_text(dropin.read_text().replace("Environment=", "Environmnt="))
        assert "large-text.conf:3: Unknown key 'Environmnt'" in _verify(
            tmp_path / "etc/systemd/system/ovac-kiosk.service"
        )


@needs_systemd
@pytest.mark.parametrize(
    ("conf", "wanted"),
    [
        (
            "systemd/logind.conf",
            ["NAutoVTs=0", "HandlePowerKey=ignore", "HandleRebootKey=ignore", "HandleSuspendKey=ignore"],
        ),
        ("systemd/system.conf", ["CtrlAltDelBurstAction=none"]),
    ],
)
def test_systemd_reads_the_installed_lock_down_drop_ins(tmp_path: Path, conf: str, wanted: list[str]) -> None:
    setup(tmp_path, "--release", "r1")
    shown = subprocess.run(
        ["systemd-analyze", "cat-config", f"--root={tmp_path}", conf],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    lines = shown.splitlines()
    for line in wanted:
        assert line in lines, line


@needs_systemd
def test_verify_would_catch_a_broken_unit(tmp_path: Path) -> None:
    broken = tmp_path / "ovac-kiosk.service"
    broken.write_text(
        (FILES / "etc/systemd/system/ovac-kiosk.service")
        .read_text()
        .replace("Restart=always", "Restart=alway")
    )
    assert "Failed to parse service restart specifier" in _verify(broken)


def test_the_kiosk_unit_is_what_the_issue_asks() -> None:
    unit = (FILES / "etc/systemd/system/ovac-kiosk.service").read_text()
    for line in (
        "User=ovac-kiosk",
        "PAMName=login",
        "TTYPath=/dev/tty1",
        "Restart=always",
        "Conflicts=getty@tty1.service",
        "Type=notify",
        "NotifyAccess=all",
        "WatchdogSec=30s",
        "StartLimitIntervalSec=0",
        "Environment=TMPDIR=/run/ovac-kiosk",
        "Environment=OPENSC_CONF=/etc/ovac-kiosk/opensc.conf",
    ):
        assert f"\n{line}\n" in unit, line
    start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    # cage without -s: no VT switching; the kiosk without $WATCHDOG_PID, so its pings count.
    assert start.startswith("ExecStart=/usr/bin/cage -d -- /usr/bin/foot --config=${OVAC_FOOT_INI} ")
    assert " -s " not in start
    kiosk = "/opt/ovac-kiosk/current/venv/bin/kiosk --config /etc/ovac-kiosk/config.toml"
    assert start.endswith(f" /usr/bin/env -u WATCHDOG_PID {kiosk}")


def _foot_check(path: Path) -> str:
    done = subprocess.run(
        ["foot", f"--config={path}", "--check-config"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    problems = [line for line in done.stderr.splitlines() if " err: " in line or " warn: " in line]
    return f"exit {done.returncode} {problems}"


@pytest.mark.skipif(shutil.which("foot") is None, reason="foot is installed by make test")
def test_foot_reads_both_configs_without_a_complaint(tmp_path: Path) -> None:
    assert _foot_check(FILES / "etc/ovac-kiosk/foot.ini") == "exit 0 []"
    large = tmp_path / "foot-large.ini"
    large.write_text(
        (FILES / "etc/ovac-kiosk/foot-large.ini")
        .read_text()
        .replace("/etc/ovac-kiosk/foot.ini", str(FILES / "etc/ovac-kiosk/foot.ini"))
    )
    assert _foot_check(large) == "exit 0 []"


class _CaseKeptParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # keys as written: foot and systemd read them case-sensitively


def _ini(path: Path) -> configparser.ConfigParser:
    parser = _CaseKeptParser(interpolation=None, strict=True)
    parser.read_string(path.read_text())
    return parser


def test_foot_has_no_scrollback_url_launching_or_spawning_key() -> None:
    foot = _ini(FILES / "etc/ovac-kiosk/foot.ini")
    assert foot["scrollback"]["lines"] == "0"
    assert foot["url"]["launch"] == "/bin/false"
    assert foot["bell"]["command"] == "/bin/false"
    assert foot["main"]["font"] == "DejaVu Sans Mono:size=14"
    assert foot["colors"]["background"] == "121212"
    # Every binding foot 1.13 has that scrolls, pastes, pipes, spawns or opens a URL is unbound.
    for key in (
        "spawn-terminal",
        "pipe-visible",
        "pipe-scrollback",
        "pipe-selected",
        "show-urls-launch",
        "clipboard-paste",
        "primary-paste",
        "scrollback-up-page",
        "search-start",
        "unicode-input",
    ):
        assert foot["key-bindings"][key] == "none", key
    assert foot["mouse-bindings"]["primary-paste"] == "none"
    large = _ini(FILES / "etc/ovac-kiosk/foot-large.ini")
    assert large["main"]["include"] == "/etc/ovac-kiosk/foot.ini"
    assert large["main"]["font"] == "DejaVu Sans Mono:size=22"


def test_lock_down_settings_are_where_systemd_and_the_kernel_read_them() -> None:
    manager = _ini(FILES / "etc/systemd/system.conf.d/ovac-kiosk.conf")["Manager"]
    assert manager["CtrlAltDelBurstAction"] == "none"
    login = _ini(FILES / "etc/systemd/logind.conf.d/ovac-kiosk.conf")["Login"]
    assert login["NAutoVTs"] == "0" and login["ReserveVT"] == "0"
    for key in (
        "HandlePowerKey",
        "HandleRebootKey",
        "HandleSuspendKey",
        "HandleHibernateKey",
        "HandleLidSwitch",
    ):
        assert login[key] == "ignore", key
    assert (FILES / "etc/sysctl.d/90-ovac-kiosk.conf").read_text().splitlines()[-1] == "kernel.sysrq = 0"
    assert "DenyUsers ovac-kiosk" in (FILES / "etc/ssh/sshd_config.d/ovac-kiosk.conf").read_text()
    xorg = (FILES / "etc/X11/xorg.conf.d/50-ovac-kiosk.conf").read_text()
    for option in (
        '"DontVTSwitch" "true"',
        '"DontZap" "true"',
        '"BlankTime" "0"',
        '"XkbOptions" "srvrkeys:none"',
    ):
        assert f"Option {option}" in xorg
    # ctrl-alt-del.target masked as `systemctl mask` does it.
    masked = [e for e in installer.plan(installer.Options()) if e.path.endswith("ctrl-alt-del.target")]
    assert [e.link for e in masked] == ["/dev/null"]
    # The kiosk user: no shell, no groups (no sudo), no password.
    out = setup_lines()
    user = next(line for line in out if "useradd" in line)
    assert "--shell /usr/sbin/nologin" in user and "--groups" not in user and " -G " not in user


def setup_lines() -> list[str]:
    import contextlib
    import io
    import tempfile

    with tempfile.TemporaryDirectory() as root:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            installer.main(["--root", root, "--release", "r1"])
    return out.getvalue().splitlines()


def test_usb_sticks_are_mounted_read_only_under_the_kiosk_mount_root() -> None:
    options = _ini(FILES / "etc/udisks2/mount_options.conf")["defaults"]
    assert set(options["defaults"].split(",")) == {"ro", "noexec", "nosuid", "nodev"}
    allowed = set(options["allow"].split(","))
    assert not allowed & {"rw", "exec", "suid", "dev"}
    skeleton = tomllib.loads((FILES / "etc/ovac-kiosk/config.toml").read_text())
    # udisks2 mounts a user's sticks under /media/<user>: the kiosk's file picker looks exactly there.
    assert skeleton["attachments"]["mount_roots"] == ["/media/ovac-kiosk"]
    # When the citizen is told to take the stick: unmounted and powered off (udiskie, allowed by polkit).
    assert skeleton["attachments"]["eject_command"] == ["/usr/bin/udiskie-umount", "--detach"]
    sticks = (FILES / "etc/systemd/system/ovac-kiosk-sticks.service").read_text()
    assert "User=ovac-kiosk" in sticks and "udiskie --automount" in sticks
    rule = (FILES / "etc/polkit-1/rules.d/50-ovac-kiosk.rules").read_text()
    assert '"org.freedesktop.udisks2.power-off-drive"' in rule and "polkit.Result.NO" in rule


@pytest.mark.skipif(shutil.which("systemd-tmpfiles") is None, reason="systemd-tmpfiles comes with systemd")
def test_tmpfiles_makes_the_kiosk_temp_folder_0700(tmp_path: Path) -> None:
    # The user is root here (ovac-kiosk exists only on a kiosk); the rest of the line as shipped.
    line = (FILES / "etc/tmpfiles.d/ovac-kiosk.conf").read_text().splitlines()[-1]
    assert line == "d /run/ovac-kiosk 0700 ovac-kiosk ovac-kiosk -"
    conf = tmp_path / "ovac-kiosk.conf"
    conf.write_text(line.replace("ovac-kiosk ovac-kiosk", "root root") + "\n")
    root = tmp_path / "root"
    (root / "run").mkdir(parents=True)
    subprocess.run(["systemd-tmpfiles", "--create", f"--root={root}", str(conf)], check=True, timeout=30)
    made = root / "run/ovac-kiosk"
    assert made.is_dir() and (made.stat().st_mode & 0o7777) == 0o700


def test_the_config_skeleton_is_refused_until_filled_in_then_accepted(tmp_path: Path) -> None:
    skeleton = (FILES / "etc/ovac-kiosk/config.toml").read_text()
    blank = tmp_path / "blank.toml"
    blank.write_text(skeleton)
    refused = subprocess.run(
        [str(Path(sys.executable).with_name("kiosk")), "--check-config", str(blank)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    filled = tmp_path / "filled.toml"
    filled.write_text(
        skeleton.replace('id = ""', 'id = "mataro-biblioteca-01"')
        .replace('url = ""', 'url = "https://ovac.example.cat"')
        .replace('kiosk_key = ""', 'kiosk_key = "a-real-secret-of-this-kiosk"')
        .replace('pin_hash = ""', 'pin_hash = "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNo"')
    )
    settings = kiosk_config.load_for_kiosk(filled, environ={})
    assert settings.kiosk.mode == "production"
    assert settings.kiosk.temp_dir == Path("/run/ovac-kiosk")
    assert settings.printer.kind == "cups" and settings.printer.name == installer.QUEUE


POLKIT_HARNESS = """
const fs = require("fs");
let rule = null;
const polkit = {Result: {YES: "yes", NO: "no", NOT_HANDLED: "not handled"}, addRule: (f) => { rule = f; }};
eval(fs.readFileSync(process.argv[2], "utf8"));
const answers = {};
for (const [user, action] of JSON.parse(process.argv[3])) {
    answers[user + " " + action] = rule({id: action}, {user: user, local: true, active: true});
}
console.log(JSON.stringify(answers));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="the polkit rule is JavaScript: node runs it")
def test_the_polkit_rule_lets_the_kiosk_user_mount_and_power_off_sticks_and_nothing_else(
    tmp_path: Path,
) -> None:
    import json

    harness = tmp_path / "harness.js"
    harness.write_text(POLKIT_HARNESS)
    udisks = "org.freedesktop.udisks2."
    asked = [
        ["ovac-kiosk", udisks + "filesystem-mount"],
        ["ovac-kiosk", udisks + "eject-media"],
        ["ovac-kiosk", udisks + "power-off-drive"],
        ["ovac-kiosk", udisks + "modify-device"],
        ["ovac-kiosk", udisks + "filesystem-mount-system"],
        ["ovac-kiosk", udisks + "loop-setup"],
        ["ovac-kiosk", "org.freedesktop.login1.reboot"],
        ["ovac-kiosk", "org.freedesktop.login1.power-off"],
        ["ovac-kiosk", "org.freedesktop.systemd1.manage-units"],
        ["ovac-kiosk", "org.freedesktop.NetworkManager.network-control"],
        ["staff", udisks + "filesystem-mount"],
    ]
    done = subprocess.run(
        ["node", str(harness), str(FILES / "etc/polkit-1/rules.d/50-ovac-kiosk.rules"), json.dumps(asked)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answers = json.loads(done.stdout)
    assert answers == {
        f"ovac-kiosk {udisks}filesystem-mount": "yes",
        f"ovac-kiosk {udisks}eject-media": "yes",
        f"ovac-kiosk {udisks}power-off-drive": "yes",
        f"ovac-kiosk {udisks}modify-device": "no",
        f"ovac-kiosk {udisks}filesystem-mount-system": "no",
        f"ovac-kiosk {udisks}loop-setup": "no",
        "ovac-kiosk org.freedesktop.login1.reboot": "no",
        "ovac-kiosk org.freedesktop.login1.power-off": "no",
        "ovac-kiosk org.freedesktop.systemd1.manage-units": "no",
        "ovac-kiosk org.freedesktop.NetworkManager.network-control": "not handled",
        f"staff {udisks}filesystem-mount": "not handled",
    }
