"""The reference backend's tables (SQLAlchemy 2). The schema itself is created by the migrations in
`municipal/migrations`; these classes must describe the head revision (a test checks they agree)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC, so SQLite and PostgreSQL store and compare alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    # A `Mapped[datetime]` column is a UTCDateTime; int, bool, date and bytes get SQLAlchemy's Integer,
    # Boolean, Date and LargeBinary; a column is nullable when its type says `| None`.
    type_annotation_map = {datetime: UTCDateTime}


#: The integer key the database numbers (1, 2, 3, ...).
Serial = Annotated[int, mapped_column(primary_key=True, autoincrement=True)]
#: A kiosk's id (`kiosks.id`), where a row records the kiosk it came from.
KioskId = Annotated[str, mapped_column(String(64))]
#: A citizen's ID number (DNI, NIE or passport).
IdNumber = Annotated[str, mapped_column(String(16))]
#: The CSV (secure verification code) of an issued document (`issued_documents.csv`).
Csv = Annotated[str, mapped_column(String(32))]
#: A two-letter language code (ca, es, en).
Language = Annotated[str, mapped_column(String(2))]
#: A SHA-256 (or HMAC-SHA-256) digest in hex.
Sha256Hex = Annotated[str, mapped_column(String(64))]


class Kiosk(Base):
    __tablename__ = "kiosks"
    id: Mapped[KioskId] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class AuthChallenge(Base):
    __tablename__ = "auth_challenges"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[KioskId]
    nonce: Mapped[bytes]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CitizenSession(Base):
    __tablename__ = "citizen_sessions"
    token_hash: Mapped[Sha256Hex] = mapped_column(primary_key=True)
    kiosk_id: Mapped[KioskId]
    id_number: Mapped[IdNumber]
    given_name: Mapped[str] = mapped_column(String(200))
    surnames: Mapped[str] = mapped_column(String(200))
    #: "full" (certificate) or "deixalleria" (weak identification).
    scope: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20))
    certificate_serial: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class WeakLoginAttempt(Base):
    __tablename__ = "weak_login_attempts"
    id: Mapped[Serial]
    kiosk_id: Mapped[KioskId] = mapped_column(index=True)
    #: A hash of the ID number tried: the table never holds the number itself.
    id_hash: Mapped[Sha256Hex] = mapped_column(index=True)
    at: Mapped[datetime]
    success: Mapped[bool]


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[Serial]
    street: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(10))
    floor: Mapped[str] = mapped_column(String(10), default="")
    door: Mapped[str] = mapped_column(String(10), default="")
    postal_code: Mapped[str] = mapped_column(String(5))
    municipality: Mapped[str] = mapped_column(String(100))


class Person(Base):
    __tablename__ = "people"
    id: Mapped[Serial]
    #: Young children may have no DNI yet: then None.
    id_number: Mapped[IdNumber | None] = mapped_column(unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    surname1: Mapped[str] = mapped_column(String(100))
    surname2: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date]
    nationality: Mapped[str] = mapped_column(String(2), default="ES")

    @property
    def surnames(self) -> str:
        return f"{self.surname1} {self.surname2}".strip()


class Registration(Base):
    """One stay of one person at one address of the padró; `left_on` is set when they left it."""

    __tablename__ = "registrations"
    id: Mapped[Serial]
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"), index=True)
    registered_since: Mapped[date]
    left_on: Mapped[date | None]
    person: Mapped[Person] = relationship(lazy="joined")
    address: Mapped[Address] = relationship(lazy="joined")


class Counter(Base):
    """Gapless numbering per series and year (registry entries, bústia references)."""

    __tablename__ = "counters"
    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int]


class IssuedDocument(Base):
    """Every document the backend issued, by its CSV: what `GET /v1/verify/{csv}` returns."""

    __tablename__ = "issued_documents"
    csv: Mapped[Csv] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    holder_hash: Mapped[Sha256Hex]
    kiosk_id: Mapped[KioskId]
    issued_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    kiosk_id: Mapped[KioskId] = mapped_column(primary_key=True)
    #: Whose request it was (hash of the citizen's ID number, or "-" for anonymous writes).
    principal: Mapped[Sha256Hex] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[Sha256Hex]
    status_code: Mapped[int]
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class _Named:
    """A row of a short list named in the kiosk's three languages, in the order of `position`."""

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]
    name_ca: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))

    def name(self, language: str) -> str:
        """The name in `language` (ca, es or en)."""
        name: str = getattr(self, f"name_{language}")
        return name


