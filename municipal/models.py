"""The reference backend's tables (SQLAlchemy 2). The schema itself is created by the migrations in
`municipal/migrations`; these classes must describe the head revision (a test checks they agree)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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
    pass


class Kiosk(Base):
    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuthChallenge(Base):
    __tablename__ = "auth_challenges"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CitizenSession(Base):
    __tablename__ = "citizen_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(16))
    given_name: Mapped[str] = mapped_column(String(200))
    surnames: Mapped[str] = mapped_column(String(200))
    #: "full" (certificate) or "deixalleria" (weak identification).
    scope: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20))
    certificate_serial: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WeakLoginAttempt(Base):
    __tablename__ = "weak_login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    #: A hash of the ID number tried: the table never holds the number itself.
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    success: Mapped[bool] = mapped_column(Boolean)


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    street: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(10))
    floor: Mapped[str] = mapped_column(String(10), default="")
    door: Mapped[str] = mapped_column(String(10), default="")
    postal_code: Mapped[str] = mapped_column(String(5))
    municipality: Mapped[str] = mapped_column(String(100))


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Young children may have no DNI yet: then None.
    id_number: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    given_name: Mapped[str] = mapped_column(String(100))
    surname1: Mapped[str] = mapped_column(String(100))
    surname2: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2), default="ES")

    @property
    def surnames(self) -> str:
        return f"{self.surname1} {self.surname2}".strip()


class Registration(Base):
    """One stay of one person at one address of the padró; `left_on` is set when they left it."""

    __tablename__ = "registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"), index=True)
    registered_since: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    person: Mapped[Person] = relationship(lazy="joined")
    address: Mapped[Address] = relationship(lazy="joined")


class Counter(Base):
    """Gapless numbering per series and year (registry entries, bústia references)."""

    __tablename__ = "counters"
    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class IssuedDocument(Base):
    """Every document the backend issued, by its CSV: what `GET /v1/verify/{csv}` returns."""

    __tablename__ = "issued_documents"
    csv: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    holder_hash: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Whose request it was (hash of the citizen's ID number, or "-" for anonymous writes).
    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class _Named:
    """A row of a short list named in the kiosk's three languages, in the order of `position`."""

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
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
    position: Mapped[int] = mapped_column(Integer)
    needs_certificate: Mapped[bool] = mapped_column(Boolean)
    completable_here: Mapped[bool] = mapped_column(Boolean)
    #: The kiosk flow that completes it here (padro_volant, instancia, deixalleria, bustia, ...).
    kiosk_flow: Mapped[str | None] = mapped_column(String(40), nullable=True)
    url: Mapped[str] = mapped_column(String(300), default="")


class ProcedureText(Base):
    __tablename__ = "procedure_texts"
    code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
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
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registry_number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    id_number: Mapped[str] = mapped_column(String(16))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    csv: Mapped[str] = mapped_column(String(32))
    #: The whole receipt as issued (JSON), so the registry shows exactly what the citizen got.
    receipt: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("year", "sequence", name="uq_instancies_year_sequence"),)


class InstanciaAttachment(Base):
    __tablename__ = "instancia_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instancia_id: Mapped[int] = mapped_column(ForeignKey("instancies.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class DeixalleriaCard(Base):
    __tablename__ = "deixalleria_cards"
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(16), index=True)
    #: requested | active | lost | cancelled
    status: Mapped[str] = mapped_column(String(12))
    #: delivery (posted to the padró address) | pickup (collected at the deixalleria)
    delivery: Mapped[str] = mapped_column(String(12))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
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
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_number: Mapped[str] = mapped_column(ForeignKey("deixalleria_cards.number"))
    visited_on: Mapped[date] = mapped_column(Date)
    centre: Mapped[str] = mapped_column(String(100))
    #: JSON list of material codes.
    materials: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_deixalleria_visits_card_date", "card_number", "visited_on"),)


class BonusBand(Base):
    """The waste-tax bonus scale: previous year's visits in [min_visits, max_visits] -> amount."""

    __tablename__ = "bonus_bands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    min_visits: Mapped[int] = mapped_column(Integer)
    max_visits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Decimal as text ("17.50"): exact on both databases.
    amount: Mapped[str] = mapped_column(String(12))


class BustiaMessage(Base):
    __tablename__ = "bustia_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    id_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    csv: Mapped[str] = mapped_column(String(32))


class AppointmentService(_Named, Base):
    """A service that takes appointments (cita prèvia), at the office `office`."""

    __tablename__ = "cita_services"
    office: Mapped[str] = mapped_column(String(200))
    slot_minutes: Mapped[int] = mapped_column(Integer)


class AppointmentSlot(Base):
    """One appointment time a service offers; taken by at most one `Appointment`."""

    __tablename__ = "cita_slots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("cita_services.code"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("service_code", "starts_at", name="uq_cita_slots_service_start"),)


