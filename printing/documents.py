"""Typed documents the backend issues, as the printing layer reads them (contract `/v1`, JSON shapes).

Every printable document carries its CSV (codi segur de verificació), the public verification URL,
the issue date, its language ("ca" or "es") and whether it was issued in training mode. Build one from
the backend's JSON with `document_from_payload(payload)` or the `from_payload` of a given class; a
payload that does not fit raises `DocumentError` (for staff: it names the field, never its value).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class DocumentError(ValueError):
    """A document payload that cannot be printed. The message names fields only, never citizen data."""


class _Model(BaseModel):
    # The backend may add fields in later versions of the contract: ignore what we do not print.
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Issued(_Model):
    """What every issued document has in common."""

    csv: Annotated[str, Field(min_length=4, max_length=64)]
    verify_url: Annotated[str, Field(pattern=r"^https?://")]
    issued_at: datetime
    language: Literal["ca", "es"] = "ca"
    training: bool = False

    @field_validator("issued_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a UTC offset")
        return value

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


class Address(_Model):
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


class Person(_Model):
    given_name: str
    surnames: str
    id_number: str | None = None
    birth_date: date | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surnames}".strip()


class Inhabitant(Person):
    registered_since: date | None = None


class PadroDocument(_Issued):
    """Volant d'empadronament (individual or col·lectiu) or certificat de convivència."""

    kind: Literal["volant_individual", "volant_collectiu", "certificat_convivencia"]
    address: Address
    holder: Person
    registered_since: date | None = None
    inhabitants: tuple[Inhabitant, ...] = ()

    @property
    def is_volant(self) -> bool:
        return self.kind.startswith("volant")


# --- instància -------------------------------------------------------------------------------------


class Department(_Model):
    code: str
    name: str


class Contact(_Model):
    email: str | None = None
    phone: str | None = None


class Attachment(_Model):
    name: str
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]


class InstanciaReceipt(_Issued):
    """Registry receipt of an instància genèrica (Llei 39/2015, art. 16)."""

    registry_number: str
    registered_at: datetime
    department: Department
    subject: str
    exposo: str
    solicito: str
    applicant: Person
    contact: Contact | None = None
    notification_channel: Literal["paper", "electronic"] = "paper"
    attachments: tuple[Attachment, ...] = ()


# --- deixalleria -----------------------------------------------------------------------------------


class Card(_Model):
    number: str
    status: str
    holder_name: str = ""


class Visit(_Model):
    date: date
    centre: str
    materials: tuple[str, ...] = ()

    @field_validator("materials", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Band(_Model):
    min_visits: int
    max_visits: int | None = None
    amount: Decimal


class NextBand(_Model):
    min_visits: int
    amount: Decimal
    visits_needed: int


class Bonus(_Model):
    amount: Decimal = Decimal("0")
    band: Band | None = None
    next_band: NextBand | None = None
    tax_year: int


class DeixalleriaSummary(_Issued):
    """The deixalleria card, the year's visits and the waste-tax bonus they earn."""

    #: None when the citizen has no card (yet): the visits and bonus still print.
    card: Card | None = None
    year: int
    visits_this_year: int
    visits_last_year: int = 0
    visits: tuple[Visit, ...] = ()
    bonus: Bonus


# --- bústia ----------------------------------------------------------------------------------------


class BustiaReceipt(_Issued):
    """Receipt of a complaint, suggestion or thanks sent to the Bústia de queixes i suggeriments."""

    reference: str
    kind: Literal["queixa", "suggeriment", "agraiment"]
    topic: str
    text: str
    submitted_at: datetime
    contact: Contact | None = None


Document: TypeAlias = PadroDocument | InstanciaReceipt | DeixalleriaSummary | BustiaReceipt

PADRO_KINDS = ("volant_individual", "volant_collectiu", "certificat_convivencia")


def document_from_payload(payload: dict[str, Any]) -> Document:
    """The typed document for a backend payload, recognised by its distinctive fields."""
    if not isinstance(payload, dict):
        raise DocumentError("document payload is not a JSON object")
    if "registry_number" in payload:
        return InstanciaReceipt.from_payload(payload)
    if "card" in payload:
        return DeixalleriaSummary.from_payload(payload)
    if payload.get("kind") in PADRO_KINDS:
        return PadroDocument.from_payload(payload)
    if "reference" in payload:
        return BustiaReceipt.from_payload(payload)
    raise DocumentError("document payload of an unknown kind")
