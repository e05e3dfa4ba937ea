"""What the attract screen's process loads: `import kiosk.app` pulls in nothing a first frame does not need.

The time of a start-up is measured by `make bench` (benchmarks/bench_startup.py); what is cheap and exact
here is its shape, for `import kiosk.app` and for what the `kiosk` command does before `app.run()`: the
renderer, the HTTP client and the contract's documents, the backend client, the login screen (built
ahead 0.3 s after mount), the catalogue (the first screen of a visit) and the procedures' modules
(imported when one first starts) all stay unloaded until they are used.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.procedures import MODULES
from tests.fixtures.app import make_settings

ROOT = Path(__file__).resolve().parents[3]

#: Modules (and their submodules) the attract screen must not load.
DEFERRED = (
    "fpdf",
    "requests",
    "contract.documents",
    "kiosk.backend.client",
    "kiosk.login.screen",
    "kiosk.catalogue",
    *(f"kiosk.procedures.{name}" for name in MODULES),
)


def test_importing_the_app_loads_nothing_the_attract_screen_does_not_need() -> None:
    code = "import kiosk.app, sys; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(out.stdout.split())
    assert "kiosk.app" in loaded
    early = sorted(m for m in loaded if any(m == name or m.startswith(name + ".") for name in DEFERRED))
    assert early == []


#: What `kiosk` itself must not load before its first frame either: the card tokens (the PKCS#11 binding,
#: the X.509 parser) and the health work's backend client are built in threads once the app runs.
DEFERRED_BY_CLI = (*DEFERRED, "eid.token", "testcards.tokens", "pkcs11", "cryptography.x509")


def test_the_kiosk_command_builds_its_app_without_loading_them(tmp_path: Path) -> None:
    """`kiosk` up to `app.run()`: its settings loaded, the leftover session folders removed, its app built
    (`kiosk.cli.build_app`, as `main` does): none of the deferred modules is loaded yet."""
    settings = make_settings(tmp_path)
    code = (
        "import sys\n"
        "from kiosk import cli\n"
        f"settings = cli._load({str(settings.source)!r})\n"
        "app = cli.build_app(settings, cli._Health(settings))\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(out.stdout.split())
    assert "kiosk.app" in loaded
    early = sorted(
        m for m in loaded if any(m == name or m.startswith(name + ".") for name in DEFERRED_BY_CLI)
    )
    assert early == []
