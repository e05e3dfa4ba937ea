"""Inscripcions a activitats without a server: where an application stands, in each of the kiosk's five
languages (pre-registered with the draw's day on Mataró's calendar, a place with its fee or free, the
waiting list with its position, withdrawn), the fee with its reduced fee, and the printed justificant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contract.activities import Application
from contract.documents import Activity, ActivityJustificant, document_from_payload
from kiosk.i18n import set_language
from kiosk.procedures.activitats import activity_label, fee_text, state_text
from printing import samples
from printing.render import document_title, render
from tests.unit.printing import pdftools

ACTIVITY: dict[str, Any] = samples.activitat()["activity"]
# The draw at 00:30 on the 17th in Mataró is the 16th in UTC: the day shown is Mataró's.
DRAW_AT = "2026-03-16T23:30:00+00:00"


def _application(state: str, **extra: Any) -> Application:
    activity = {**ACTIVITY, "draw_at": DRAW_AT}
    return Application.model_validate(
        {"number": "IA-2026-000031", "activity": activity, "state": state,
         "applied_at": "2026-03-02T10:13:40+01:00", **extra}
    )  # fmt: skip


@pytest.fixture
def catalan() -> Iterator[None]:
    set_language("ca")
    yield
    set_language("ca")


STATES = {
    "ca": ("Preinscrita: el sorteig és el 17/03/2026", "Teniu plaça. Quota que cal pagar: 35,00 €",
           "Teniu plaça. L'activitat és gratuïta.", "En llista d'espera, posició 3", "Hi heu renunciat"),
    "es": ("Preinscrita: el sorteo es el 17/03/2026", "Tiene plaza. Cuota a pagar: 35,00 €",
           "Tiene plaza. La actividad es gratuita.", "En lista de espera, posición 3", "Ha renunciado"),
    "en": ("Pre-registered: the draw is on 17/03/2026", "You have a place. Fee to pay: 35,00 €",
           "You have a place. The activity is free.", "On the waiting list, position 3", "Withdrawn"),
    "fr": ("Préinscrite : le tirage au sort a lieu le 17/03/2026",
           "Vous avez une place. Frais à payer : 35,00 €",
           "Vous avez une place. L'activité est gratuite.", "Sur la liste d'attente, position 3", "Retirée"),
    "ro": ("Preînscrisă: tragerea la sorți are loc pe 17/03/2026", "Aveți un loc. Taxa de plată: 35,00 €",
           "Aveți un loc. Activitatea este gratuită.", "Pe lista de așteptare, poziția 3", "Retrasă"),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(STATES))
def test_where_an_application_stands_in_each_language(catalan: None, language: str) -> None:
    set_language(language)
    applied, place, free, waiting, withdrawn = STATES[language]
    assert state_text(_application("applied")) == applied
    assert state_text(_application("place", fee_cents=3500)) == place
    assert state_text(_application("place", fee_cents=0)) == free
    assert state_text(_application("waiting", waiting_position=3)) == waiting
    assert state_text(_application("withdrawn")) == withdrawn


#: The fee with its reduced fee, and a free activity's, in each language.
FEES = {
    "ca": ("35,00 € (reduïda 17,50 €)", "Gratuïta"),
    "es": ("35,00 € (reducida 17,50 €)", "Gratuita"),
    "en": ("35,00 € (reduced 17,50 €)", "Free"),
    "fr": ("35,00 € (réduit 17,50 €)", "Gratuit"),
    "ro": ("35,00 € (redusă 17,50 €)", "Gratuit"),
}


@pytest.mark.parametrize("language", sorted(FEES))
def test_the_fee_with_its_reduced_fee(catalan: None, language: str) -> None:
    set_language(language)
    fee, free = FEES[language]
    assert fee_text(Activity.model_validate(ACTIVITY)) == fee
    assert fee_text(Activity.model_validate({**ACTIVITY, "fee_cents": 0, "reduced_fee_cents": None})) == free
    no_reduction = Activity.model_validate({**ACTIVITY, "reduced_fee_cents": None})
    assert fee_text(no_reduction) == "35,00 €"
    assert activity_label(no_reduction) == (
        "Iniciació a la fotografia digital · Centre Cívic Pla d'en Boet · Dimarts de 18 a 20 h, 10 sessions"
        " · 35,00 €"
    )


def test_the_justificant_prints_the_number_fee_and_draw() -> None:
    document = document_from_payload(samples.activitat(training=True))
    assert isinstance(document, ActivityJustificant)
    assert document_title(document) == "Justificant de preinscripció a una activitat"
    page = " ".join(pdftools.text(render(document, training=True)).split())
    assert "IA-2026-000031" in page and "Iniciació a la fotografia digital" in page
    assert "35,00 € · reduïda 17,50 €" in page and "Sorteig 17/03/2026" in page
    assert (
        "Preinscripció fins al 15/03/2026" in page
    )  # the window closes at midnight: the 15th is the last day
    assert "CARMEN ESPAÑOLA ESPAÑOLA · 12345678Z" in page and "DOCUMENT DE PROVA" in page
    es = document_from_payload(samples.activitat(language="es"))
    assert "Justificante de preinscripción" in " ".join(pdftools.text(render(es)).split())
