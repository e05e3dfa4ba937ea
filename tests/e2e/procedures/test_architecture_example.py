"""docs/architecture.md's "How to add a procedure" example, read from the page, registered and run on the
real stack: the page's example is a working procedure, and following the page is enough to add one."""

from __future__ import annotations

import re
import sys
import types
import uuid
from pathlib import Path
from typing import Any

import pytest

from devstack.backend import BackendInfo
from kiosk import procedures
from kiosk.procedures.flow import Procedure
from tests.e2e.procedures.helpers import SIZE, db_rows, kiosk_app, next_step
from tests.harness import drive

PAGE = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"


def example_module() -> types.ModuleType:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "the page has one example module"
    name = "kiosk.procedures.architecture_example"
    module = types.ModuleType(name)
    # Where the page says the module lives (Textual finds a step's CSS beside its module's file).
    module.__file__ = str(Path(procedures.__file__).with_name("architecture_example.py"))
    sys.modules[name] = module  # as an import would (dataclasses look their module up)
    exec(compile(blocks[0], str(PAGE), "exec", dont_inherit=True), module.__dict__)  # the page's own code
    return module


def test_the_example_is_a_procedure() -> None:
    spec = example_module().SPEC
    assert isinstance(spec, Procedure)
    assert spec.codes == ("idea",) and [step.__name__ for step in spec.steps] == [
        "IdeaStep",
        "IdeaReview",
        "IdeaResult",
    ]


async def test_the_example_runs_from_its_first_step_to_the_receipt(
    tmp_path: Path, backend_server: BackendInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = example_module()
    registry: dict[str, Any] = procedures.procedures()
    monkeypatch.setitem(registry, "idea", module.SPEC)
    text = f"Més bancs a la plaça {uuid.uuid4().hex[:6]}"
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        app.start_visit()
        await driver.pause()
        assert procedures.launch(app, "idea", needs_certificate=False)
        await driver.wait_screen(module.IdeaStep)
        assert "Pas 1 de 3" in driver.text()
        await driver.click("#step-next")  # empty: refused at the field, nothing sent
        await driver.wait_for("Aquest camp és obligatori")
        await driver.type(text, into="#f-text")
        await next_step(driver, module.IdeaReview)
        assert text in driver.text() and "Pas 2 de 3" in driver.text()
        result = await next_step(driver, module.IdeaResult)
        reference = result.document.reference
        await driver.wait_for(reference)
    rows = db_rows(backend_server, "select reference from bustia_messages where text = :t", t=text)
    assert [r.reference for r in rows] == [reference]
