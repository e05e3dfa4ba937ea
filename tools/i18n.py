"""Manage the kiosk's gettext catalogues with Babel: `update` (extract + merge), `compile`, `check`.

One domain per sub-package of kiosk/ (kiosk/login -> domain "login"); the top-level modules and
kiosk/screens form the domain "kiosk". Catalogues exist for Catalan and Spanish; English is the source.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIOSK = ROOT / "kiosk"
LOCALE = KIOSK / "locale"
TRANSLATED = ("ca", "es")
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


def compile_all() -> None:
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        pybabel("compile", "--statistics", "-i", po, "-o", po.with_suffix(".mo"))


def check() -> int:
    """Exit non-zero when a Catalan or Spanish message is missing, empty or fuzzy."""
    from babel.messages.pofile import read_po

    problems = 0
    for domain in sources():
        pot = LOCALE / f"{domain}.pot"
        if not pot.exists():
            print(f"{domain}: no template; run `make i18n-extract`")
            problems += 1
            continue
        with pot.open("rb") as fh:
            ids = {m.id for m in read_po(fh) if m.id}
        for lang in TRANSLATED:
            po = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
            with po.open("rb") as fh:
                catalogue = read_po(fh)
            for message in catalogue:
                if message.id and (not message.string or message.fuzzy or not all(message.string)):
                    print(f"{po.relative_to(ROOT)}: untranslated: {message.id!r}")
                    problems += 1
            missing = ids - {m.id for m in catalogue}
            for mid in sorted(map(str, missing)):
                print(f"{po.relative_to(ROOT)}: missing: {mid!r}")
                problems += 1
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
