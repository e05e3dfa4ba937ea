"""Translations: every UI message has a Catalan and a Spanish translation, and switching works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.i18n import _, current_language, set_language, translate_to

ROOT = Path(__file__).resolve().parents[3]


def test_catalogues_are_complete() -> None:
    result = subprocess.run(
        [sys.executable, "tools/i18n.py", "check"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_language_switch_and_document_language() -> None:
    set_language("es")
    assert current_language() == "es"
    assert _("Start") == "Empezar"
    assert translate_to("ca", "Start") == "Començar"
    set_language("en")
    assert _("Start") == "Start"
    set_language("ca")
    assert _("Start") == "Començar"


def test_each_module_reads_its_own_domain_first() -> None:
    from kiosk import i18n

    def domain_seen_from(module: str) -> str:
        namespace = {"__name__": module, "i18n": i18n}
        exec("def probe():\n    return i18n._caller_domain(0)\n", namespace)  # noqa: S102
        return str(namespace["probe"]())  # type: ignore[operator]

    assert domain_seen_from("kiosk.catalogue.screen") == "catalogue"
    assert domain_seen_from("kiosk.screens.attract") == "kiosk"
    assert domain_seen_from("kiosk.app") == "kiosk"
    assert domain_seen_from("tests.unit.x") == "kiosk"
