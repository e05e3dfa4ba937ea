"""The layering rules of DESIGN.md, checked in a fresh interpreter (import-linter checks them in lint)."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual.app import App
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

import kiosk
import widgets

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


# -- screens depend on kiosk.services, never on the app; no private Textual API -----------------------------
#: Packages of screens (and what they are built from): none of them may import `kiosk.app`, not even for
#: type checking or inside a function. (import-linter's layers contract checks the same, with the rest.)
BELOW_THE_APP = [
    "kiosk/procedures",
    "kiosk/screens",
    "kiosk/login",
    "kiosk/catalogue",
    "kiosk/printstep",
    "kiosk/services.py",
]
#: The private Textual methods the kiosk overrides, each for want of a public hook in Textual 8.2.8: the
#: crash guard (`kiosk.crash`): what Textual does with an exception nothing caught (close the app and
#: print a traceback with every frame's locals on the citizen's screen) and the App's own message loop,
#: which stops for good when one of the App's handlers raises.
PRIVATE_OVERRIDES_KEPT = {
    ("kiosk.app", "KioskApp", "_handle_exception"),
    ("kiosk.app", "KioskApp", "_on_message"),
}
#: Private Textual attributes the kiosk reads or writes, and why: `App._exception` is what Textual's test
#: harness raises when the test's app closes, so that a crash the kiosk survived still fails a test.
PRIVATE_ATTRIBUTES_KEPT = {("kiosk/app.py", "_exception")}


def _sources(*roots: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        path = ROOT / root
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("root", BELOW_THE_APP)
def test_screens_never_import_the_app(root: str) -> None:
    for path in _sources(root):
        imported = _imported(ast.parse(path.read_text(), str(path)))
        assert not {n for n in imported if n == "kiosk.app" or n.startswith("kiosk.app.")}, path


@functools.cache
def _private_of_class(cls: type) -> frozenset[str]:
    source = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    names = set(vars(cls)) | {
        node.attr
        for node in ast.walk(source)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
    }
    return frozenset(name for name in names if name.startswith("_") and not name.startswith("__"))


def _private_of(classes: tuple[type, ...]) -> set[str]:
    """The private names of Textual's classes among `classes` and their bases: what they define, and what
    their methods assign to `self` (`self._exception = ...`)."""
    return {
        name
        for cls in classes
        for base in cls.__mro__
        if base.__module__.startswith("textual")
        for name in _private_of_class(base)
    }


def _kiosk_classes() -> list[type[MessagePump]]:
    classes: list[type[MessagePump]] = []
    for package in (kiosk, widgets):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.endswith("__main__"):
                continue
            module = importlib.import_module(info.name)
            classes.extend(
                cls
                for cls in vars(module).values()
                if inspect.isclass(cls) and issubclass(cls, MessagePump) and cls.__module__ == module.__name__
            )
    return classes


def test_no_private_textual_method_is_overridden_but_the_crash_guard() -> None:
    overridden = {
        (cls.__module__, cls.__name__, name)
        for cls in _kiosk_classes()
        for name in _private_of(cls.__mro__[1:]) & set(vars(cls))
        if inspect.isfunction(vars(cls)[name])
    }
    assert overridden == PRIVATE_OVERRIDES_KEPT


def test_no_private_textual_attribute_is_used_but_the_crash_guards() -> None:
    private = _private_of((App, Screen, ModalScreen, Widget))
    trees = {path: ast.parse(path.read_text(), str(path)) for path in _sources("kiosk", "widgets")}
    textual_classes = {cls.__name__ for cls in _kiosk_classes()}
    # What the project defines itself is its own: its functions, and the attributes its classes that are
    # not Textual's assign (`self._running` of a stick scanner). A Textual name that one of its screens
    # or widgets defines or assigns is the override test's business, or a private attribute used here.
    own: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                own.add(node.name)
            elif isinstance(node, ast.ClassDef) and node.name not in textual_classes:
                own.update(
                    sub.attr
                    for sub in ast.walk(node)
                    if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store)
                )
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and node.attr not in private
            ):
                own.add(node.attr)
    used = {
        (str(path.relative_to(ROOT)), node.attr)
        for path, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in private and node.attr not in own
    }
    assert used == PRIVATE_ATTRIBUTES_KEPT
