"""Inscripcions a activitats (`/v1/activitats`): the activities with limited places open for
pre-registration, a citizen's applications and their state, an application, a withdrawal, and the draw
as it was recorded (so that anyone can compute it again: `docs/backend-contract.md`).

The printable justificant of an application and the activity itself are documents' parts, in
`contract.documents` (`ActivityJustificant`, `Activity`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from contract.documents import Activity, DocumentLanguage
from contract.localtime import LocalDateTime
from contract.v1 import ConsentedContactIn, StrictIn

#: An application before the draw ("applied"), after it (a place, or the waiting list), or given up.
ApplicationState = Literal["applied", "place", "waiting", "withdrawn"]
#: How the draw orders the applications (see `municipal.draw`).
DRAW_METHOD = "sha256(seed + ':' + application_number), ascending; ties by application number"


def euros(cents: int) -> str:
    """1250 → `12,50 €`: an amount in euro cents as the city writes it (on screen, on paper, in notices)."""
    return f"{cents // 100},{cents % 100:02d} €"


class ApplicationIn(ConsentedContactIn):
    """An application to an activity. `contact` (with `consent`) is where the result and a place passed on
    from the waiting list are told."""

    language: DocumentLanguage = "ca"


class WithdrawIn(StrictIn):
    language: DocumentLanguage = "ca"


class Application(BaseModel):
    """One of the citizen's applications and where it stands."""

    number: str
    activity: Activity
    state: ApplicationState
    applied_at: LocalDateTime
    #: On the waiting list: its position now (1 = the next place given up is this one's).
    waiting_position: int | None = None
    #: With a place: what is to pay, in euro cents (the activity's fee).
    fee_cents: int | None = None


class ActivitiesOut(BaseModel):
    """The activities open for pre-registration now, and (with a citizen's session) the citizen's
    applications, open activities or not."""

    language: str
    activities: list[Activity]
    applications: list[Application] = []


class DrawnApplication(BaseModel):
    number: str
    #: SHA-256 of seed + ":" + number, in hex: the key the order sorts on.
    digest: str
    rank: int
    result: Literal["place", "waiting"]


class DrawOut(BaseModel):
    """A draw as recorded: the public seed, the method, and every application in the order drawn."""

    activity: str
    seed: str
    method: str
    places: int
    drawn_at: LocalDateTime
    order: list[DrawnApplication]
