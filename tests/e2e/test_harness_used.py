"""Every e2e test builds the kiosk with `tests.harness.make_app` and drives it with `tests.harness.drive`
(or snap_compare); no test reaches into Textual's private API or swaps an app's collaborators after the
fact. A static check of the test sources (it needs no stack)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

#: (what is refused, only in tests/e2e/ or in all of tests/, why).
RULES = [
    (re.compile(r"\._compositor\b|\._get_screen\b|\._on_screen_resume\b"), False, "private Textual API"),
    (re.compile(r"\bapp\.backend\s*=(?!=)"), False, "the backend client goes through make_app(backend=...)"),
    (re.compile(r"\.run_test\("), True, "drive the app with tests.harness.drive"),
    (re.compile(r"(?<![\w.])KioskApp\("), True, "build the app with tests.harness.make_app"),
]


def offences(tests: Path) -> list[str]:
    """`path:line: why` for every line of the test sources under `tests` that breaks a rule (the harness
    and this file excepted)."""
    found = []
    for path in sorted(tests.rglob("*.py")):
        if path.name in ("harness.py", Path(__file__).name):
            continue
        in_e2e = path.is_relative_to(tests / "e2e")
        lines = path.read_text(encoding="utf-8").splitlines()
        for pattern, e2e_only, why in RULES:
            if e2e_only and not in_e2e:
                continue
            found += [
                f"{path.relative_to(tests)}:{n}: {why}"
                for n, line in enumerate(lines, 1)
                if pattern.search(line)
            ]
    return found


def test_e2e_tests_use_the_harness_and_public_textual_api() -> None:
    assert offences(TESTS) == []
