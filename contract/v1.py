"""The `/v1` request and response bodies. Requests derive from `StrictIn` (unknown fields and control
characters refused with 422); the printable documents some routes answer are in `contract.documents`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Base64Bytes,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from contract import limits
from contract.documents import (
    Address,
    BustiaKind,
    Card,
    CitaService,
    Department,
    DocumentLanguage,
    NotificationChannel,
    PadroKind,
)
from contract.localtime import LocalDateTime
from contract.text import EMAIL_PATTERN, PHONE_PATTERN, printable_text

Subject = Annotated[str, Field(min_length=1, max_length=limits.SUBJECT_MAX)]
Topic = Annotated[str, Field(min_length=1, max_length=limits.TOPIC_MAX)]
LongText = Annotated[str, Field(min_length=1, max_length=limits.LONG_TEXT_MAX)]
Delivery = Literal["delivery", "pickup"]
#: "full": certificate; "handoff": identified at an identity provider by QR hand-off (idCAT Mòbil,
#: Cl@ve), refused where a certificate is needed; "deixalleria": weak identification.
Scope = Literal["full", "handoff", "deixalleria"]
#: How a citizen may be identified for a procedure: a certificate card (scope "full"), a QR hand-off to
#: an identity provider (scope "handoff"), the deixalleria's weak identification (scope "deixalleria"),
#: or not at all (no session).
Identification = Literal["certificate", "handoff", "weak", "none"]


class StrictIn(BaseModel):
    """What a kiosk sends: no field the contract does not name, no control or invisible character in
    any string (see `contract.text.printable_text`)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        if isinstance(value, str):
            printable_text(value)
        return value


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    training: bool


# --- authentication -------------------------------------------------------------------------------


class ChallengeOut(BaseModel):
    challenge_id: str
    #: The bytes themselves once read (base64 on the wire: the schema says string, as it always did).
    nonce: Annotated[Base64Bytes, WithJsonSchema({"type": "string"})] = Field(
        description="32 random bytes, base64; sign exactly these bytes", repr=False
    )
    expires_at: datetime


class SessionIn(StrictIn):
    challenge_id: Annotated[str, Field(min_length=1, max_length=limits.CHALLENGE_ID_MAX)]
    certificate: Annotated[
        str, Field(min_length=1, max_length=limits.CERTIFICATE_MAX, description="DER, base64")
    ]
    signature: Annotated[
        str,
        Field(
            min_length=1,
            max_length=limits.SIGNATURE_MAX,
            description="RSA PKCS#1 v1.5 SHA-256 of the nonce, base64",
        ),
    ]


class WeakSessionIn(StrictIn):
    id_number: Annotated[str, Field(min_length=1, max_length=limits.ID_NUMBER_MAX)]
    birth_date: date
    postal_code: Annotated[str, Field(pattern=r"^\d{5}$")]


class CitizenOut(BaseModel):
    # Never in a repr (nor so in a log line).
    id_number: str = Field(repr=False)
    given_name: str = Field(repr=False)
    surnames: str = Field(repr=False)
    #: dnie | aoc | other for a certificate login; null for weak identification.
    certificate_kind: str | None


class SessionOut(BaseModel):
    token: str = Field(repr=False)
    expires_at: datetime
    scope: Scope
    citizen: CitizenOut


# --- catalogue ------------------------------------------------------------------------------------


class TopicOut(BaseModel):
    code: str
    name: str


class ProcedureOut(BaseModel):
    code: str
    title: str
    summary: str
    topic: TopicOut
    needs_certificate: bool
    #: The identifications this procedure accepts, strongest first; the backend refuses any other with
    #: 403 scope_forbidden. Empty from a backend that does not say: go by `needs_certificate`.
    accepts: list[Identification] = []
    completable_here: bool
    kiosk_flow: str | None
    what_to_bring: list[str]
    where_to_go: str
    hours: str
    url: str


class CatalogueOut(BaseModel):
    language: str
    procedures: list[ProcedureOut]


class DepartmentsOut(BaseModel):
    language: str
    departments: list[Department]


# --- padró ----------------------------------------------------------------------------------------


class RegistrationOut(BaseModel):
    registered: bool
    address: Address | None
    registered_since: date | None
    inhabitants: int


class PadroDocumentIn(StrictIn):
    kind: PadroKind
    language: DocumentLanguage = "ca"


# --- instància ------------------------------------------------------------------------------------


class ContactIn(StrictIn):
    email: Annotated[str, Field(max_length=limits.EMAIL_MAX, pattern=EMAIL_PATTERN)] | None = None
    phone: Annotated[str, Field(max_length=limits.PHONE_MAX, pattern=PHONE_PATTERN)] | None = None


