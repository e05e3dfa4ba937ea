"""kiosk-setup into a temporary root (`--root`): the files it writes with their modes, a second run that
changes nothing, the variants, the release switch and its roll-back, and --uninstall leaving the root as
it was. Under --root nothing is run (apt-get, useradd, systemctl, lpadmin, the venv): each is printed."""

from __future__ import annotations

import io
from pathlib import Path

from deploy import installer
from tests.integration.deploy.helpers import files_of, setup, snapshot

FILES = installer.FILES
SYSTEM = "etc/systemd/system"
WANTS = f"{SYSTEM}/multi-user.target.wants"
RELEASE = "opt/ovac-kiosk/releases/r1"

#: Everything a default installation (cage + foot) writes, with its mode or link target.
DEFAULT_FILES: dict[str, object] = {
    "etc/ovac-kiosk/config.toml": 0o600,
    "etc/ovac-kiosk/foot.ini": 0o644,
    "etc/ovac-kiosk/foot-large.ini": 0o644,
    "etc/ovac-kiosk/opensc.conf": 0o644,
    "etc/polkit-1/rules.d/50-ovac-kiosk.rules": 0o644,
    "etc/ssh/sshd_config.d/ovac-kiosk.conf": 0o644,
    "etc/sysctl.d/90-ovac-kiosk.conf": 0o644,
    "etc/systemd/logind.conf.d/ovac-kiosk.conf": 0o644,
    "etc/systemd/system.conf.d/ovac-kiosk.conf": 0o644,
    f"{SYSTEM}/ovac-kiosk.service": 0o644,
    f"{SYSTEM}/ovac-kiosk-sticks.service": 0o644,
    f"{SYSTEM}/ctrl-alt-del.target": "-> /dev/null",
    f"{WANTS}/ovac-kiosk.service": f"-> /{SYSTEM}/ovac-kiosk.service",
    f"{WANTS}/ovac-kiosk-sticks.service": f"-> /{SYSTEM}/ovac-kiosk-sticks.service",
    "etc/tmpfiles.d/ovac-kiosk.conf": 0o644,
    "etc/udisks2/mount_options.conf": 0o644,
    f"{RELEASE}/RELEASE": 0o644,
    f"{RELEASE}/config.toml": 0o644,
    f"{RELEASE}/docs/deployment.md": 0o644,
    "opt/ovac-kiosk/current": "-> releases/r1",
    "var/lib/ovac-kiosk-setup/manifest.json": 0o600,
}


def test_install_writes_the_planned_files_with_their_modes(tmp_path: Path) -> None:
    status, out = setup(tmp_path, "--release", "r1")
    assert status == 0
    assert files_of(tmp_path) == DEFAULT_FILES
    for rel, mode in DEFAULT_FILES.items():
        if rel.startswith("etc/") and isinstance(mode, int):
            assert (tmp_path / rel).read_bytes() == (FILES / rel).read_bytes(), rel
    assert snapshot(tmp_path)["var/lib/ovac-kiosk-setup"] == ("dir", 0o700)
    # What it would run on a real computer, each on a line of its own, none of it run here.
    would = [line for line in out.splitlines() if line.startswith("would run (not run with --root): ")]
    commands = [line.split(": ", 1)[1] for line in would]
    assert any(c.startswith("apt-get install -y --no-install-recommends cage foot") for c in commands)
    assert any(c.startswith("useradd --system") and "--shell /usr/sbin/nologin" in c for c in commands)
    assert "systemctl daemon-reload" in commands
    assert f"/usr/bin/python3 -m venv {tmp_path}/{RELEASE}/venv" in commands
    assert "would chown (not with --root): ovac-kiosk:ovac-kiosk" in out
    # What is left to fill in: the four blanks of the skeleton and the printer queue.
    left = out.split("left to fill in before the kiosk can start:\n", 1)[1]
    for key in ("[kiosk] id", "[backend] url", "[backend] kiosk_key", "[staff] pin_hash"):
        assert f"/etc/ovac-kiosk/config.toml {key}: " in left
    assert "printer-error-policy=abort-job" in left


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    setup(tmp_path, "--release", "r1")
    before = snapshot(tmp_path, times=True)
    status, out = setup(tmp_path, "--release", "r1")
    assert status == 0
    assert snapshot(tmp_path, times=True) == before  # not even rewritten with the same bytes
    assert "nothing to do: this computer already has this installation" in out
    assert "wrote " not in out and "linked " not in out


def _lived_in_root(root: Path) -> None:
    """A root with what a Debian system already has where kiosk-setup writes."""
    (root / "etc/udisks2").mkdir(parents=True)
    (root / "etc/udisks2/mount_options.conf").write_text("[defaults]\ndefaults=rw\n")
    (root / SYSTEM / "getty.target.wants").mkdir(parents=True)
    (root / SYSTEM / "getty.target.wants/getty@tty1.service").symlink_to("/lib/systemd/system/getty@.service")
    (root / "etc/hostname").write_text("kiosk-01\n")
    (root / "var/lib").mkdir(parents=True)


