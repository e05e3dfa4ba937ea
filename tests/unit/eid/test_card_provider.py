"""The card provider is chosen once, from the config: the test cards only for `[eid] cards = "test"` in
training mode; a production config naming them is refused (`load_for_kiosk`, `kiosk --check-config`,
the provider itself), and eid/ never reaches the test cards, whatever the environment says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eid.token import Pkcs11Tokens
from kiosk import config
from kiosk.cli import card_provider
from testcards.tokens import TestCardTokens
from tests.fixtures.app import make_settings

ROOT = Path(__file__).resolve().parents[3]
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def test_the_demo_config_reads_the_test_cards() -> None:
    settings = config.load_for_kiosk(ROOT / "config.toml", environ={})
    assert settings.training and settings.eid.cards == "test"
    assert isinstance(card_provider(settings), TestCardTokens)


def test_pkcs11_cards_in_training_too(tmp_path: Path) -> None:
    provider = card_provider(make_settings(tmp_path, eid={"cards": "pkcs11"}))
    assert type(provider) is Pkcs11Tokens and provider.module == Path(SOFTHSM)


def test_production_with_the_test_cards_variable_gets_the_pkcs11_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.TESTCARDS_ENV, str(tmp_path / "cards"))
    settings = make_settings(tmp_path, kiosk={"mode": "production"})
    assert settings.eid.cards == "pkcs11"
    assert type(card_provider(settings)) is Pkcs11Tokens


def test_the_provider_refuses_test_cards_outside_training(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, kiosk={"mode": "production"}, eid={"cards": "test"})
    with pytest.raises(config.ConfigError) as caught:
        card_provider(settings)
    assert '[eid] cards is "test" but [kiosk] mode is "production"' in str(caught.value)


def _production_file(tmp_path: Path) -> Path:
    demo = (ROOT / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "kiosk.toml"
    path.write_text(demo.replace('mode = "training"', 'mode = "production"'), encoding="utf-8")
    return path


def test_load_for_kiosk_refuses_test_cards_in_production(tmp_path: Path) -> None:
    path = _production_file(tmp_path)
    with pytest.raises(config.ConfigError) as caught:
        config.load_for_kiosk(path, environ={})
    assert (
        f'{path}: [eid] cards is "test", the virtual test cards (mode = "production"): a kiosk for '
        'citizens reads their own cards; use cards = "pkcs11" (test cards are for training)'
    ) in caught.value.problems


def test_check_config_refuses_test_cards_in_production(tmp_path: Path) -> None:
    path = _production_file(tmp_path)
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--check-config", str(path)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert any(
        line.startswith(f'kiosk: configuration error: {path}: [eid] cards is "test"')
        for line in done.stderr.splitlines()
    ), done.stderr


def test_eid_never_loads_the_test_cards(tmp_path: Path) -> None:
    """Every eid module imported, and its provider opened, with the test cards' variable set: no module
    of the test-card package is loaded, and the provider is the PKCS#11 one."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import eid\n"
        "for info in pkgutil.walk_packages(eid.__path__, 'eid.'):\n"
        "    importlib.import_module(info.name)\n"
        "from eid.token import open_tokens\n"
        f"print(type(open_tokens(__import__('pathlib').Path({SOFTHSM!r}))).__name__)\n"
        "print(' '.join(m for m in sys.modules if 'testcards' in m))\n"
    )
    env = {"PATH": "/usr/bin:/bin", config.TESTCARDS_ENV: str(tmp_path), "SOFTHSM2_CONF": "/dev/null"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    provider, testcard_modules = (done.stdout.splitlines() + [""])[:2]
    assert provider == "Pkcs11Tokens"
    assert testcard_modules == ""