class Appointment(Base):
    """A booked appointment: the slot it takes (the unique constraint lets one booking win a race). A
    cancelled one gives its slot back (`slot_id` None) and keeps its row; a check-in gets the turn
    number `turn` of its service and local day `turn_day` (one number per appointment)."""

    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("cita_slots.id"), nullable=True)
    service_code: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    id_number: Mapped[str] = mapped_column(String(16))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    csv: Mapped[str] = mapped_column(String(32))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    turn_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    turn: Mapped[int | None] = mapped_column(Integer, nullable=True)
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
    places: Mapped[int] = mapped_column(Integer)
    fee_cents: Mapped[int] = mapped_column(Integer)
    reduced_fee_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    draw_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def schedule(self, language: str) -> str:
        value: str = getattr(self, f"schedule_{language}")
        return value


class ActivityApplication(Base):
    """A citizen's application to an activity (one per citizen and activity: the unique constraint lets
    one of two racing applications commit). `rank` is its place in the draw's order; `state` is applied,
    place, waiting or withdrawn."""

    __tablename__ = "activity_applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    activity_code: Mapped[str] = mapped_column(ForeignKey("activities.code"))
    id_number: Mapped[str] = mapped_column(String(16))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    csv: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(12))
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Where the result and a place passed on are told (only with the citizen's consent).
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    language: Mapped[str] = mapped_column(String(2))
    __table_args__ = (
        UniqueConstraint("activity_code", "id_number", name="uq_activity_applications_citizen"),
    )


class ActivityDraw(Base):
    """The draw of an activity, once: its public seed and the order it gave (JSON, as `DrawOut.order`)."""

    __tablename__ = "activity_draws"
    activity_code: Mapped[str] = mapped_column(ForeignKey("activities.code"), primary_key=True)
    seed: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(200))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    places: Mapped[int] = mapped_column(Integer)
    order_json: Mapped[str] = mapped_column(Text)


class KioskHeartbeat(Base):
    """The last heartbeat of each kiosk (`POST /v1/kiosks/heartbeat`): its state as it came, JSON."""

    __tablename__ = "kiosk_heartbeats"
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(Text)


class StaffKey(Base):
    """A staff member's (or the fleet page's) credential for staff routes: `X-Staff-Id` and `X-Staff-Key`,
    only the key's scrypt hash stored, as for kiosks (`python -m municipal add-staff`)."""

    __tablename__ = "staff_keys"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A message owed to a citizen (`municipal.outbox`), written in the transaction of the change that
    causes it and sent by the dispatcher: pending -> sent, or failed (retried with back-off) -> dead."""

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    #: email | sms
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(200))
    #: What the citizen agreed to with this contact (e.g. "instancia:electronic", "bustia:contact").
    consent: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(2))
    #: The template's values (JSON).
    payload: Mapped[str] = mapped_column(Text)
    #: The email's Message-ID or the SMS gateway's client reference: made when the message is written, the
    #: same at every attempt.
    idempotency_key: Mapped[str] = mapped_column(String(200), default=lambda: uuid.uuid4().hex)
    #: pending | sent | failed | dead (a new message is pending, never tried, with no error).
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The dispatcher holding it until `lease_until`; another may take it once the lease ran out.
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
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
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    user_code: Mapped[str] = mapped_column(String(8), index=True)
    language: Mapped[str] = mapped_column(String(2))
    #: pending | authorised | denied | cancelled | consumed
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: SHA-256 of the OAuth `state` of the authorisation under way, and its PKCE verifier (server side).
    state_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    code_verifier: Mapped[str | None] = mapped_column(String(128), nullable=True)
    id_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    given_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    surnames: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: How the identity provider identified the citizen (idcatmobil, clave, certificat, ...).
    method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: The token hash of the session handed out (`citizen_sessions`).
    session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Bill(Base):
    """A bill (rebut or multa) the city issued: whose (`id_number`), what for (concept code, detail,
    period), how much (cents), until when, and its `number` in the emisora's own numbering (the first 10
    digits of its Cuaderno 60 referencia). Paid: the day the bank collected it and where, as a bank's
    collections file said (`municipal.payments.cobros`), and when the city imported that."""

    __tablename__ = "bills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[int] = mapped_column(BigInteger)
    id_number: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(10))
    concept: Mapped[str] = mapped_column(String(3))
    detail: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    period_ca: Mapped[str] = mapped_column(String(60))
    period_es: Mapped[str] = mapped_column(String(60))
    period_en: Mapped[str] = mapped_column(String(60))
    amount_cents: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_bank: Mapped[str | None] = mapped_column(String(4), nullable=True)
    paid_office: Mapped[str | None] = mapped_column(String(4), nullable=True)
    paid_imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (
        UniqueConstraint("number", name="uq_bills_number"),
        Index("ix_bills_citizen", "id_number"),
    )

    def period(self, language: str) -> str:
        value: str = getattr(self, f"period_{language}", None) or self.period_ca
        return value
