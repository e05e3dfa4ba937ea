"""Deixalleria: the card's status, the visits of this year and last year, the waste-tax bonus reached
and how many visits reach the next band; the printed summary; a card request (posted home or picked up)
or the replacement of a lost card. With a certificate login, or with the weak identification.

The bands and amounts are the backend's data: this module only shows what it answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, RadioButton, RadioSet, Static

from contract.documents import Card, DeixalleriaSummary
from contract.v1 import CardRequestOut
from kiosk.i18n import N_, _, ngettext
from kiosk.procedures import backend as api
from kiosk.procedures.identify_weak import STEP as IDENTIFY
from kiosk.procedures.identify_weak import WeakIdentifyStep
from kiosk.procedures.legacy import Flow, ResultStep, ReviewStep, StepScreen
from widgets.plain import plain

if TYPE_CHECKING:
    from kiosk.app import KioskApp

TITLE = N_("Deixalleria card and visits")
SUMMARY = N_("Card and visits")
REQUEST = N_("Card request")
REVIEW = N_("Review")
DONE = N_("Done")

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


def start(app: KioskApp, *, card_request: bool = False) -> None:
    session = app.session
    identified = bool(session and session.token)
    steps = ([] if identified else [IDENTIFY]) + [SUMMARY]
    flow = Flow(app, "deixalleria_targeta" if card_request else "deixalleria_consulta", TITLE, steps)
    flow.data["card_request"] = card_request
    if identified:
        app.push_screen(SummaryStep(flow))
    else:
        app.push_screen(WeakIdentifyStep(flow, then=SummaryStep))


def euros(amount: Decimal) -> str:
    """`17.50` → `17,50 €` (the city's way of writing amounts)."""
    return f"{amount:.2f}".replace(".", ",") + " €"


class SummaryStep(StepScreen):
    """The card and the visits; Print prints the summary; a button leads to the card request."""

    STEP = SUMMARY
    NEXT_LABEL = N_("Print")

    class Loaded(Message):
        def __init__(self, summary: DeixalleriaSummary) -> None:
            super().__init__()
            self.summary = summary

    class Failed(Message):
        def __init__(self, message: str, end_flow: bool) -> None:
            super().__init__()
            self.message = message
            self.end_flow = end_flow

    def cancel_label(self) -> str:
        return _("Other procedures")

    def compose_body(self) -> ComposeResult:
        summary: DeixalleriaSummary | None = self.flow.data.get("summary")
        if summary is None:
            yield Static(_("Looking up your deixalleria card and visits…"), id="summary-loading")
            return
        yield from self.compose_summary(summary)

    def compose_summary(self, s: DeixalleriaSummary) -> ComposeResult:
        card, bonus, year = s.card, s.bonus, s.year
        rows: list[tuple[str, str]] = []
        if card:
            rows.append((_("Card"), f"{card.number} · {_(STATUS[card.status])}"))
        else:
            rows.append((_("Card"), _("You have no deixalleria card yet.")))
        rows.append((_("Visits in {year}").format(year=year), str(s.visits_this_year)))
        rows.append((_("Visits in {year}").format(year=year - 1), str(s.visits_last_year)))
        for label, value in rows:
            with Horizontal(classes="review-row"):
                yield Label(plain(label), classes="review-label")
                yield Static(plain(value), classes="review-value")
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
        yield Static(plain(self.flow.data.get("print_status", "")), id="print-status")

    @staticmethod
    def _card_action(card: Card | None) -> str | None:
        if card is None or card.status in ("lost", "cancelled"):
            return N_("Request a card")
        if card.status == "active":
            return N_("Lost card? Request a replacement")
        return None

    def on_mount(self) -> None:
        super().on_mount()
        if self.flow.data.get("summary") is None:
            self.query_one("#step-next", Button).disabled = True
            self._load(self.flow.document_language())

    @work(thread=True, exclusive=True, exit_on_error=False, group="deixalleria", description="Loading")
    def _load(self, language: str) -> None:
        token = self.token
        try:
            result = api.client(self.app).deixalleria_summary(token, language=language)
        except api.BackendError as exc:
            self.post_message(self.Failed(api.citizen_message(exc), api.ends_flow(exc)))
        else:
            self.post_message(self.Loaded(result))

    @on(Loaded)
    async def _loaded(self, event: Loaded) -> None:
        self.flow.data["summary"] = event.summary
        await self.recompose()
        self.add_chrome()
        self.query_one("#step-next", Button).disabled = False
        if self.flow.data.get("card_request") and self._card_action(event.summary.card):
            self.query_one("#card-action", Button).focus()
        else:
            self.query_one("#step-next", Button).focus()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.flow.cancel()
        self.kiosk.show_error(event.message)

    def next(self) -> None:
        from kiosk.procedures.paper import print_document

        summary: DeixalleriaSummary | None = self.flow.data.get("summary")
        if summary is not None:
            print_document(self, summary, self._printed)

    def _printed(self, outcome: str) -> None:
        self.flow.data["print_status"] = outcome
        for status in self.query("#print-status").results(Static):
            status.update(plain(outcome))

    @on(Button.Pressed, "#card-action")
    def _card_action_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        summary: DeixalleriaSummary = self.flow.data["summary"]
        self.flow.data["replace_lost"] = summary.card is not None and summary.card.status == "active"
        for step in (REQUEST, REVIEW, DONE):
            if step not in self.flow.steps:
                self.flow.steps.append(step)
        self.go(CardRequestStep(self.flow))


class CardRequestStep(StepScreen):
    STEP = REQUEST

    def compose_body(self) -> ComposeResult:
        if self.flow.data.get("replace_lost"):
            yield Static(
                _("Your current card will be cancelled as lost, and a new one will be made for you."),
                classes="warning-box",
            )
        yield Label(_("How do you want to receive the card?"), classes="field-label")
        chosen = self.flow.data.setdefault("delivery", "delivery")
        with RadioSet(id="delivery", classes="choice"):
            for code, label in DELIVERY.items():
                yield RadioButton(plain(_(label)), value=chosen == code, id=f"delivery-{code}")

    @on(RadioSet.Changed, "#delivery")
    def _delivery(self, event: RadioSet.Changed) -> None:
        if event.pressed.id:
            self.flow.data["delivery"] = event.pressed.id.removeprefix("delivery-")

    def next(self) -> None:
        self.go(CardReview(self.flow))


class CardReview(ReviewStep):
    STEP = REVIEW

    def rows(self) -> Iterable[tuple[str, str]]:
        yield (
            N_("Request"),
            _("Replacement of a lost card") if self.flow.data.get("replace_lost") else _("New card"),
        )
        yield N_("Delivery"), _(DELIVERY[self.flow.data.get("delivery", "delivery")])

    def submit(self) -> CardRequested:
        token = self.token
        delivery = str(self.flow.data.get("delivery", "delivery"))
        replace = bool(self.flow.data.get("replace_lost"))
        key = self.flow.idempotency_key("deixalleria-card", [delivery, replace])
        backend = api.client(self.app)
        request = backend.request_deixalleria_card(token, delivery, idempotency_key=key, replace_lost=replace)
        # The printed paper is the summary, which now shows the requested card.
        summary = backend.deixalleria_summary(token, language=self.flow.document_language())
        return CardRequested(request, summary)

    def result_screen(self, result: CardRequested) -> StepScreen:
        self.flow.data["summary"] = result.summary
        return CardResult(self.flow, result.summary, request=result.request)


@dataclass(frozen=True)
class CardRequested:
    """A card request's answer, and the summary (to print) that shows it."""

    request: CardRequestOut
    summary: DeixalleriaSummary


class CardResult(ResultStep[DeixalleriaSummary]):
    STEP = DONE

    def __init__(
        self, flow: Flow, document: DeixalleriaSummary, *, request: CardRequestOut, **kwargs: Any
    ) -> None:
        super().__init__(flow, document, **kwargs)
        self.request = request

    def headline(self) -> str:
        return _("Your card has been requested. Card number: {number}").format(
            number=self.request.card.number
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Card"), self.request.card.number
        yield N_("Status"), _(STATUS[self.request.card.status])
        yield N_("Delivery"), _(DELIVERY[self.request.delivery])
        yield N_("Date"), api.local_time(self.request.requested_at)
