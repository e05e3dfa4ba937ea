"""What the attract screen's process loads: `import kiosk.app` pulls in nothing a first frame does not need.

The time of a start-up is measured by `make bench` (benchmarks/bench_startup.py); what is cheap and exact
here is its shape: the renderer, the HTTP client and the contract's documents, the backend client, the
login screen (built ahead 0.3 s after mount), the catalogue (the first screen of a visit) and the
procedures' modules (imported when one first starts) all stay unloaded until they are used.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.procedures import MODULES

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
