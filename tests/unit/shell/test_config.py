"""Config loading: the project's file is valid, and every kind of broken file gets one plain message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import config
from kiosk.staff import hash_pin, verify_pin

ROOT = Path(__file__).resolve().parents[3]
GOOD = (ROOT / "config.toml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_project_config_is_valid_and_training() -> None:
    settings = config.load(ROOT / "config.toml")
    assert settings.kiosk.id == "mataro-demo-01"
    assert settings.training
    assert settings.ui.languages == ("ca", "es", "en", "fr", "ro")
    assert settings.backend.kiosk_key.get_secret_value()
    assert settings.backend.kiosk_key.get_secret_value() not in repr(settings)


def test_settings_are_frozen() -> None:
    settings = config.load(ROOT / "config.toml")
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen models
        settings.ui.idle_warning_seconds = 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace('id = "mataro-demo-01"', 'id = "mataro-demo-01'), "is not valid TOML"),
        (
            lambda t: t.replace("idle_warning_seconds = 90", "idle_warning_seconds = -5"),
            "idle_warning_seconds",
        ),
        (lambda t: t.replace("idle_wipe_seconds = 30", 'idle_wipe_seconds = "soon"'), "idle_wipe_seconds"),
        (lambda t: t.replace("retries = 2", "retires = 2"), "retires is not a known key"),
        (lambda t: t.replace('id = "mataro-demo-01"\n', ""), "[kiosk] id is required but missing"),
        (lambda t: t.replace('kind = "folder"', 'kind = "fax"'), "[printer] kind"),
        (lambda t: t.replace('mode = "training"', 'mode = "party"'), "[kiosk] mode"),
        (lambda t: t.replace('default_language = "ca"', 'default_language = "de"'), "default_language"),
        (lambda t: t.replace('url = "http://127.0.0.1:8765"', 'url = "127.0.0.1:8765"'), "[backend] url"),
        (
            lambda t: t.replace('languages = ["ca", "es", "en", "fr", "ro"]', 'languages = ["ca", "ca"]'),
            "listed twice",
        ),
        (lambda t: t + "\n[extra]\nx = 1\n", "extra is not a known key"),
        (lambda t: t.replace("pin_hash = ", "pin_hash = 'plain' #"), "[staff] pin_hash"),
    ],
)
def test_broken_file_names_file_and_key(tmp_path: Path, change: object, expected: str) -> None:
    path = _write(tmp_path, change(GOOD))  # type: ignore[operator]
    with pytest.raises(config.ConfigError) as caught:
        config.load(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert expected in message, message
    assert "\n" not in message


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="file not found"):
        config.load(tmp_path / "nope.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(GOOD.encode("utf-8").replace("Atenció".encode(), "Atenció".encode("latin-1")))
    with pytest.raises(config.ConfigError, match="not UTF-8"):
        config.load(bad)


def test_environment_variable_picks_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, GOOD.replace("mataro-demo-01", "env-kiosk"))
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    assert config.load().kiosk.id == "env-kiosk"
    assert config.load(ROOT / "config.toml").kiosk.id == "mataro-demo-01"  # --config wins


def _kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_check_config_command(tmp_path: Path) -> None:
    ok = _kiosk("--check-config", str(ROOT / "config.toml"))
    assert ok.returncode == 0 and "OK" in ok.stdout
    broken = _write(tmp_path, GOOD.replace("idle_warning_seconds = 90", "idle_warning_seconds = -5"))
    result = _kiosk("--check-config", str(broken))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(broken) in result.stderr and "idle_warning_seconds" in result.stderr
    via_env = _kiosk("--check-config", env={"KIOSK_CONFIG": str(broken)})
    assert via_env.returncode == 2 and "idle_warning_seconds" in via_env.stderr


def test_running_with_a_broken_config_exits_2_without_traceback(tmp_path: Path) -> None:
    broken = _write(tmp_path, "[kiosk\n")
    result = _kiosk("--config", str(broken))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "is not valid TOML" in result.stderr


def test_staff_pin_hash_round_trip() -> None:
    encoded = hash_pin("24681357")
    assert encoded.startswith("scrypt$") and "24681357" not in encoded
    assert verify_pin("24681357", encoded)
    assert not verify_pin("24681358", encoded)
    assert not verify_pin("24681357", "scrypt$garbage")
    assert hash_pin("x", salt=b"s" * 16) != hash_pin("x", salt=b"t" * 16)
