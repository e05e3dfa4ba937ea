"""Every procedure the reference catalogue says the kiosk completes has a registered `Procedure`, and
every registered procedure is one the catalogue lists as completable here (a code only one side knows is
a procedure nobody can start, or a catalogue entry that fails when chosen)."""

from __future__ import annotations

from kiosk import procedures
from municipal.catalogue_data import PROCEDURES


def test_every_completable_catalogue_entry_has_a_procedure_and_back() -> None:
    completable = {code for code, _topic, _certificate, here, *_ in PROCEDURES if here}
    registered = set(procedures.procedures())
    assert completable - registered == set(), "completable here, but no procedure registers the code"
    assert registered - completable == set(), "a procedure for a code the catalogue does not complete here"


def test_each_procedure_lists_its_steps_and_title() -> None:
    for code, spec in procedures.procedures().items():
        assert code in spec.codes and spec.title and spec.steps
        assert all(step.STEP for step in spec.steps), code
