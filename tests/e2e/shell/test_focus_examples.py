"""Example values in the fields look like examples ("Exemple: 12345678Z"), never like a real citizen's data
that a person might take for something already filled in; and they are translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from kiosk.i18n import _, set_language
from kiosk.procedures import bustia, deixalleria, identify_weak, padro
from kiosk.procedures.fields import FieldSpec
from kiosk.procedures.identify_weak import WeakIdentifyStep
from tests.e2e.procedures.helpers import begin, offline_app
from tests.harness import drive

MODULES = (padro, bustia, deixalleria, identify_weak)
#: How "Example:" starts in each language's translation.
EXAMPLE = {
    "ca": ("Exemple", "Per exemple"),
    "es": ("Ejemplo", "Por ejemplo"),
    "en": ("Example", "For example"),
}


def placeholders() -> list[str]:
    specs = [v for m in MODULES for v in vars(m).values() if isinstance(v, FieldSpec) and v.placeholder]
    assert len(specs) >= 5, "the identification's and the bústia's fields have examples"
    return [spec.placeholder for spec in specs]


@pytest.mark.parametrize("language", ["ca", "es", "en"])
def test_every_example_says_it_is_one(language: str) -> None:
    set_language(language)
    for placeholder in placeholders():
        assert _(placeholder).startswith(EXAMPLE[language]), placeholder


async def test_the_identification_shows_examples(tmp_path: Path) -> None:
    app = offline_app(tmp_path, "no reader: examples test")
    async with drive(app, size=(100, 32)) as driver:
        screen = await begin(driver, "deixalleria_consulta", WeakIdentifyStep)
        shown = {field.id: field.placeholder for field in screen.query(Input)}
        assert shown == {
            "f-weak_id_number": "Exemple: 12345678Z",
            "f-weak_birth_date": "Exemple: 31/01/1970",
            "f-weak_postal_code": "Exemple: 08301",
        }
