"""Bústia de queixes i suggeriments: kind, topic and text; an optional contact with the consent text;
review; the reference number and the printed receipt. No identification is needed (if the citizen is
identified, the message goes with their session)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from contract.documents import BustiaReceipt
from contract.limits import LONG_TEXT_MAX, TOPIC_MAX
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.fields import Choice, FieldSpec, Rule, Tick, free_text
from kiosk.procedures.flow import Procedure, S, Submission, fresh
from kiosk.procedures.frame import ResultStep, ReviewStep, StepScreen
from kiosk.procedures.validation import (
    Issue,
    check_email,
    check_phone,
    normalise_phone,
    normalise_text,
)
from widgets.plain import plain

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


@dataclass(frozen=True)
class ContactState:
    """The contact a `ConsentedContactStep` edits, as typed: an email and a phone, both optional, either of
    them only with the consent (`consent_given`). A procedure's state inherits it, so the frame reads and
    writes these fields by name like any other (Back, a recompose or a language change keep them)."""

    email: str = ""
    phone: str = ""
    consent: bool = False

    def contact(self) -> dict[str, str | None] | None:
        """The contact to send (the phone normalised): None when both are empty, or without the consent."""
        email, phone = self.email.strip() or None, normalise_phone(self.phone) or None
        return {"email": email, "phone": phone} if (email or phone) and self.consent else None


@dataclass(frozen=True)
class BustiaState(ContactState):
    """What the citizen typed, as typed: `body_of` normalises it when the message is sent; the contact is
    for an answer."""

    #: queixa | suggeriment | agraiment (the message step's choice)
    kind: str = "suggeriment"
    topic: str = ""
    text: str = ""


TOPIC = free_text(
    "topic", N_("Topic"), max_length=TOPIC_MAX, placeholder=N_("For example: street lighting in my street")
)
TEXT = free_text(
    "text",
    N_("Your message"),
    max_length=LONG_TEXT_MAX,
    multiline=True,
    hint=N_("Tab moves to the next field."),
)
EMAIL = FieldSpec("email", N_("Email (optional)"), check_email, placeholder=N_("Example: name@example.com"))
PHONE = FieldSpec("phone", N_("Phone (optional)"), check_phone, placeholder=N_("Example: 600 000 000"))
AGREED = Tick("consent", N_("I agree to my contact details being used to answer me"))


def consent_given(state: ContactState) -> Issue | None:
    if (state.email.strip() or state.phone.strip()) and not state.consent:
        return Issue(N_("To leave a contact, please tick the consent box (or leave the contact empty)."))
    return None


class MessageStep(StepScreen[BustiaState]):
    STEP = N_("Your message")
    FIELDS = (Choice("kind", N_("What do you want to send?"), KINDS), TOPIC, TEXT)


class ConsentedContactStep(StepScreen[S]):
    """An optional email and phone, with the consent text and its tick box (`consent_given`), in a state
    that inherits `ContactState`: the bústia's contact step, the cita prèvia's and the activitats'.
    Subclasses set INTRO, CONSENT and AGREED (its FIELDS' tick)."""

    STEP = N_("Contact")
    INTRO: ClassVar[str] = ""
    CONSENT: ClassVar[str] = ""
    AGREED: ClassVar[Tick]
    RULES = (Rule("consent", consent_given),)

    def compose_body(self) -> ComposeResult:
        yield Static(plain(_(self.INTRO)), classes="intro")
        yield from self.compose_fields((EMAIL, PHONE))
        with Vertical(id="consent-box", classes="warning-box"):
            yield Static(plain(_(self.CONSENT)), id="consent-text")
            yield from self.compose_field(self.AGREED)
            yield Static("", id="consent-error", classes="field-error")


def contact_rows(state: ContactState) -> Iterable[tuple[str, str]]:
    """A review's rows of the contact that will be sent (empty when none)."""
    contact = state.contact() or {}
    yield N_("Email"), contact.get("email") or ""
    yield N_("Phone"), contact.get("phone") or ""


class ContactStep(ConsentedContactStep[BustiaState]):
    INTRO = N_("If you want an answer, leave an email or a phone number. You can also send it anonymously.")
    CONSENT = CONSENT
    AGREED = AGREED
    FIELDS = (EMAIL, PHONE, AGREED)


def body_of(state: BustiaState, language: str) -> dict[str, Any]:
    return {
        "kind": state.kind,
        "topic": normalise_text(state.topic),
        "text": normalise_text(state.text, multiline=True),
        "contact": state.contact(),
        "language": language,
    }


class BustiaReview(ReviewStep[BustiaState]):
    def rows(self) -> Iterable[tuple[str, str]]:
        body = body_of(self.state, self.flow.document_language())
        yield N_("Kind"), _(KINDS[body["kind"]])
        yield N_("Topic"), body["topic"]
        yield N_("Your message"), body["text"]
        yield from contact_rows(self.state)
        if body["contact"] is None:
            yield N_("Answer"), _("Anonymous: no answer will be sent.")


def submit(s: Submission[BustiaState]) -> BustiaReceipt:
    body = body_of(s.state, s.language)
    return s.backend.submit_bustia(
        s.token, body["kind"], body["topic"], body["text"], body["contact"], idempotency_key=s.key(body),
        language=body["language"],
    )  # fmt: skip


class BustiaResult(ResultStep[BustiaState, BustiaReceipt]):
    def headline(self) -> str:
        return _("Your message has been received. Reference number: {reference}").format(
            reference=self.document.reference
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Reference"), self.document.reference
        yield N_("Kind"), _(KINDS[self.document.kind])
        yield N_("Topic"), self.document.topic
        yield N_("Date"), api.local_time(self.document.submitted_at)


SPEC = Procedure(
    codes=("bustia",),
    title=N_("Complaints and suggestions box"),
    steps=(MessageStep, ContactStep, BustiaReview, BustiaResult),
    start=fresh(BustiaState),
    submit=submit,
)
