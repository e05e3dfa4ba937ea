"""Pagament de rebuts i multes: the citizen's pending bills (taxes, fees, fines) from the backend, one
chosen, and its payment document printed, an AEB Cuaderno 60 carta de pagament that any partner bank or
ATM reads by its barcode. The kiosk takes no money and no card. With a certificate login or a phone
hand-off (the catalogue's `accepts`); no pending bill is said plainly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Label, Static

from contract.documents import Bill, PaymentDocument
from contract.payments import BillsOut
from kiosk.backend.client import BackendClient
from kiosk.i18n import N_, _, current_language
from kiosk.procedures import backend as api
from kiosk.procedures.fields import PickList
from kiosk.procedures.flow import Procedure, Submission, fresh
from kiosk.procedures.frame import LoadingStep, ResultStep, ReviewStep, StepScreen
from widgets.plain import plain

NO_BILLS = N_("You have no bills to pay to the Ajuntament de Mataró. There is nothing to do here.")


def amount(cents: int, language: str | None = None) -> str:
    """Euro cents as the citizen's language writes them: `1.234,56 €` (ca, es, ro), `1 234,56 €` (fr),
    `€1,234.56` (en). Integers only: no float ever holds an amount."""
    whole, frac = f"{cents // 100:,}", f"{cents % 100:02d}"
    language = language or current_language()
    if language == "en":
        return f"€{whole}.{frac}"
    groups = whole.replace(",", "\u202f" if language == "fr" else ".")
    return f"{groups},{frac}\u00a0€"


def bill_label(bill: Bill) -> str:
    """`Taxa de recollida de residus · 2n semestre 2026 · 90,00 € · fins al 31/12/2026`."""
    return " · ".join((bill.concept, bill.period, amount(bill.amount_cents), _due(bill)))


def _due(bill: Bill) -> str:
    return _("until {date}").format(date=api.local_date(bill.due_date))


@dataclass(frozen=True)
class RebutsState:
    listing: BillsOut | None = None
    """The pending bills, as the backend answered."""
    bills: tuple[tuple[str, str], ...] = ()
    """The pending bills' pick-list options (bill id, label), made from `listing`."""
    bill: str | None = None


class ListStep(LoadingStep[RebutsState]):
    """The citizen's pending bills, each with its amount, period and due date (none: said plainly, and
    nothing to go on to)."""

    STEP = N_("Your bills")
    LOADS = "listing"
    LOADING = N_("Looking up your bills…")

    def load(self, backend: BackendClient, token: str, language: str) -> BillsOut:
        return backend.bills(token, language=language)

    def compose_loaded(self, value: BillsOut) -> ComposeResult:
        if not value.bills:
            yield Static(plain(_(NO_BILLS)), id="no-bills", classes="intro")
            return
        yield Static(_("These are the bills you have to pay. One payment document is printed per bill."),
                     classes="intro")  # fmt: skip
        for bill in value.bills:
            with Horizontal(classes="review-row bill"):
                yield Label(plain(f"{bill.concept} · {bill.period}"), classes="review-label")
                yield Static(plain(f"{bill.detail} · {amount(bill.amount_cents)} · {_due(bill)}"),
                             classes="review-value")  # fmt: skip

    def loaded(self, value: BillsOut) -> None:
        self.flow.update(bills=tuple((str(b.id), bill_label(b)) for b in value.bills))
        if value.bills:
            super().loaded(value)
        else:  # nothing to pay: no Next (Back, Cancel and Finish stay), the notice spoken as every one is
            self.query_one("#step-next", Button).disabled = True
            self.app.notify(_(NO_BILLS), timeout=8, markup=False)


class BillStep(StepScreen[RebutsState]):
    STEP = N_("Bill to pay")
    FIELDS = (
        PickList(
            "bill",
            "bills",  # the list step's answer
            label=N_("Bill to pay"),
            prompt=N_("Choose a bill"),
            required=N_("Choose the bill you want to pay."),
        ),
    )


def _chosen(state: RebutsState) -> str:
    return next((label for code, label in state.bills if code == state.bill), "")


class RebutsReview(ReviewStep[RebutsState]):
    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Bill to pay"), _chosen(self.state)
        yield N_("How to pay"), _("At any partner bank or cash machine, with the printed document")


def submit(s: Submission[RebutsState]) -> PaymentDocument:
    assert s.state.bill is not None, "the bill step requires a bill"
    bill = int(s.state.bill)
    return s.backend.payment_document(s.token or "", bill, idempotency_key=s.key([bill, s.language]),
                                      language=s.language)  # fmt: skip


class RebutsResult(ResultStep[RebutsState, PaymentDocument]):
    def headline(self) -> str:
        return _(
            "Your payment document is ready. Pay it at any partner bank or cash machine by {date}."
        ).format(date=api.local_date(self.document.bill.due_date))

    def rows(self) -> Iterable[tuple[str, str]]:
        bill, payment = self.document.bill, self.document.payment
        yield N_("Concept"), bill.concept
        yield N_("Detail"), bill.detail
        yield N_("Period"), bill.period
        yield N_("Amount"), amount(payment.amount_cents)
        yield N_("Pay by"), api.local_date(bill.due_date)
        yield N_("Reference"), payment.reference


SPEC = Procedure(
    codes=("pagament_tributs",),
    title=N_("Paying bills and fines"),
    steps=(ListStep, BillStep, RebutsReview, RebutsResult),
    start=fresh(RebutsState),
    submit=submit,
)
