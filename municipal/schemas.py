"""The /v1 contract's request and response bodies (pydantic). They are the OpenAPI document's schemas,
and the printing helper parses the document payloads by exactly these field names."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Unicode categories refused in what a citizen sends, as the kiosk refuses them (`is_control` in
#: kiosk/procedures/validation.py): controls (C0 and C1; NUL cannot even be stored by PostgreSQL),
#: invisible format characters (bidi overrides and isolates, zero-width spaces and joiners, BOM, soft
#: hyphen), lone surrogates, private use, unassigned code points, line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: What free text may hold of those: line breaks and tabs are text.
TEXT_BREAKS = frozenset("\n\r\t")


def refused_character(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first character of `value` in `REFUSED_CATEGORIES` and not `allowed`; None if there is none."""
    for char in value:
        if char not in allowed and unicodedata.category(char) in REFUSED_CATEGORIES:
            return char
    return None


def printable_text(value: str) -> str:
    """Free text of a citizen: no control or invisible character (see `REFUSED_CATEGORIES`) but line
    breaks and tabs; what the registry keeps and prints is what the citizen saw."""
    char = refused_character(value, TEXT_BREAKS)
    if char is not None:
        raise ValueError(f"contains a control or invisible character (U+{ord(char):04X})")
    return value


# --- instància attachments: pure checks, the same the kiosk makes before sending -----------------------

#: Longest attachment name, in characters (kiosk/procedures/attachments.py MAX_NAME).
ATTACHMENT_NAME_MAX = 80
_PDF_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)\s")
#: Where a PDF's end-of-file marker must be: PDF readers look for it in the last 1024 bytes.
PDF_EOF_WINDOW = 1024


def attachment_name_problem(name: str) -> str | None:
    """Why an attachment's file name cannot be registered and printed on the receipt (None = it can):
    1 to 80 characters, no control or invisible character (not even a tab or a line break), no path
    (`/`, `\\`, `..`), not only dots and spaces."""
    if not name or len(name) > ATTACHMENT_NAME_MAX:
        return "length"
    if refused_character(name) is not None:
        return "control or invisible character"
    if "/" in name or "\\" in name or ".." in name:
        return "path"
    if not name.strip(". "):
        return "no name"
    return None


def sniff_attachment(content: bytes) -> str | None:
    """The media type by content, never by name: PDF, JPEG or PNG; None for anything else. A PDF starts
    with a header with its version (`%PDF-1.0` to `%PDF-2.0`, then white space) and has its `%%EOF` in
    its last 1024 bytes (a truncated or forged one is refused); a PNG and a JPEG start with their
    signatures."""
    if _PDF_HEADER.match(content) and b"%%EOF" in content[-PDF_EOF_WINDOW:]:
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


DocumentLanguage = Literal["ca", "es"]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        # Every string a kiosk sends, whatever the field: a control character is refused with a 422.
        if isinstance(value, str):
            printable_text(value)
        return value


class ErrorOut(BaseModel):
    code: str
    message: str
    detail: Any = None


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    training: bool


# --- authentication -------------------------------------------------------------------------------


class ChallengeOut(BaseModel):
    challenge_id: str
    nonce: str = Field(description="32 random bytes, base64; sign exactly these bytes")
    expires_at: datetime


class SessionIn(_In):
    challenge_id: Annotated[str, Field(min_length=1, max_length=64)]
    certificate: Annotated[str, Field(min_length=1, max_length=16384, description="DER, base64")]
    signature: Annotated[
        str, Field(min_length=1, max_length=2048, description="RSA PKCS#1 v1.5 SHA-256 of the nonce, base64")
    ]


class WeakSessionIn(_In):
    id_number: Annotated[str, Field(min_length=1, max_length=20)]
    birth_date: date
    postal_code: Annotated[str, Field(pattern=r"^\d{5}$")]


class CitizenOut(BaseModel):
    id_number: str
    given_name: str
    surnames: str
    #: dnie | aoc | other for a certificate login; null for weak identification.
    certificate_kind: str | None


class SessionOut(BaseModel):
    token: str
    expires_at: datetime
    scope: Literal["full", "deixalleria"]
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
    completable_here: bool
    kiosk_flow: str | None
    what_to_bring: list[str]
    where_to_go: str
    hours: str
    url: str


class CatalogueOut(BaseModel):
    language: str
    procedures: list[ProcedureOut]


class DepartmentOut(BaseModel):
    code: str
    name: str


class DepartmentsOut(BaseModel):
    language: str
    departments: list[DepartmentOut]


