"""The layering rules of DESIGN.md, checked in a fresh interpreter (import-linter checks them in lint)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HEADLESS = ["eid", "printing", "municipal", "devstack"]


def _modules_after_importing(package: str) -> set[str]:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    if '.migrations' in info.name or info.name.endswith('__main__'):\n"
        "        continue\n"
        "    importlib.import_module(info.name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_layers_never_load_the_ui(package: str) -> None:
    loaded = _modules_after_importing(package)
    assert not {m for m in loaded if m.split(".")[0] in {"textual", "kiosk", "widgets"}}


def test_widgets_do_no_io() -> None:
    loaded = _modules_after_importing("widgets")
    forbidden = {"requests", "smartcard", "pkcs11", "cups", "kiosk", "eid", "printing", "municipal"}
    assert not {m for m in loaded if m.split(".")[0] in forbidden}


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
