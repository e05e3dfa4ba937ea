"""Bústia de queixes i suggeriments: kind, topic and text; an optional contact with the consent text;
review; the reference number and the printed receipt. No identification is needed (if the citizen is
identified, the message goes with their session)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Label, RadioButton, RadioSet, Static

from contract.documents import BustiaReceipt
from contract.limits import LONG_TEXT_MAX, TOPIC_MAX
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.legacy import FieldSpec, Flow, ResultStep, ReviewStep, StepScreen
from kiosk.procedures.validation import (
    check_email,
    check_phone,
    check_text,
    normalise_phone,
    normalise_text,
)
from widgets.plain import plain

if TYPE_CHECKING:
    from kiosk.app import KioskApp

TITLE = N_("Complaints and suggestions box")
STEPS = (N_("Your message"), N_("Contact"), N_("Review"), N_("Done"))
KINDS = {
    "queixa": N_("Complaint"),
    "suggeriment": N_("Suggestion"),
    "agraiment": N_("Thanks"),
}
CONSENT = N_(
    "The Ajuntament de Mataró will use your contact details only to answer this message, and will keep "
    "them as long as the law on public records requires (RGPD, Regulation (EU) 2016/679). You can ask to "
    "see, correct or erase them at any OAC office."
)

TOPIC = FieldSpec(
    "topic",
    N_("Topic"),
    lambda v: check_text(v, max_length=TOPIC_MAX),
    max_length=TOPIC_MAX,
    placeholder=N_("For example: street lighting in my street"),
)
TEXT = FieldSpec(
    "text",
    N_("Your message"),
    lambda v: check_text(v, max_length=LONG_TEXT_MAX, multiline=True),
    max_length=LONG_TEXT_MAX,
    multiline=True,
    hint=N_("Tab moves to the next field."),
)
EMAIL = FieldSpec(
    "email", N_("Email (optional)"), check_email, max_length=None, placeholder="nom@exemple.cat"
)
PHONE = FieldSpec("phone", N_("Phone (optional)"), check_phone, max_length=None, placeholder="600 000 000")


def start(app: KioskApp) -> None:
    flow = Flow(app, "bustia", TITLE, STEPS)
    flow.data["kind"] = "suggeriment"
    app.push_screen(MessageStep(flow))


class MessageStep(StepScreen):
    STEP = STEPS[0]
    FIELDS = (TOPIC, TEXT)

    def compose_body(self) -> ComposeResult:
        yield Label(_("What do you want to send?"), classes="field-label")
        with RadioSet(id="kind", classes="choice"):
            for code, label in KINDS.items():
                yield RadioButton(
                    plain(_(label)), value=self.flow.data.get("kind") == code, id=f"kind-{code}"
                )
        yield from self.compose_fields(self.FIELDS)

    @on(RadioSet.Changed, "#kind")
    def _kind(self, event: RadioSet.Changed) -> None:
        if event.pressed.id:
            self.flow.data["kind"] = event.pressed.id.removeprefix("kind-")

    def next(self) -> None:
        if self.validate_fields():
            self.go(ContactStep(self.flow))


class ContactStep(StepScreen):
    STEP = STEPS[1]
    FIELDS = (EMAIL, PHONE)

    def compose_body(self) -> ComposeResult:
        yield Static(
            _("If you want an answer, leave an email or a phone number. You can also send it anonymously."),
            classes="intro",
        )
        yield from self.compose_fields(self.FIELDS)
        with Vertical(id="consent-box", classes="warning-box"):
            yield Static(plain(_(CONSENT)), id="consent-text")
            yield Checkbox(
                _("I agree to my contact details being used to answer me"),
                value=bool(self.flow.data.get("consent")),
                id="consent",
            )
            yield Static("", id="consent-error", classes="field-error")

    @on(Checkbox.Changed, "#consent")
    def _consent(self, event: Checkbox.Changed) -> None:
        self.flow.data["consent"] = event.value
        if event.value:
            self.query_one("#consent-error", Static).update("")

    def has_contact(self) -> bool:
        return bool(
            str(self.flow.data.get("email", "")).strip() or str(self.flow.data.get("phone", "")).strip()
        )

    def next(self) -> None:
        if not self.validate_fields():
            return
        if self.has_contact() and not self.flow.data.get("consent"):
            self.query_one("#consent-error", Static).update(
                _("To leave a contact, please tick the consent box (or leave the contact empty).")
            )
            self.query_one("#consent", Checkbox).focus()
            return
        self.go(BustiaReview(self.flow))


def _body(flow: Flow) -> dict[str, Any]:
    data = flow.data
    email = str(data.get("email", "")).strip() or None
    phone = normalise_phone(str(data.get("phone", ""))) or None
    return {
        "kind": data.get("kind", "suggeriment"),
        "topic": normalise_text(str(data.get("topic", ""))),
        "text": normalise_text(str(data.get("text", "")), multiline=True),
        "contact": {"email": email, "phone": phone} if (email or phone) else None,
        "language": flow.document_language(),
    }


class BustiaReview(ReviewStep):
    STEP = STEPS[2]

    def rows(self) -> Iterable[tuple[str, str]]:
        body = _body(self.flow)
        contact = body["contact"] or {}
        yield N_("Kind"), _(KINDS[body["kind"]])
        yield N_("Topic"), body["topic"]
        yield N_("Your message"), body["text"]
        yield N_("Email"), contact.get("email") or ""
        yield N_("Phone"), contact.get("phone") or ""
        if not contact:
            yield N_("Answer"), _("Anonymous: no answer will be sent.")

    def submit(self) -> BustiaReceipt:
        body = _body(self.flow)
        session = self.kiosk.session
        token = session.token if session is not None else None
        key = self.flow.idempotency_key("bustia", body)
        return api.client(self.app).submit_bustia(
            token, body["kind"], body["topic"], body["text"], body["contact"], idempotency_key=key,
            language=body["language"],
        )  # fmt: skip

    def result_screen(self, result: BustiaReceipt) -> StepScreen:
        return BustiaResult(self.flow, result)


class BustiaResult(ResultStep[BustiaReceipt]):
    STEP = STEPS[3]

    def headline(self) -> str:
        return _("Your message has been received. Reference number: {reference}").format(
            reference=self.document.reference
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Reference"), self.document.reference
        yield N_("Kind"), _(KINDS[self.document.kind])
        yield N_("Topic"), self.document.topic
        yield N_("Date"), api.local_time(self.document.submitted_at)
