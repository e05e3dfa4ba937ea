"""The printable documents: what the routes that issue a document answer, what the backend records under
the document's CSV, and what printing renders.

Every printable document carries its CSV (codi segur de verificació), the public verification URL, the
issue date, its language ("ca" or "es") and whether it was issued in training mode. Read one from JSON
with `document_from_payload(payload)` or the `from_payload` of a given class; a payload that does not
fit raises `DocumentError` (for staff: it names the field, never its value).

Fields with a default are the ones a document may lack and still print: a verification copy withholds
ID numbers' digits, birth dates, postal codes and contact details, and a later contract version may add
fields (ignored). The server always sends every field (the OpenAPI document marks them required).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contract.localtime import LocalDateTime

DocumentLanguage = Literal["ca", "es"]
PadroKind = Literal["volant_individual", "volant_collectiu", "certificat_convivencia"]
BustiaKind = Literal["queixa", "suggeriment", "agraiment"]
NotificationChannel = Literal["paper", "electronic"]
CardStatus = Literal["requested", "active", "lost", "cancelled"]

PADRO_KINDS: tuple[PadroKind, ...] = ("volant_individual", "volant_collectiu", "certificat_convivencia")


class DocumentError(ValueError):
    """A document payload that cannot be printed. The message names fields only, never citizen data."""


class Part(BaseModel):
    """A part of a document (or of another answer): read leniently, sent whole."""

    # A later contract version may add fields: ignore what is not printed. The defaults are for reading
    # what a verification copy withholds; every answer still carries every field.
    model_config = ConfigDict(extra="ignore", frozen=True, json_schema_serialization_defaults_required=True)


class Issued(Part):
    """What every issued document has in common."""

    csv: Annotated[str, Field(min_length=4, max_length=64)]
    verify_url: Annotated[str, Field(pattern=r"^https?://")]
    issued_at: LocalDateTime
    language: DocumentLanguage = "ca"
    training: bool = False

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        try:
            return cls.model_validate(payload)
        except ValidationError as exc:
            raise DocumentError(_describe(cls.__name__, exc)) from None


def _describe(kind: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "(document)"
        problems.append(f"{where}: {error['type']}")
    more = f" (+{len(exc.errors()) - 3} more)" if len(exc.errors()) > 3 else ""
    return f"{kind} payload does not fit the contract: {'; '.join(problems)}{more}"


# --- padró -----------------------------------------------------------------------------------------


class Address(Part):
    street: str
    number: str = ""
    floor: str = ""
    door: str = ""
    postal_code: str = ""
    municipality: str = "Mataró"

    @field_validator("number", "floor", "door", "postal_code", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return "" if value is None else str(value) if isinstance(value, int) else value


class _Names(Protocol):
    given_name: str
    surnames: str


class Named:
    """A person a document names: `full_name` is how the name prints (given name, then surnames)."""

    @property
    def full_name(self: _Names) -> str:
        return f"{self.given_name} {self.surnames}".strip()


class Holder(Part, Named):
    """Whom a padró document is issued to."""

    id_number: str | None = None
    given_name: str
    surnames: str
    birth_date: date | None = None


class Inhabitant(Part, Named):
    given_name: str
    surnames: str
    #: None for a minor without DNI.
    id_number: str | None = None
    birth_date: date | None = None
    registered_since: date | None = None


class PadroDocument(Issued):
    """Volant d'empadronament (individual or col·lectiu) or certificat de convivència."""

    kind: PadroKind
    address: Address
    holder: Holder
    registered_since: date | None = None
    inhabitants: tuple[Inhabitant, ...] = ()

    @property
    def is_volant(self) -> bool:
        return self.kind.startswith("volant")


# --- instància -------------------------------------------------------------------------------------


class Department(Part):
    code: str
    name: str


class Contact(Part):
    email: str | None = None
    phone: str | None = None


class Applicant(Part, Named):
    id_number: str | None = None
    given_name: str
    surnames: str


class Attachment(Part):
    name: str
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]


class InstanciaReceipt(Issued):
    """Registry receipt of an instància genèrica (Llei 39/2015, art. 16)."""

    registry_number: str
    registered_at: LocalDateTime
    department: Department
    subject: str
    exposo: str
    solicito: str
    applicant: Applicant
    contact: Contact | None = None
    notification_channel: NotificationChannel = "paper"
    attachments: tuple[Attachment, ...] = ()


# --- deixalleria -----------------------------------------------------------------------------------


class Card(Part):
    number: str
    status: CardStatus
    holder_name: str = ""