def test_uninstall_leaves_the_root_as_it_was(tmp_path: Path) -> None:
    _lived_in_root(tmp_path)
    before = snapshot(tmp_path)
    status, out = setup(tmp_path, "--release", "r1")
    assert status == 0
    assert "kept the original etc/udisks2/mount_options.conf" in out
    assert (tmp_path / "etc/udisks2/mount_options.conf").read_bytes() == (
        FILES / "etc/udisks2/mount_options.conf"
    ).read_bytes()
    status, out = setup(tmp_path, "--uninstall")
    assert status == 0
    assert snapshot(tmp_path) == before
    assert "put back the original etc/udisks2/mount_options.conf" in out
    assert "would run (not run with --root): userdel ovac-kiosk" in out
    # Nothing left to remove.
    assert setup(tmp_path, "--uninstall")[1].startswith("nothing to remove")


def test_a_filled_in_config_is_never_overwritten_nor_removed_without_purge(tmp_path: Path) -> None:
    setup(tmp_path, "--release", "r1")
    config = tmp_path / "etc/ovac-kiosk/config.toml"
    filled = config.read_text().replace('url = ""', 'url = "https://ovac.example"')
    config.write_text(filled)
    status, out = setup(tmp_path, "--release", "r1")
    assert config.read_text() == filled
    assert "[backend] url" not in out.split("left to fill in", 1)[1]
    status, out = setup(tmp_path, "--uninstall")
    assert "kept etc/ovac-kiosk/config.toml: it was filled in" in out
    assert config.read_text() == filled
    assert files_of(tmp_path) == {"etc/ovac-kiosk/config.toml": 0o600}
    setup(tmp_path, "--release", "r1")
    setup(tmp_path, "--uninstall", "--purge")
    assert files_of(tmp_path) == {}


def test_touch_and_large_text_variants_replace_each_other(tmp_path: Path) -> None:
    setup(tmp_path, "--release", "r1", "--large-text")
    dropin = f"{SYSTEM}/ovac-kiosk.service.d/large-text.conf"
    assert "OVAC_FOOT_INI=/etc/ovac-kiosk/foot-large.ini" in (tmp_path / dropin).read_text()
    setup(tmp_path, "--release", "r1", "--touch")
    touch = files_of(tmp_path)
    assert touch[f"{SYSTEM}/ovac-kiosk-touch.service"] == 0o644
    assert touch["etc/ovac-kiosk/touch-session"] == 0o755
    assert touch["etc/X11/xorg.conf.d/50-ovac-kiosk.conf"] == 0o644
    assert touch[f"{WANTS}/ovac-kiosk-touch.service"] == f"-> /{SYSTEM}/ovac-kiosk-touch.service"
    for gone in (
        f"{SYSTEM}/ovac-kiosk.service",
        f"{WANTS}/ovac-kiosk.service",
        dropin,
        "etc/ovac-kiosk/foot.ini",
    ):
        assert gone not in touch
    setup(tmp_path, "--release", "r1")
    assert files_of(tmp_path) == DEFAULT_FILES


def test_a_new_release_that_does_not_come_up_is_rolled_back(tmp_path: Path) -> None:
    setup(tmp_path, "--release", "r1")
    out = io.StringIO()
    new = installer.Installer(installer.Options(root=tmp_path, release="r2"), out)
    new.release("r2")
    assert (tmp_path / "opt/ovac-kiosk/releases/r2/RELEASE").exists()
    assert new.switch("r2", came_up=lambda: False) is False
    assert new.current() == "r1"
    assert "release r2 did not come up: back to r1" in out.getvalue()
    assert "would run (not run with --root): systemctl restart ovac-kiosk.service" in out.getvalue()
    # It comes up: r2 runs, r1 stays beside it for --rollback.
    assert new.switch("r2", came_up=lambda: True) is True
    new.save_manifest()
    assert new.current() == "r2"
    status, _ = setup(tmp_path, "--rollback")
    assert status == 0
    assert (tmp_path / "opt/ovac-kiosk/current").readlink() == Path("releases/r1")
    # Both releases side by side; --uninstall removes both.
    assert {p.name for p in (tmp_path / "opt/ovac-kiosk/releases").iterdir()} == {"r1", "r2"}
    setup(tmp_path, "--uninstall")
    assert files_of(tmp_path) == {}


def test_an_interrupted_release_is_built_again(tmp_path: Path) -> None:
    half = tmp_path / "opt/ovac-kiosk/releases/r1"
    half.mkdir(parents=True)
    (half / "venv").mkdir()
    status, out = setup(tmp_path, "--release", "r1")
    assert status == 0 and "installed release r1" in out
    assert not (half / "venv").exists()  # not run under --root: the half-built venv was cleared
    assert (half / "RELEASE").exists()
