"""Deixalleria: the card's status, the visits of this year and last year, the waste-tax bonus reached
and how many visits reach the next band; the printed summary; a card request (posted home or picked up)
or the replacement of a lost card. With a certificate login, or with the weak identification.

The bands and amounts are the backend's data: this module only shows what it answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Label, Static

from contract.documents import Card, DeixalleriaSummary
from contract.v1 import CardRequestOut
from kiosk.backend.client import BackendClient
from kiosk.i18n import N_, _, ngettext
from kiosk.procedures import backend as api
from kiosk.procedures.fields import Choice
from kiosk.procedures.flow import Procedure, Submission
from kiosk.procedures.frame import LoadingStep, ResultStep, ReviewStep, StepScreen, compose_rows
from kiosk.procedures.identify_weak import WeakIdentifyStep
from kiosk.procedures.paper import print_document
from kiosk.session import CitizenSession
from widgets.plain import plain

STATUS = {
    "active": N_("Active"),
    "requested": N_("Requested, on its way"),
    "lost": N_("Reported lost"),
    "cancelled": N_("Cancelled"),
}
DELIVERY = {
    "delivery": N_("Posted to my padró address"),
    "pickup": N_("I will pick it up at the deixalleria"),
}


@dataclass(frozen=True)
class DeixalleriaState:
    card_request: bool
    """Chosen as the card request (the card button has the focus once the summary is shown)."""
    identify: bool
    """Started without a login: the weak identification comes first."""
    weak_id_number: str = ""
    weak_birth_date: str = ""
    weak_postal_code: str = ""
    summary: DeixalleriaSummary | None = None
    print_status: str = ""
    requesting: bool = False
    """The card button was pressed: the request's steps are part of the run."""
    replace_lost: bool = False
    delivery: str = "delivery"


def euros(amount: Decimal) -> str:
    """`17.50` → `17,50 €` (the city's way of writing amounts)."""
    return f"{amount:.2f}".replace(".", ",") + " €"


class SummaryStep(LoadingStep[DeixalleriaState]):
    """The card and the visits; Print prints the summary; a button leads to the card request."""

    STEP = N_("Card and visits")
    NEXT_LABEL = N_("Print")
    LOADS = "summary"
    LOADING = N_("Looking up your deixalleria card and visits…")

    def cancel_label(self) -> str:
        return _("Other procedures")

    def load(self, backend: BackendClient, token: str, language: str) -> DeixalleriaSummary:
        return backend.deixalleria_summary(token, language=language)

    def compose_loaded(self, s: DeixalleriaSummary) -> ComposeResult:
        card, bonus, year = s.card, s.bonus, s.year
        visits = _("Visits in {year}")
        held = f"{card.number} · {_(STATUS[card.status])}" if card else _("You have no deixalleria card yet.")
        yield from compose_rows(
            (
                (N_("Card"), held),
                (visits.format(year=year), str(s.visits_this_year)),
                (visits.format(year=year - 1), str(s.visits_last_year)),
            )
        )
        tax_year = bonus.tax_year
        if bonus.band:
            text = _("Your waste-tax bonus for {tax_year}: {amount} ({visits} visits in {last}).").format(
                tax_year=tax_year,
                amount=euros(bonus.amount),
                visits=s.visits_last_year,
                last=year - 1,
            )
        else:
            text = _(
                "No waste-tax bonus for {tax_year}: {visits} visits in {last} did not reach the first band."
            ).format(tax_year=tax_year, visits=s.visits_last_year, last=year - 1)
        yield Static(plain(text), id="bonus", classes="headline")
        following = bonus.next_band
        if following:
            needed = following.visits_needed
            yield Static(
                plain(
                    ngettext(
                        "{needed} more visit this year reaches {amount} on next year's tax.",
                        "{needed} more visits this year reach {amount} on next year's tax.",
                        needed,
                    ).format(needed=needed, amount=euros(following.amount))
                ),
                id="next-band",
            )
        else:
            yield Static(_("This year's visits already reach the highest band."), id="next-band")
        if s.visits:
            yield Label(plain(_("Visits in {year}").format(year=year)), classes="field-label")
            for visit in s.visits:
                materials = ", ".join(visit.materials)
                yield Static(
                    plain(f"{api.local_date(visit.date)}  {visit.centre}  {materials}"),
                    classes="visit",
                )
        card_button = self._card_action(card)
        if card_button:
            yield Button(plain(_(card_button)), id="card-action", classes="choice")
        yield Static(plain(self.state.print_status), id="print-status")

    @staticmethod
    def _card_action(card: Card | None) -> str | None:
        if card is None or card.status in ("lost", "cancelled"):
            return N_("Request a card")
        if card.status == "active":
            return N_("Lost card? Request a replacement")
        return None

    def loaded(self, summary: DeixalleriaSummary) -> None:
        self.query_one("#step-next", Button).disabled = False
        if self.state.card_request and self._card_action(summary.card):
            self.query_one("#card-action", Button).focus()
        else:
            self.query_one("#step-next", Button).focus()

    def proceed(self) -> None:
        if self.state.summary is not None:
            print_document(self, self.state.summary, self._printed)

    def _printed(self, outcome: str) -> None:
        self.flow.update(print_status=outcome)
        for status in self.query("#print-status").results(Static):
            status.update(plain(outcome))

    @on(Button.Pressed, "#card-action")
    def _card_action_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        card = self.state.summary.card if self.state.summary else None
        self.flow.update(requesting=True, replace_lost=card is not None and card.status == "active")
        self.flow.next(self)