class Topic(_Named, Base):
    __tablename__ = "topics"


class Procedure(Base):
    __tablename__ = "procedures"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    topic: Mapped[str] = mapped_column(ForeignKey("topics.code"))
    position: Mapped[int]
    needs_certificate: Mapped[bool]
    completable_here: Mapped[bool]
    #: The kiosk flow that completes it here (padro_volant, instancia, deixalleria, bustia, ...).
    kiosk_flow: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(300), default="")


class ProcedureText(Base):
    __tablename__ = "procedure_texts"
    code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), primary_key=True)
    language: Mapped[Language] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    #: JSON list of strings.
    what_to_bring: Mapped[str] = mapped_column(Text, default="[]")
    where_to_go: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(Text, default="")


class Department(_Named, Base):
    __tablename__ = "departments"


class Instancia(Base):
    __tablename__ = "instancies"
    id: Mapped[Serial]
    registry_number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    registered_at: Mapped[datetime]
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    id_number: Mapped[IdNumber]
    kiosk_id: Mapped[KioskId]
    csv: Mapped[Csv]
    #: The whole receipt as issued (JSON), so the registry shows exactly what the citizen got.
    receipt: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("year", "sequence", name="uq_instancies_year_sequence"),)


class InstanciaAttachment(Base):
    __tablename__ = "instancia_attachments"
    id: Mapped[Serial]
    instancia_id: Mapped[int] = mapped_column(ForeignKey("instancies.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[Sha256Hex]
    content: Mapped[bytes]


class DeixalleriaCard(Base):
    __tablename__ = "deixalleria_cards"
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    id_number: Mapped[IdNumber] = mapped_column(index=True)
    #: requested | active | lost | cancelled
    status: Mapped[str] = mapped_column(String(12))
    #: delivery (posted to the padró address) | pickup (collected at the deixalleria)
    delivery: Mapped[str] = mapped_column(String(12))
    requested_at: Mapped[datetime]
    __table_args__ = (
        # At most one requested card per citizen, whatever the requests racing for it.
        Index(
            "uq_deixalleria_cards_one_requested",
            "id_number",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )


class DeixalleriaVisit(Base):
    __tablename__ = "deixalleria_visits"
    id: Mapped[Serial]
    card_number: Mapped[str] = mapped_column(ForeignKey("deixalleria_cards.number"))
    visited_on: Mapped[date]
    centre: Mapped[str] = mapped_column(String(100))
    #: JSON list of material codes.
    materials: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_deixalleria_visits_card_date", "card_number", "visited_on"),)


class BonusBand(Base):
    """The waste-tax bonus scale: previous year's visits in [min_visits, max_visits] -> amount."""

    __tablename__ = "bonus_bands"
    id: Mapped[Serial]
    min_visits: Mapped[int]
    max_visits: Mapped[int | None]
    #: Decimal as text ("17.50"): exact on both databases.
    amount: Mapped[str] = mapped_column(String(12))


class BustiaMessage(Base):
    __tablename__ = "bustia_messages"
    id: Mapped[Serial]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    id_number: Mapped[IdNumber | None]
    kiosk_id: Mapped[KioskId]
    submitted_at: Mapped[datetime]
    csv: Mapped[Csv]


class AppointmentService(_Named, Base):
    """A service that takes appointments (cita prèvia), at the office `office`."""

    __tablename__ = "cita_services"
    office: Mapped[str] = mapped_column(String(200))
    slot_minutes: Mapped[int]


class AppointmentSlot(Base):
    """One appointment time a service offers; taken by at most one `Appointment`."""

    __tablename__ = "cita_slots"
    id: Mapped[Serial]
    service_code: Mapped[str] = mapped_column(ForeignKey("cita_services.code"))
    starts_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("service_code", "starts_at", name="uq_cita_slots_service_start"),)


class Appointment(Base):
    """A booked appointment: the slot it takes (the unique constraint lets one booking win a race). A
    cancelled one gives its slot back (`slot_id` None) and keeps its row; a check-in gets the turn
    number `turn` of its service and local day `turn_day` (one number per appointment)."""

    __tablename__ = "appointments"
    id: Mapped[Serial]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("cita_slots.id"))
    service_code: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    id_number: Mapped[IdNumber]
    kiosk_id: Mapped[KioskId]
    booked_at: Mapped[datetime]
    csv: Mapped[Csv]
    cancelled_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    turn_day: Mapped[date | None]
    turn: Mapped[int | None]
    __table_args__ = (
        UniqueConstraint("slot_id", name="uq_appointments_slot"),
        UniqueConstraint("service_code", "turn_day", "turn", name="uq_appointments_turn"),
        Index("ix_appointments_citizen_service", "id_number", "service_code"),
    )


class Activity(_Named, Base):
    """An activity with limited places (a civic centre's course or workshop): pre-registration from
    `opens_at` to `closes_at`, then a public draw (`ActivityDraw`) gives the places."""

    __tablename__ = "activities"
    centre: Mapped[str] = mapped_column(String(200))
    schedule_ca: Mapped[str] = mapped_column(String(200))
    schedule_es: Mapped[str] = mapped_column(String(200))
    schedule_en: Mapped[str] = mapped_column(String(200))
    places: Mapped[int]
    fee_cents: Mapped[int]
    reduced_fee_cents: Mapped[int | None]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    draw_at: Mapped[datetime]

    def schedule(self, language: str) -> str:
        value: str = getattr(self, f"schedule_{language}")
        return value


class ActivityApplication(Base):
    """A citizen's application to an activity (one per citizen and activity: the unique constraint lets
    one of two racing applications commit). `rank` is its place in the draw's order; `state` is applied,
    place, waiting or withdrawn."""

    __tablename__ = "activity_applications"
    id: Mapped[Serial]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    activity_code: Mapped[str] = mapped_column(ForeignKey("activities.code"))
    id_number: Mapped[IdNumber]
    kiosk_id: Mapped[KioskId]
    applied_at: Mapped[datetime]
    csv: Mapped[Csv]
    state: Mapped[str] = mapped_column(String(12))
    rank: Mapped[int | None]
    withdrawn_at: Mapped[datetime | None]
    #: Where the result and a place passed on are told (only with the citizen's consent).
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[Language]
    __table_args__ = (
        UniqueConstraint("activity_code", "id_number", name="uq_activity_applications_citizen"),
    )


class ActivityDraw(Base):
    """The draw of an activity, once: its public seed and the order it gave (JSON, as `DrawOut.order`)."""

    __tablename__ = "activity_draws"
    activity_code: Mapped[str] = mapped_column(ForeignKey("activities.code"), primary_key=True)
    seed: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(200))
    drawn_at: Mapped[datetime]
    places: Mapped[int]
    order_json: Mapped[str] = mapped_column(Text)


