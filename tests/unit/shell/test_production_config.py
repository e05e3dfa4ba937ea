"""Production config: a kiosk in `mode = "production"` refuses the demo's secrets and demo-only settings,
with one line per problem naming the file and the key, exit 2 and no traceback; training still runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import config
from kiosk.staff import hash_pin

ROOT = Path(__file__).resolve().parents[3]
DEMO = (ROOT / "config.toml").read_text(encoding="utf-8")
DEMO_HASH_LINE = next(line for line in DEMO.splitlines() if line.startswith("pin_hash = "))
#: Only the test-card variable is taken from the environment: the tests' own may carry it (pcsc_stack).
CLEAN_ENV = {k: v for k, v in os.environ.items() if k != config.TESTCARDS_ENV}

#: A production file with nothing left of the demo: the base each test breaks in one way.
SAFE = (
    DEMO.replace('mode = "training"', 'mode = "production"')
    .replace(DEMO_HASH_LINE, f'pin_hash = "{hash_pin("a-real-kiosk-pin", salt=b"k" * 16)}"')
    .replace('kiosk_key = "demo-kiosk-key-not-secret"', 'kiosk_key = "Zr7m0w1b3x9QkLh2Vt5yNs8c"')
    .replace('url = "http://127.0.0.1:8765"', 'url = "https://ovac.mataro.example/kiosk"')
    .replace(
        'pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"', 'pkcs11_module = "/usr/lib/opensc-pkcs11.so"'
    )
    .replace('kind = "folder"', 'kind = "cups"')
    .replace('cards = "test"', 'cards = "pkcs11"')
    .replace('name = ""', 'name = "Kiosk_Printer"', 1)
)
SAFE_HASH_LINE = next(line for line in SAFE.splitlines() if line.startswith("pin_hash = "))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _kiosk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_a_production_file_without_demo_values_passes(tmp_path: Path) -> None:
    settings = config.load_for_kiosk(_write(tmp_path, SAFE), environ={})
    assert settings.kiosk.mode == "production" and settings.printer.kind == "cups"
    assert config.production_problems(settings, {}) == []


def test_the_demo_and_training_config_still_passes() -> None:
    settings = config.load_for_kiosk(ROOT / "config.toml", environ={config.TESTCARDS_ENV: "/tmp/cards"})
    assert settings.training and settings.printer.kind == "folder"


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (lambda t: t.replace(SAFE_HASH_LINE, DEMO_HASH_LINE), "[staff] pin_hash", "published"),
        (
            # The demo's PIN under another salt is just as published.
            lambda t: t.replace(SAFE_HASH_LINE, f'pin_hash = "{hash_pin("24681357")}"'),
            "[staff] pin_hash",
            "published",
        ),
        (
            # The tests' staff PIN (tests/fixtures/app.py) too.
            lambda t: t.replace(SAFE_HASH_LINE, f'pin_hash = "{hash_pin("13572468")}"'),
            "[staff] pin_hash",
            "published",
        ),
        (
            lambda t: t.replace(
                'kiosk_key = "Zr7m0w1b3x9QkLh2Vt5yNs8c"', 'kiosk_key = "demo-kiosk-key-not-secret"'
            ),
            "[backend] kiosk_key",
            "demo key",
        ),
        (
            lambda t: t.replace("https://ovac.mataro.example/kiosk", "http://ovac.mataro.example/kiosk"),
            "[backend] url",
            "http:// to ovac.mataro.example",
        ),
        (
            lambda t: t.replace("https://ovac.mataro.example/kiosk", "http://10.20.0.5:8765"),
            "[backend] url",
            "http:// to 10.20.0.5",
        ),
        (lambda t: t.replace('kind = "cups"', 'kind = "folder"'), "[printer] kind", '"folder"'),
        (
            lambda t: t.replace("/usr/lib/opensc-pkcs11.so", "/usr/lib/softhsm/libsofthsm2.so"),
            "[eid] pkcs11_module",
            "SoftHSM2",
        ),
    ],
)
def test_each_demo_value_is_refused_in_production(
    tmp_path: Path, change: object, key: str, words: str
) -> None:
    path = _write(tmp_path, change(SAFE))  # type: ignore[operator]
    assert config.load(path).kiosk.mode == "production"  # a valid file: only production refuses it
    with pytest.raises(config.ConfigError) as caught:
        config.load_for_kiosk(path, environ={})
    message = str(caught.value)
    assert message.startswith(f"{path}: {key} "), message
    assert words in message and "\n" not in message
    assert caught.value.problems == (message,)


def test_http_to_loopback_is_allowed_in_production(tmp_path: Path) -> None:
    for url in ("http://127.0.0.1:8765", "http://localhost:8765/", "http://127.0.0.53", "http://[::1]:8765"):
        path = _write(tmp_path, SAFE.replace("https://ovac.mataro.example/kiosk", url))
        assert config.load_for_kiosk(path, environ={}).backend.url == url


def test_test_cards_in_the_environment_are_refused_in_production(tmp_path: Path) -> None:
    path = _write(tmp_path, SAFE)
    with pytest.raises(config.ConfigError) as caught:
        config.load_for_kiosk(path, environ={config.TESTCARDS_ENV: "/var/tmp/cards"})
    assert str(caught.value).startswith(f"{path}: [kiosk] mode ")
    assert config.TESTCARDS_ENV in str(caught.value)


def test_the_demo_file_switched_to_production_lists_every_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, DEMO.replace('mode = "training"', 'mode = "production"'))
    with pytest.raises(config.ConfigError) as caught:
        config.load_for_kiosk(path, environ={config.TESTCARDS_ENV: "/var/tmp/cards"})
    keys = [line.removeprefix(f"{path}: ").split(" is ")[0] for line in caught.value.problems]
    assert keys == [
        "[staff] pin_hash",
        "[backend] kiosk_key",
        "[printer] kind",
        "[eid] pkcs11_module",
        "[eid] cards",
        "[kiosk] mode",
    ]  # the demo's url is loopback: allowed
    assert str(caught.value).endswith("(5 more problems after this one)")


@pytest.mark.parametrize("how", ["check-config", "start"])
def test_kiosk_command_refuses_with_one_line_per_problem(tmp_path: Path, how: str) -> None:
    path = _write(
        tmp_path,
        SAFE.replace('kind = "cups"', 'kind = "folder"').replace(
            "https://ovac.mataro.example/kiosk", "http://ovac.mataro.example"
        ),
    )
    args = ("--check-config", str(path)) if how == "check-config" else ("--config", str(path))
    result = _kiosk(*args, env=CLEAN_ENV)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"kiosk: configuration error: {path}: [backend] url uses http:// to ovac.mataro.example "
        '(mode = "production"): the kiosk key and citizens\' data would cross the network unencrypted; '
        "use https://",
        f'kiosk: configuration error: {path}: [printer] kind is "folder" (mode = "production"): '
        'citizens\' documents would be left in a folder; use kind = "cups"',
    ]
    assert result.stdout == ""


def test_check_config_accepts_a_clean_production_file(tmp_path: Path) -> None:
    result = _kiosk("--check-config", str(_write(tmp_path, SAFE)), env=CLEAN_ENV)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout and "mode production" in result.stdout