class ConsentedContactIn(StrictIn):
    """A request with an optional `contact` where what follows is told (a confirmation, a draw's result),
    used only with the citizen's `consent` to that use: a contact without it is refused (422)."""

    contact: ContactIn | None = None
    consent: bool = False

    @property
    def given_contact(self) -> ContactIn | None:
        """The contact, when it holds an email or a phone (an empty one is none)."""
        contact = self.contact
        return contact if contact is not None and (contact.email or contact.phone) else None

    @model_validator(mode="after")
    def _contact_needs_consent(self) -> Self:
        if self.given_contact is not None and not self.consent:
            raise ValueError("a contact needs the citizen's consent")
        return self


class InstanciaFields(StrictIn):
    """The JSON in the `fields` part of the multipart request."""

    subject: Subject
    exposo: LongText
    solicito: LongText
    department: Annotated[str, Field(min_length=1, max_length=limits.DEPARTMENT_CODE_MAX)]
    contact: ContactIn = ContactIn()
    notification_channel: NotificationChannel
    language: DocumentLanguage = "ca"

    @model_validator(mode="after")
    def _electronic_needs_email(self) -> InstanciaFields:
        if self.notification_channel == "electronic" and not self.contact.email:
            raise ValueError("electronic notification needs a contact email")
        return self


# --- deixalleria ----------------------------------------------------------------------------------


class CardRequestIn(StrictIn):
    delivery: Delivery
    #: Replace a card reported lost: the active card is marked lost and a new one requested.
    replace_lost: bool = False


class CardRequestOut(BaseModel):
    card: Card
    delivery: Delivery
    requested_at: LocalDateTime


# --- bústia ---------------------------------------------------------------------------------------


class BustiaIn(StrictIn):
    kind: BustiaKind
    topic: Topic
    text: LongText
    contact: ContactIn | None = None
    language: DocumentLanguage = "ca"


# --- cita prèvia ---------------------------------------------------------------------------------


class CitaServicesOut(BaseModel):
    language: str
    services: list[CitaService]


class CitaSlotsOut(BaseModel):
    """The free appointments of a service, soonest first, in Mataró's local time."""

    service: CitaService
    slots: list[LocalDateTime]


class CitaIn(ConsentedContactIn):
    """A booking; `contact` (with `consent`) is where the confirmation is sent."""

    service: Annotated[str, Field(min_length=1, max_length=limits.DEPARTMENT_CODE_MAX)]
    #: The start of a free slot, as `CitaSlotsOut` gave it.
    appointment_at: datetime
    language: DocumentLanguage = "ca"

    @field_validator("appointment_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a UTC offset")
        return value


class CitaAppointment(BaseModel):
    """One of the citizen's appointments to come (`GET /v1/cites/mine`)."""

    reference: str
    service: CitaService
    appointment_at: LocalDateTime
    checked_in: bool = False


class CitaAppointmentsOut(BaseModel):
    appointments: list[CitaAppointment]


class CitaCheckInIn(StrictIn):
    """A check-in at the office: the kiosk finds the citizen's appointment of today."""

    language: DocumentLanguage = "ca"


class CitaCancelIn(StrictIn):
    """Cancel one of the citizen's appointments to come, by its reference (CP/<year>/<n>)."""

    reference: Annotated[str, Field(min_length=1, max_length=20)]
    language: DocumentLanguage = "ca"


class CitaCancelled(BaseModel):
    """A cancelled appointment: its slot is free again."""

    reference: str
    service: CitaService
    appointment_at: LocalDateTime
    cancelled_at: LocalDateTime


# --- verification ---------------------------------------------------------------------------------

Withholding = Literal["mask", "omit"]


class VerifiedHolder(BaseModel):
    name: str
    #: Masked as the AEPD publishes ID numbers (***4567**); None when the document carries none.
    id_number: str | None = None


class VerificationOut(BaseModel):
    """`GET /v1/verify/{csv}`: what a verifier needs, without what identifies a citizen to the kiosk."""

    csv: str
    kind: str
    issued_at: datetime
    language: str
    training: bool
    holder: VerifiedHolder | None
    #: SHA-256 (hex) of the PDF as issued, to compare an electronic copy byte for byte.
    pdf_sha256: str | None
    #: The PDF laid out as printed, with the fields of `withheld` masked or left out.
    pdf_url: str
    #: The fields masked or left out wherever they appear, and how.
    withheld: dict[str, Withholding]
    #: The document as issued with the same fields masked or left out.
    document: dict[str, Any]


# --- training mode --------------------------------------------------------------------------------


class TrainingResetOut(BaseModel):
    """`POST /v1/training/reset` (training servers only; not in the OpenAPI document)."""

    reset_at: LocalDateTime
    #: What was erased: registry_entries, attachments, documents, bustia_messages, activity_applications,
    #: deixalleria_card_requests, citizen_sessions, login_challenges, login_attempts, idempotency_records.
    erased: dict[str, int]
    #: What the demo data holds again: households, people, deixalleria_cards, procedures.
    restored: dict[str, int]
