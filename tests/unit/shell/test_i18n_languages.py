"""French and Romanian: every catalogue complete and its placeholders those of the English source, and
`tools/i18n.py check` failing on a missing, fuzzy or wrongly placeheld translation."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.i18n import LANGUAGE_NAMES, LANGUAGES, _, ngettext, set_language, translate_to
from kiosk.procedures.flow import Flow

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "kiosk" / "locale"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_french_and_romanian_catalogues_are_complete() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, 'tools'); import i18n; "
            "sys.exit(i18n.check(languages=('fr', 'ro')))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_language_is_offered_with_its_own_name() -> None:
    assert LANGUAGES == ("ca", "es", "en", "fr", "ro")
    assert LANGUAGE_NAMES["fr"] == "Français" and LANGUAGE_NAMES["ro"] == "Română"


def test_french_and_romanian_at_run_time() -> None:
    try:
        set_language("fr")
        assert _("Start") == "Commencer"
        assert ngettext(
            "{needed} more visit this year reaches {amount} on next year's tax.",
            "{needed} more visits this year reach {amount} on next year's tax.",
            2,
        ).startswith("Encore {needed} passages")
        assert translate_to("ca", "Start") == "Començar"
        set_language("ro")
        assert _("Start") == "Începeți"
        many = ngettext(
            "{needed} more visit this year reaches {amount} on next year's tax.",
            "{needed} more visits this year reach {amount} on next year's tax.",
            25,
        )
        assert "{needed} de vizite" in many  # Romanian's third form: 20 and up take "de"
    finally:
        set_language("ca")


@pytest.mark.parametrize(("screen", "document"), [("fr", "ca"), ("ro", "ca"), ("en", "ca"), ("es", "es")])
def test_documents_stay_in_catalan_or_spanish(screen: str, document: str) -> None:
    try:
        set_language(screen)
        assert Flow.document_language(None) == document  # type: ignore[arg-type]
    finally:
        set_language("ca")


def _broken_copy(tmp_path: Path, find: str, replace: str) -> Path:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale, ignore=shutil.ignore_patterns("*.mo"))
    po = locale / "fr" / "LC_MESSAGES" / "kiosk.po"
    text = po.read_text(encoding="utf-8")
    assert find in text
    po.write_text(text.replace(find, replace, 1), encoding="utf-8")
    return locale


@pytest.mark.parametrize(
    ("find", "replace", "said"),
    [
        ('msgstr "Commencer"', 'msgstr ""', "untranslated: 'Start'"),
        ('msgid "Start"\nmsgstr', '#, fuzzy\nmsgid "Start"\nmsgstr', "untranslated: 'Start'"),
        ('msgstr "{seconds} secondes"', 'msgstr "{secondes} secondes"', "placeholders"),
        ('msgstr "Version : {version}"', 'msgstr "Version : {version} {version}"', "placeholders"),
        ('msgstr "Borne : {id}"', 'msgstr "Borne : %s"', "placeholders"),
        ("nplurals=2; plural=(n > 1);", "nplurals=3; plural=(n == 0 || n == 1) ? 0 : 2;", "Plural-Forms"),
    ],
    ids=[
        "empty",
        "fuzzy",
        "renamed-placeholder",
        "repeated-placeholder",
        "printf-placeholder",
        "plural-rule",
    ],
)
def test_check_fails_on_a_bad_french_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], find: str, replace: str, said: str
) -> None:
    tool = _tool()
    assert tool.check(_broken_copy(tmp_path, "", ""), ("fr", "ro")) == 0
    capsys.readouterr()
    assert tool.check(_broken_copy(tmp_path / "b", find, replace), ("fr", "ro")) == 1
    assert said in capsys.readouterr().out


def test_check_fails_on_a_missing_message_or_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = _tool()
    locale = _broken_copy(tmp_path, 'msgid "Start"\nmsgstr "Commencer"\n', "")
    (locale / "ro" / "LC_MESSAGES" / "login.po").unlink()
    assert tool.check(locale, ("fr", "ro")) == 1
    out = capsys.readouterr().out
    assert "fr/LC_MESSAGES/kiosk.po: missing: 'Start'" in out
    assert "ro/LC_MESSAGES/login.po: no catalogue" in out


def test_plural_placeholders() -> None:
    problem = _tool().placeholder_problem
    source = ("{n} more visit", "{n} more visits")
    assert problem(source, ("One more visit", "{n} more visits")) is None  # "one" may leave the number out
    assert problem(source, ("{n} visite", "visites")) is not None
    assert problem(source, ("{n} visite", "{m} visites")) is not None
    assert problem("100%% sure {x}", "sûr à 100%% {x}") is None