class Requesting:
    """The card request's steps: part of the run once the card button was pressed."""

    @classmethod
    def applies(cls, state: Any) -> bool:
        return bool(state.requesting)


class CardRequestStep(Requesting, StepScreen[DeixalleriaState]):
    STEP = N_("Card request")
    FIELDS = (Choice("delivery", N_("How do you want to receive the card?"), DELIVERY),)

    def compose_body(self) -> ComposeResult:
        if self.state.replace_lost:
            yield Static(
                _("Your current card will be cancelled as lost, and a new one will be made for you."),
                classes="warning-box",
            )
        yield from super().compose_body()


class CardReview(Requesting, ReviewStep[DeixalleriaState]):
    def rows(self) -> Iterable[tuple[str, str]]:
        yield (
            N_("Request"),
            _("Replacement of a lost card") if self.state.replace_lost else _("New card"),
        )
        yield N_("Delivery"), _(DELIVERY[self.state.delivery])


@dataclass(frozen=True)
class CardRequested:
    """A card request's answer, and the summary (to print) that shows it."""

    request: CardRequestOut
    summary: DeixalleriaSummary


def submit(s: Submission[DeixalleriaState]) -> CardRequested:
    token, delivery, replace = s.token or "", s.state.delivery, s.state.replace_lost
    key = s.key([delivery, replace])
    request = s.backend.request_deixalleria_card(token, delivery, idempotency_key=key, replace_lost=replace)
    # The printed paper is the summary, which now shows the requested card.
    return CardRequested(request, s.backend.deixalleria_summary(token, language=s.language))


class CardResult(Requesting, ResultStep[DeixalleriaState, DeixalleriaSummary]):
    @property
    def request(self) -> CardRequestOut:
        assert isinstance(self.result, CardRequested)
        return self.result.request

    def headline(self) -> str:
        return _("Your card has been requested. Card number: {number}").format(
            number=self.request.card.number
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Card"), self.request.card.number
        yield N_("Status"), _(STATUS[self.request.card.status])
        yield N_("Delivery"), _(DELIVERY[self.request.delivery])
        yield N_("Date"), api.local_time(self.request.requested_at)


def _start(code: str, session: CitizenSession) -> DeixalleriaState:
    return DeixalleriaState(card_request=code == "deixalleria_targeta", identify=not session.token)


def _summary(answer: CardRequested) -> DeixalleriaSummary:
    return answer.summary


SPEC = Procedure(
    codes=("deixalleria_consulta", "deixalleria_targeta"),
    title=N_("Deixalleria card and visits"),
    steps=(WeakIdentifyStep, SummaryStep, CardRequestStep, CardReview, CardResult),
    start=_start,
    submit=submit,
    document=_summary,
)