class KioskHeartbeat(Base):
    """The last heartbeat of each kiosk (`POST /v1/kiosks/heartbeat`): its state as it came, JSON."""

    __tablename__ = "kiosk_heartbeats"
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(Text)


class StaffKey(Base):
    """A staff member's (or the fleet page's) credential for staff routes: `X-Staff-Id` and `X-Staff-Key`,
    only the key's scrypt hash stored, as for kiosks (`python -m municipal add-staff`)."""

    __tablename__ = "staff_keys"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message owed to a citizen (`municipal.outbox`), written in the transaction of the change that
    causes it and sent by the dispatcher: pending -> sent, or failed (retried with back-off) -> dead."""

    __tablename__ = "outbox_messages"
    id: Mapped[Serial]
    kind: Mapped[str] = mapped_column(String(40))
    #: email | sms
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(200))
    #: What the citizen agreed to with this contact (e.g. "instancia:electronic", "bustia:contact").
    consent: Mapped[str] = mapped_column(String(60))
    language: Mapped[Language]
    #: The template's values (JSON).
    payload: Mapped[str] = mapped_column(Text)
    #: The email's Message-ID or the SMS gateway's client reference: made when the message is written, the
    #: same at every attempt.
    idempotency_key: Mapped[str] = mapped_column(String(200), default=lambda: uuid.uuid4().hex)
    #: pending | sent | failed | dead (a new message is pending, never tried, with no error).
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    #: The dispatcher holding it until `lease_until`; another may take it once the lease ran out.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
        Index("ix_outbox_messages_due", "state", "next_attempt_at"),
    )


class ServerKey(Base):
    """What every server process on this database must agree on (`municipal.idkey`): the ID-hash key of
    servers started without a key file (`id_key`), and the check value of the key the hashes in the
    tables are made with (`id_key_check`)."""

    __tablename__ = "server_keys"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class AuthHandoff(Base):
    """A login by QR hand-off (`municipal.api.handoffs`): started by a kiosk, completed by the identity
    provider's callback, handed to the kiosk's poll once. pending -> authorised -> consumed, or denied,
    cancelled; expired is read from `expires_at`."""

    __tablename__ = "auth_handoffs"
    #: SHA-256 of the kiosk's handle (the handle itself is a secret the table never holds).
    id_hash: Mapped[Sha256Hex] = mapped_column(primary_key=True)
    kiosk_id: Mapped[KioskId]
    user_code: Mapped[str] = mapped_column(String(8), index=True)
    language: Mapped[Language]
    #: pending | authorised | denied | cancelled | consumed
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    interval_seconds: Mapped[int]
    last_polled_at: Mapped[datetime | None]
    #: SHA-256 of the OAuth `state` of the authorisation under way, and its PKCE verifier (server side).
    state_hash: Mapped[Sha256Hex | None] = mapped_column(index=True)
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    id_number: Mapped[IdNumber | None]
    given_name: Mapped[str | None] = mapped_column(String(200))
    surnames: Mapped[str | None] = mapped_column(String(200))
    #: How the identity provider identified the citizen (idcatmobil, clave, certificat, ...).
    method: Mapped[str | None] = mapped_column(String(20))
    #: The token hash of the session handed out (`citizen_sessions`).
    session_hash: Mapped[Sha256Hex | None]
    finished_at: Mapped[datetime | None]


class Bill(Base):
    """A bill (rebut or multa) the city issued: whose (`id_number`), what for (concept code, detail,
    period), how much (cents), until when, and its `number` in the emisora's own numbering (the first 10
    digits of its Cuaderno 60 referencia). Paid: the day the bank collected it and where, as a bank's
    collections file said (`municipal.payments.cobros`), and when the city imported that."""

    __tablename__ = "bills"
    id: Mapped[Serial]
    number: Mapped[int] = mapped_column(BigInteger)
    id_number: Mapped[IdNumber]
    kind: Mapped[str] = mapped_column(String(10))
    concept: Mapped[str] = mapped_column(String(3))
    detail: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int]
    period_ca: Mapped[str] = mapped_column(String(60))
    period_es: Mapped[str] = mapped_column(String(60))
    period_en: Mapped[str] = mapped_column(String(60))
    amount_cents: Mapped[int]
    due_date: Mapped[date]
    paid_on: Mapped[date | None]
    paid_bank: Mapped[str | None] = mapped_column(String(4))
    paid_office: Mapped[str | None] = mapped_column(String(4))
    paid_imported_at: Mapped[datetime | None]
    __table_args__ = (
        UniqueConstraint("number", name="uq_bills_number"),
        Index("ix_bills_citizen", "id_number"),
    )

    def period(self, language: str) -> str:
        value: str = getattr(self, f"period_{language}", None) or self.period_ca
        return value
