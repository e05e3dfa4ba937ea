"""Typed results of the municipal backend client. Document payloads are kept whole (`payload`) for the
printing layer, which parses exactly the contract's JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Topic:
    code: str
    name: str


@dataclass(frozen=True)
class Procedure:
    code: str
    title: str
    summary: str
    topic: Topic
    needs_certificate: bool
    completable_here: bool
    #: The kiosk flow that completes it here (padro_document, instancia, deixalleria_card, ...), or None.
    kiosk_flow: str | None
    what_to_bring: tuple[str, ...]
    where_to_go: str
    hours: str
    url: str


@dataclass(frozen=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    nonce: bytes = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class CitizenIdentity:
    id_number: str = field(repr=False)
    given_name: str = field(repr=False)
    surnames: str = field(repr=False)
    #: dnie | aoc | other after a certificate login; None after weak identification.
    certificate_kind: str | None = None


@dataclass(frozen=True)
class Login:
    token: str = field(repr=False)
    citizen: CitizenIdentity
    expires_at: datetime
    #: "full" (certificate) or "deixalleria" (weak identification).
    scope: str


@dataclass(frozen=True)
class Address:
    street: str
    number: str
    floor: str
    door: str
    postal_code: str
    municipality: str


@dataclass(frozen=True)
class Registration:
    registered: bool
    address: Address | None
    registered_since: date | None
    inhabitants: int


@dataclass(frozen=True)
class IssuedDocument:
    """A padró document (volant individual/col·lectiu, certificat de convivència)."""

    kind: str
    csv: str
    verify_url: str
    issued_at: datetime
    language: str
    training: bool
    #: The whole JSON document as issued: what the printing layer renders.
    payload: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class InstanciaReceipt:
    registry_number: str
    registered_at: datetime
    csv: str
    verify_url: str
    attachments: tuple[Attachment, ...]
    payload: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class DeixalleriaCard:
    number: str
    status: str
    holder_name: str = field(repr=False)


@dataclass(frozen=True)
class DeixalleriaSummary:
    card: DeixalleriaCard | None
    year: int
    visits_this_year: int
    visits_last_year: int
    #: Bonus on this year's waste tax, a decimal string ("17.50").
    bonus_amount: str
    csv: str
    payload: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class CardRequest:
    card: DeixalleriaCard
    delivery: str
    requested_at: datetime


@dataclass(frozen=True)
class BustiaReceipt:
    reference: str
    kind: str
    submitted_at: datetime
    csv: str
    payload: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Verification:
    csv: str
    kind: str
    issued_at: datetime
    training: bool
    document: dict[str, Any] = field(repr=False)