class Visit(Part):
    date: date
    centre: str
    materials: tuple[str, ...] = ()

    @field_validator("materials", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Band(Part):
    min_visits: int
    max_visits: int | None = None
    amount: Decimal


class NextBand(Part):
    min_visits: int
    amount: Decimal
    visits_needed: int


class Bonus(Part):
    amount: Decimal = Decimal("0")
    band: Band | None = None
    next_band: NextBand | None = None
    tax_year: int


class DeixalleriaSummary(Issued):
    """The deixalleria card, the year's visits and the waste-tax bonus they earn."""

    #: None when the citizen has no card (yet): the visits and bonus still print.
    card: Card | None = None
    year: int
    visits_this_year: int
    visits_last_year: int = 0
    visits: tuple[Visit, ...] = ()
    bonus: Bonus


# --- bústia ----------------------------------------------------------------------------------------


class BustiaReceipt(Issued):
    """Receipt of a complaint, suggestion or thanks sent to the Bústia de queixes i suggeriments."""

    reference: str
    kind: BustiaKind
    topic: str
    text: str
    submitted_at: LocalDateTime
    contact: Contact | None = None


# --- cita prèvia -----------------------------------------------------------------------------------


class CitaService(Part):
    """A service of an office that takes appointments (the OAC's padró, registre...)."""

    code: str
    name: str
    office: str
    #: How long one appointment lasts.
    slot_minutes: int


class CitaJustificant(Issued):
    """Justificant of an appointment (cita prèvia) booked at an office of the Oficina d'Atenció Ciutadana."""

    reference: str
    service: CitaService
    appointment_at: LocalDateTime
    booked_at: LocalDateTime
    holder: Applicant
    contact: Contact | None = None


class CitaTicket(Issued):
    """Turn ticket of a check-in at the office: the service, the appointment's time and the turn number
    (`P-012`: the service's letter and its check-ins of the day); nobody's name or ID number."""

    turn: str
    reference: str
    service: CitaService
    appointment_at: LocalDateTime
    checked_in_at: LocalDateTime


# --- inscripcions a activitats ------------------------------------------------------------------------


class Activity(Part):
    """An activity of the city with limited places (a course or workshop of a civic centre): its places
    are given by a public draw among the applications made in its pre-registration window."""

    code: str
    name: str
    centre: str
    schedule: str
    places: int
    #: The fee in euro cents (0: free); the reduced fee, where the activity has one (None: none).
    fee_cents: int
    reduced_fee_cents: int | None = None
    opens_at: LocalDateTime
    closes_at: LocalDateTime
    draw_at: LocalDateTime


class ActivityJustificant(Issued):
    """Justificant of an application (pre-registration) to an activity: its number takes part in the draw."""

    application_number: str
    activity: Activity
    applied_at: LocalDateTime
    applicant: Applicant
    contact: Contact | None = None


# --- pagament de rebuts i multes -------------------------------------------------------------------


#: A bill's kind: a tax or fee (rebut) or a fine (multa).
BillKind = Literal["rebut", "multa"]


class Bill(Part):
    """A bill the citizen still has to pay."""

    id: int
    kind: BillKind
    #: The tribute's concept, in the request's language ("Impost sobre béns immobles (IBI) urbana").
    concept: str
    #: What it is for, as the tax office wrote it (a property's address, a fine's plate and place).
    detail: str
    #: The period it charges, in the request's language ("2026", "2n semestre 2026").
    period: str
    amount_cents: Annotated[int, Field(gt=0)]
    due_date: date


class PaymentFields(Part):
    """The Cuaderno 60 (Modalidad 2) fields of a payment document, as printed and as in its barcode."""

    emisora: Annotated[str, Field(pattern=r"^\d{6}$")]
    reference: Annotated[str, Field(pattern=r"^\d{12}$")]
    identification: Annotated[str, Field(pattern=r"^\d{10}$")]
    amount_cents: Annotated[int, Field(gt=0)]
    #: The GS1-128 barcode's digits: "90521" + emisora + referencia + identificación + importe + "0".
    barcode: Annotated[str, Field(pattern=r"^90521\d{37}$")]


class PaymentDocument(Issued):
    """Document de pagament (carta de pagament) of one bill: payable at any partner bank or ATM until its
    due date, by its barcode or its Cuaderno 60 fields."""

    bill: Bill
    holder: Applicant
    payment: PaymentFields


Document: TypeAlias = (
    PadroDocument
    | InstanciaReceipt
    | DeixalleriaSummary
    | BustiaReceipt
    | CitaJustificant
    | CitaTicket
    | ActivityJustificant
    | PaymentDocument
)


def document_from_payload(payload: dict[str, Any]) -> Document:
    """The typed document for a payload, recognised by its distinctive fields."""
    if not isinstance(payload, dict):
        raise DocumentError("document payload is not a JSON object")
    if "registry_number" in payload:
        return InstanciaReceipt.from_payload(payload)
    if "card" in payload:
        return DeixalleriaSummary.from_payload(payload)
    if payload.get("kind") in PADRO_KINDS:
        return PadroDocument.from_payload(payload)
    if "turn" in payload:
        return CitaTicket.from_payload(payload)
    if "application_number" in payload:
        return ActivityJustificant.from_payload(payload)
    if "payment" in payload:
        return PaymentDocument.from_payload(payload)
    if "appointment_at" in payload:
        return CitaJustificant.from_payload(payload)
    if "reference" in payload:
        return BustiaReceipt.from_payload(payload)
    raise DocumentError("document payload of an unknown kind")
