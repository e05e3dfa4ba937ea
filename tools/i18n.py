"""Manage the kiosk's gettext catalogues with Babel: `update` (extract + merge), `compile`, `check`.

One domain per sub-package of kiosk/ (kiosk/login -> domain "login"); the top-level modules and
kiosk/screens form the domain "kiosk". Catalogues exist for Catalan, Spanish, French and Romanian;
English is the source. `check` fails on a message that is missing, empty or fuzzy, on a translation
whose placeholders ({name}, %s) differ from its source, and on plural forms that do not match the
language's Plural-Forms rule.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIOSK = ROOT / "kiosk"
LOCALE = KIOSK / "locale"
TRANSLATED = ("ca", "es", "fr", "ro")
#: Plural rules written into the catalogues. Babel's defaults differ from gettext's usual ones for
#: French (CLDR adds a "many" form for millions), so the rule is set here rather than taken from Babel.
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
}
#: `{name}`, `{0}`, `{}` (str.format) and `%s`, `%(name)s`, `%d` (printf); `%%` and `{{` are literal.
PLACEHOLDER = re.compile(r"\{\{|\}\}|%%|\{[^{}]*\}|%(?:\([^)]*\))?[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
NOT_DOMAINS = {"screens", "styles", "locale", "__pycache__"}


def sources() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {"kiosk": sorted(KIOSK.glob("*.py")) + [KIOSK / "screens"]}
    for sub in sorted(p for p in KIOSK.iterdir() if p.is_dir() and p.name not in NOT_DOMAINS):
        if (sub / "__init__.py").exists():
            found[sub.name] = [sub]
    return found


def pybabel(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", *map(str, args)], check=True)


def _without_dates(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith('"POT-Creation-Date:'))


def update() -> None:
    """Extract and merge; a file whose only change would be its creation date is left as it was."""
    before = {path: path.read_text(encoding="utf-8") for path in LOCALE.rglob("*.po*")}
    _update()
    _set_plural_forms()
    for path, old in before.items():
        if path.exists() and _without_dates(path.read_text(encoding="utf-8")) == _without_dates(old):
            path.write_text(old, encoding="utf-8")


def _update() -> None:
    for domain, paths in sources().items():
        pot = LOCALE / f"{domain}.pot"
        pybabel(
            "extract",
            "--no-wrap",
            "--sort-by-file",
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "--project",
            "ovac-kiosk",
            "-o",
            pot,
            *paths,
        )
        for lang in TRANSLATED:
            po = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                pybabel("update", "--no-wrap", "--no-fuzzy-matching", "-i", pot, "-o", po, "-l", lang)
            else:
                pybabel("init", "--no-wrap", "-i", pot, "-o", po, "-l", lang)


def _set_plural_forms() -> None:
    for lang, rule in PLURAL_FORMS.items():
        for po in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.po")):
            text = po.read_text(encoding="utf-8")
            fixed = re.sub(r'^"Plural-Forms: [^"\n]*\\n"$', f'"Plural-Forms: {rule}\\\\n"', text, flags=re.M)
            if fixed != text:
                po.write_text(fixed, encoding="utf-8")


def placeholders(text: str) -> Counter[str]:
    """The placeholders of `text`, each with how often it occurs (escaped braces and %% excluded)."""
    return Counter(p for p in PLACEHOLDER.findall(text) if p not in ("{{", "}}", "%%"))


def placeholder_problem(source: str | tuple[str, ...], translated: str | tuple[str, ...]) -> str | None:
    """Why a translation's placeholders do not match its source, or None when they do.

    A singular message must use exactly the placeholders of its msgid. A plural message: each form
    uses only placeholders of the msgid and msgid_plural, and the last (the general plural) uses all of
    those of msgid_plural, so a form for "one" may leave the number out as some languages do.
    """
    if isinstance(source, str):
        want, got = placeholders(source), placeholders(translated if isinstance(translated, str) else "")
        return None if want == got else f"placeholders {sorted(got)} differ from {sorted(want)}"
    forms = (translated,) if isinstance(translated, str) else translated
    allowed = set().union(*(placeholders(s) for s in source))
    for form in forms:
        extra = set(placeholders(form)) - allowed
        if extra:
            return f"placeholders {sorted(extra)} are not in the source"
    missing = set(placeholders(source[-1])) - set(placeholders(forms[-1]))
    return f"the plural form lacks {sorted(missing)}" if missing else None


def compile_all() -> None:
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        pybabel("compile", "--statistics", "-i", po, "-o", po.with_suffix(".mo"))


def check(locale: Path = LOCALE, languages: tuple[str, ...] = TRANSLATED) -> int:
    """Exit non-zero when a translation is missing, empty, fuzzy or has the wrong placeholders."""
    from babel.messages.pofile import read_po

    problems = 0

    def problem(where: Path, text: str) -> None:
        nonlocal problems
        shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
        print(f"{shown}: {text}")
        problems += 1

    templates = sorted(locale.glob("*.pot"))
    if not templates:
        problem(locale, "no templates; run `tools/i18n.py update`")
    for pot in templates:
        with pot.open("rb") as fh:
            ids = {m.id for m in read_po(fh) if m.id}
        for lang in languages:
            po = locale / lang / "LC_MESSAGES" / f"{pot.stem}.po"
            if not po.exists():
                problem(po, "no catalogue; run `tools/i18n.py update`")
                continue
            with po.open("rb") as fh:
                catalogue = read_po(fh)
            rule = PLURAL_FORMS.get(lang)
            if rule is not None and catalogue.plural_forms.replace(" ", "") != rule.replace(" ", ""):
                problem(po, f"Plural-Forms is {catalogue.plural_forms!r}, expected {rule!r}")
            for message in catalogue:
                if not message.id:
                    continue
                if not message.string or message.fuzzy or not all(message.string):
                    problem(po, f"untranslated: {message.id!r}")
                    continue
                source = message.id if isinstance(message.id, str) else tuple(message.id)
                translated = message.string if isinstance(message.string, str) else tuple(message.string)
                if isinstance(source, tuple) and len(translated) != catalogue.num_plurals:
                    count = len(translated)
                    problem(po, f"{count} plural forms, expected {catalogue.num_plurals}: {source!r}")
                why = placeholder_problem(source, translated)
                if why:
                    problem(po, f"{why}: {message.id!r}")
            missing = ids - {m.id for m in catalogue}
            for mid in sorted(map(str, missing)):
                problem(po, f"missing: {mid!r}")
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit("usage: tools/i18n.py update|compile|check")
