"""Withdrawing an application at the kiosk, without a server: which applications can be withdrawn and how
the pick-list shows them, the steps each action counts, what the confirmation and the result say happens
to a place, a waiting position and a pre-registration (Catalan and Spanish), and what is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contract.activities import ActivitiesOut, Application
from kiosk.i18n import _, set_language
from kiosk.procedures import activitats
from kiosk.procedures.activitats import (
    WITHDRAWAL,
    ActivitatsState,
    application_label,
    standing,
    submit,
    withdrawable,
    withdrawing,
)
from kiosk.procedures.flow import Flow, Submission
from printing import samples

ACTIVITY: dict[str, Any] = samples.activitat()["activity"]


def _application(number: str, state: str, **extra: Any) -> Application:
    return Application.model_validate(
        {
            "number": number,
            "activity": ACTIVITY,
            "state": state,
            "applied_at": "2026-03-02T10:13:40+01:00",
            **extra,
        }
    )


LISTING = ActivitiesOut(
    language="ca",
    activities=[],
    applications=[
        _application("IA-2026-000001", "place", fee_cents=3500),
        _application("IA-2026-000002", "withdrawn"),
        _application("IA-2026-000003", "waiting", waiting_position=2),
    ],
)


@pytest.fixture
def catalan() -> Iterator[None]:
    set_language("ca")
    yield
    set_language("ca")


def test_only_the_applications_that_stand_can_be_withdrawn(catalan: None) -> None:
    assert [a.number for a in standing(LISTING)] == ["IA-2026-000001", "IA-2026-000003"]
    assert application_label(LISTING.applications[2]) == (
        "Iniciació a la fotografia digital · IA-2026-000003 · En llista d'espera, posició 2"
    )
    assert [number for number, _label in withdrawable(LISTING)] == ["IA-2026-000001", "IA-2026-000003"]


def test_each_action_counts_its_own_steps() -> None:
    flow = Flow(None, activitats.SPEC, "activitats", ActivitatsState())  # type: ignore[arg-type]
    assert [s.__name__ for s in flow.steps()] == [
        "ApplicationsStep",
        "ActivityStep",
        "ContactStep",
        "ActivitatsReview",
        "ActivitatsResult",
    ]
    flow.update(action="withdraw")
    assert [s.__name__ for s in flow.steps()] == [
        "ApplicationsStep",
        "WithdrawStep",
        "WithdrawReview",
        "WithdrawResult",
    ]


def test_the_withdrawn_application_as_it_stood_before() -> None:
    state = ActivitatsState(listing=LISTING, withdraw="IA-2026-000001")
    chosen = withdrawing(state)
    assert chosen is not None and chosen.state == "place"
    assert withdrawing(ActivitatsState(listing=LISTING, withdraw="IA-2026-999999")) is None
    assert withdrawing(ActivitatsState(withdraw="IA-2026-000001")) is None


@pytest.mark.parametrize(
    ("language", "before", "after"),
    [
        (
            "ca",
            "La vostra plaça passarà de seguida a la primera persona de la llista d'espera",
            "La vostra plaça s'ha donat a la primera persona de la llista d'espera",
        ),
        (
            "es",
            "Su plaza pasará enseguida a la primera persona de la lista de espera",
            "Su plaza se ha dado a la primera persona de la lista de espera",
        ),
    ],
)
def test_a_place_given_up_is_said_to_go_to_the_waiting_list(
    catalan: None, language: str, before: str, after: str
) -> None:
    set_language(language)
    said_before, said_after = (_(text) for text in WITHDRAWAL["place"])
    assert said_before.startswith(before) and said_after.startswith(after)
    for state in ("applied", "waiting"):
        assert all(_(text) != text for text in WITHDRAWAL[state])  # translated


def test_a_withdrawal_sends_the_number_with_its_own_key() -> None:
    calls: list[tuple[Any, ...]] = []

    class Backend:
        def withdraw_activity(
            self, token: str, number: str, idempotency_key: str | None = None, language: str = "ca"
        ) -> Application:
            calls.append((token, number, idempotency_key, language))
            return LISTING.applications[0]

    keys: list[object] = []

    def key(body: object) -> str:
        keys.append(body)
        return "key-1"

    state = ActivitatsState(action="withdraw", withdraw="IA-2026-000001")
    sent = Submission(state, Backend(), "tok", "es", key, lambda done, total: None)  # type: ignore[arg-type]
    assert submit(sent) is LISTING.applications[0]
    assert calls == [("tok", "IA-2026-000001", "key-1", "es")]
    assert keys == [["withdraw", "IA-2026-000001", "es"]]