# --- issued documents -----------------------------------------------------------------------------


class DocumentOut(BaseModel):
    csv: str
    verify_url: str
    issued_at: datetime
    language: DocumentLanguage
    training: bool


class AddressOut(BaseModel):
    street: str
    number: str
    floor: str
    door: str
    postal_code: str
    municipality: str


class HolderOut(BaseModel):
    id_number: str
    given_name: str
    surnames: str
    birth_date: date


class InhabitantOut(BaseModel):
    given_name: str
    surnames: str
    id_number: str | None
    birth_date: date
    registered_since: date


class RegistrationOut(BaseModel):
    registered: bool
    address: AddressOut | None
    registered_since: date | None
    inhabitants: int


class PadroDocumentIn(_In):
    kind: Literal["volant_individual", "volant_collectiu", "certificat_convivencia"]
    language: DocumentLanguage = "ca"


class PadroDocumentOut(DocumentOut):
    kind: Literal["volant_individual", "volant_collectiu", "certificat_convivencia"]
    address: AddressOut
    holder: HolderOut
    registered_since: date
    inhabitants: list[InhabitantOut]


class ContactIn(_In):
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Annotated[str, Field(max_length=30, pattern=r"^\+?[0-9 ]{6,20}$")] | None = None


class ContactOut(BaseModel):
    email: str | None
    phone: str | None


class InstanciaFields(_In):
    """The JSON in the `fields` part of the multipart request."""

    subject: Text200
    exposo: LongText
    solicito: LongText
    department: Annotated[str, Field(min_length=1, max_length=40)]
    contact: ContactIn = ContactIn()
    notification_channel: Literal["paper", "electronic"]
    language: DocumentLanguage = "ca"

    @model_validator(mode="after")
    def _electronic_needs_email(self) -> InstanciaFields:
        if self.notification_channel == "electronic" and not self.contact.email:
            raise ValueError("electronic notification needs a contact email")
        return self


class ApplicantOut(BaseModel):
    id_number: str
    given_name: str
    surnames: str


class AttachmentOut(BaseModel):
    name: str
    size: int
    sha256: str


class InstanciaReceiptOut(DocumentOut):
    registry_number: str
    registered_at: datetime
    department: DepartmentOut
    subject: str
    exposo: str
    solicito: str
    applicant: ApplicantOut
    contact: ContactOut
    notification_channel: Literal["paper", "electronic"]
    attachments: list[AttachmentOut]


class CardOut(BaseModel):
    number: str
    status: Literal["requested", "active", "lost", "cancelled"]
    holder_name: str


class VisitOut(BaseModel):
    date: date
    centre: str
    materials: list[str]


class BandOut(BaseModel):
    min_visits: int
    max_visits: int | None
    amount: str


class NextBandOut(BaseModel):
    min_visits: int
    amount: str
    visits_needed: int


class BonusOut(BaseModel):
    amount: str
    band: BandOut | None
    next_band: NextBandOut | None
    tax_year: int


class DeixalleriaSummaryOut(DocumentOut):
    card: CardOut | None
    year: int
    visits_this_year: int
    visits_last_year: int
    visits: list[VisitOut]
    bonus: BonusOut


class CardRequestIn(_In):
    delivery: Literal["delivery", "pickup"]
    #: Replace a card reported lost: the active card is marked lost and a new one requested.
    replace_lost: bool = False


class CardRequestOut(BaseModel):
    card: CardOut
    delivery: Literal["delivery", "pickup"]
    requested_at: datetime


class BustiaIn(_In):
    kind: Literal["queixa", "suggeriment", "agraiment"]
    topic: Text200
    text: LongText
    contact: ContactIn | None = None
    language: DocumentLanguage = "ca"


class BustiaReceiptOut(DocumentOut):
    reference: str
    kind: Literal["queixa", "suggeriment", "agraiment"]
    topic: str
    text: str
    submitted_at: datetime
    contact: ContactOut | None


class VerifyOut(BaseModel):
    csv: str
    kind: str
    issued_at: datetime
    training: bool
    document: dict[str, Any]


# --- training mode ------------------------------------------------------------------------------------


class TrainingResetOut(BaseModel):
    """`POST /v1/training/reset` (training servers only; not in the OpenAPI document)."""

    reset_at: datetime
    #: What was erased: registry_entries, attachments, documents, bustia_messages,
    #: deixalleria_card_requests, citizen_sessions, login_challenges, login_attempts, idempotency_records.
    erased: dict[str, int]
    #: What the demo data holds again: households, people, deixalleria_cards, procedures.
    restored: dict[str, int]
