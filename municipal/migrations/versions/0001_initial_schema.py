"""Initial schema

The tables as they stood before the first release, in one revision. Development revisions were squashed
into it twice while no city database existed at any of them (pre-release: the test, demo and training
databases are made fresh): first the six of 0001-0005 and the server-keys branch, then the four that
followed, 0002 (cita prèvia: services, slots, appointments), 0004 (activitats: activities, applications,
draws), 0005 (cancelling an appointment and checking in) and 0003 (rebuts: the bills). A database left at
one of those old revisions is refused by `municipal.database.migrate`, which says to delete it. The
schema is frozen here, not read from `municipal.models`: a later change to the models comes with a
revision of its own, after this one.

Revision ID: 0001
Revises:
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_schema = sa.MetaData()
_REQUESTED = sa.text("status = 'requested'")


def _id() -> sa.Column[int]:
    """An integer primary key the database numbers."""
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def _key(name: str, length: int) -> sa.Column[str]:
    """A string primary key (or one column of a composite key)."""
    return sa.Column(name, sa.String(length=length), primary_key=True)


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[str]:
    """A string column of at most `length` characters, or unbounded text without one."""
    return sa.Column(name, sa.Text() if length is None else sa.String(length=length), nullable=nullable)


def _at(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def _number(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def _day(name: str, *, nullable: bool = False) -> sa.Column[date]:
    return sa.Column(name, sa.Date(), nullable=nullable)


def _names(prefix: str, length: int = 200) -> list[sa.Column[str]]:
    """A name (or another text) in each of the catalogue's languages."""
    return [_text(f"{prefix}_{language}", length) for language in ("ca", "es", "en")]


sa.Table(
    "addresses", _schema, _id(), _text("street", 200), _text("number", 10), _text("floor", 10),
    _text("door", 10), _text("postal_code", 5), _text("municipality", 100),
)  # fmt: skip
sa.Table(
    "auth_challenges", _schema, _key("id", 64), _text("kiosk_id", 64),
    sa.Column("nonce", sa.LargeBinary(), nullable=False), _at("created_at"), _at("expires_at"),
    _at("used_at", nullable=True),
)  # fmt: skip
sa.Table(
    "bonus_bands", _schema, _id(), _number("min_visits"), _number("max_visits", nullable=True),
    _text("amount", 12),
)  # fmt: skip
sa.Table(
    "bustia_messages", _schema, _id(), _text("reference", 20), _text("kind", 12), _text("topic", 200),
    _text("text"), _text("contact_email", 200, nullable=True), _text("contact_phone", 30, nullable=True),
    _text("id_number", 16, nullable=True), _text("kiosk_id", 64), _at("submitted_at"), _text("csv", 32),
    sa.UniqueConstraint("reference"),
)  # fmt: skip
sa.Table(
    "citizen_sessions", _schema, _key("token_hash", 64), _text("kiosk_id", 64), _text("id_number", 16),
    _text("given_name", 200), _text("surnames", 200), _text("scope", 20), _text("method", 20),
    _text("certificate_serial", 80, nullable=True), _at("created_at"), _at("last_seen_at"),
    _at("ended_at", nullable=True),
)  # fmt: skip
sa.Table(
    "counters", _schema, _key("series", 8), sa.Column("year", sa.Integer(), primary_key=True), _number("last")
)  # fmt: skip
sa.Table(
    "deixalleria_cards", _schema, _key("number", 20), _text("id_number", 16), _text("status", 12),
    _text("delivery", 12), _at("requested_at"),
    sa.Index("ix_deixalleria_cards_id_number", "id_number"),
    # At most one requested card per citizen: the database refuses a second one made by a race.
    sa.Index(
        "uq_deixalleria_cards_one_requested", "id_number", unique=True,
        sqlite_where=_REQUESTED, postgresql_where=_REQUESTED,
    ),
)  # fmt: skip
sa.Table("departments", _schema, _key("code", 40), _number("position"), *_names("name"))
sa.Table(
    "idempotency_records", _schema, _key("kiosk_id", 64), _key("principal", 64), _key("key", 200),
    _text("request_hash", 64), _number("status_code"), _text("response"), _at("created_at"),
)  # fmt: skip
sa.Table(
    "issued_documents", _schema, _key("csv", 32), _text("kind", 40), _text("holder_hash", 64),
    _text("kiosk_id", 64), _at("issued_at"), _text("payload"),
)  # fmt: skip
sa.Table(
    "kiosks", _schema, _key("id", 64), _text("key_hash", 200), _text("name", 200), _flag("active"),
    _at("created_at"),
)  # fmt: skip
sa.Table(
    "people", _schema, _id(), _text("id_number", 16, nullable=True), _text("given_name", 100),
    _text("surname1", 100), _text("surname2", 100), _day("birth_date"), _text("nationality", 2),
    sa.UniqueConstraint("id_number"),
)  # fmt: skip
sa.Table("topics", _schema, _key("code", 40), _number("position"), *_names("name"))
sa.Table(
    "weak_login_attempts", _schema, _id(), _text("kiosk_id", 64), _text("id_hash", 64), _at("at"),
    _flag("success"),
    sa.Index("ix_weak_login_attempts_id_hash", "id_hash"),
    sa.Index("ix_weak_login_attempts_kiosk_id", "kiosk_id"),
)  # fmt: skip
sa.Table(
    "deixalleria_visits", _schema, _id(),
    sa.Column("card_number", sa.String(length=20), sa.ForeignKey("deixalleria_cards.number"), nullable=False),
    _day("visited_on"), _text("centre", 100), _text("materials"),
    sa.Index("ix_deixalleria_visits_card_date", "card_number", "visited_on"),
)  # fmt: skip
sa.Table(
    "instancies", _schema, _id(), _text("registry_number", 20), _number("year"), _number("sequence"),
    _at("registered_at"), _text("department_code", 40), _text("id_number", 16), _text("kiosk_id", 64),
    _text("csv", 32), _text("receipt"),
    sa.ForeignKeyConstraint(["department_code"], ["departments.code"]),
    sa.UniqueConstraint("registry_number"),
    sa.UniqueConstraint("year", "sequence", name="uq_instancies_year_sequence"),
)  # fmt: skip
sa.Table(
    "procedures", _schema, _key("code", 60),
    sa.Column("topic", sa.String(length=40), sa.ForeignKey("topics.code"), nullable=False),
    _number("position"), _flag("needs_certificate"), _flag("completable_here"),
    _text("kiosk_flow", 40, nullable=True), _text("url", 300),
)  # fmt: skip
sa.Table(
    "registrations", _schema, _id(),
    _number("person_id"), _number("address_id"), _day("registered_since"), _day("left_on", nullable=True),
    sa.ForeignKeyConstraint(["address_id"], ["addresses.id"]),
    sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
    sa.Index("ix_registrations_address_id", "address_id"),
    sa.Index("ix_registrations_person_id", "person_id"),
)  # fmt: skip
sa.Table(
    "instancia_attachments", _schema, _id(),
    sa.Column("instancia_id", sa.Integer(), sa.ForeignKey("instancies.id"), nullable=False),
    _number("position"), _text("name", 80), _text("media_type", 40), _number("size"), _text("sha256", 64),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Index("ix_instancia_attachments_instancia_id", "instancia_id"),
)  # fmt: skip
sa.Table(
    "procedure_texts", _schema,
    sa.Column("code", sa.String(length=60), sa.ForeignKey("procedures.code"), primary_key=True),
    _key("language", 2), _text("title", 300), _text("summary"), _text("what_to_bring"),
    _text("where_to_go"), _text("hours"),
)  # fmt: skip
sa.Table(
    "kiosk_heartbeats", _schema,
    sa.Column("kiosk_id", sa.String(length=64), sa.ForeignKey("kiosks.id"), primary_key=True),
    _at("received_at"), _text("state"),
)  # fmt: skip
sa.Table("staff_keys", _schema, _key("id", 64), _text("key_hash", 200), _flag("active"), _at("created_at"))
sa.Table(
    "outbox_messages", _schema, _id(), _text("kind", 40), _text("channel", 8), _text("recipient", 200),
    _text("consent", 60), _text("language", 2), _text("payload"), _text("idempotency_key", 200),
    _text("state", 8), _number("attempts"), _at("created_at"), _at("next_attempt_at", nullable=True),
    _text("claimed_by", 64, nullable=True), _at("lease_until", nullable=True),
    _at("sent_at", nullable=True), _text("last_error", 300),
    sa.UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
    sa.Index("ix_outbox_messages_due", "state", "next_attempt_at"),
)  # fmt: skip
sa.Table(
    "auth_handoffs", _schema, _key("id_hash", 64), _text("kiosk_id", 64), _text("user_code", 8),
    _text("language", 2), _text("status", 12), _at("created_at"), _at("expires_at"),
    _number("interval_seconds"), _at("last_polled_at", nullable=True),
    _text("state_hash", 64, nullable=True), _text("code_verifier", 128, nullable=True),
    _text("id_number", 16, nullable=True), _text("given_name", 200, nullable=True),
    _text("surnames", 200, nullable=True), _text("method", 20, nullable=True),
    _text("session_hash", 64, nullable=True), _at("finished_at", nullable=True),
    sa.Index("ix_auth_handoffs_user_code", "user_code"),
    sa.Index("ix_auth_handoffs_state_hash", "state_hash"),
)  # fmt: skip
sa.Table("server_keys", _schema, _key("name", 40), _text("value", 200))
# Cita prèvia. The services and their slots are data (`municipal.seed` for the demo), not schema.
sa.Table(
    "cita_services", _schema, _key("code", 40), _number("position"), *_names("name"), _text("office", 200),
    _number("slot_minutes"),
)  # fmt: skip
sa.Table(
    "cita_slots", _schema, _id(),
    sa.Column("service_code", sa.String(length=40), sa.ForeignKey("cita_services.code"), nullable=False),
    _at("starts_at"),
    sa.UniqueConstraint("service_code", "starts_at", name="uq_cita_slots_service_start"),
)  # fmt: skip
sa.Table(
    "appointments", _schema, _id(), _text("reference", 20),
    # NULL once cancelled: the row stays (its justificant's CSV still verifies), its slot is free again.
    sa.Column("slot_id", sa.Integer(), sa.ForeignKey("cita_slots.id"), nullable=True),
    _text("service_code", 40), _at("starts_at"), _text("id_number", 16), _text("kiosk_id", 64),
    _at("booked_at"), _text("csv", 32),
    _at("cancelled_at", nullable=True), _at("checked_in_at", nullable=True), _day("turn_day", nullable=True),
    _number("turn", nullable=True),
    sa.UniqueConstraint("reference"),
    # A slot is taken at most once: of two bookings racing for it, the database lets one commit (many
    # cancelled appointments may hold NULL, on SQLite and PostgreSQL alike).
    sa.UniqueConstraint("slot_id", name="uq_appointments_slot"),
    # A check-in's turn number, given once per service and local day.
    sa.UniqueConstraint("service_code", "turn_day", "turn", name="uq_appointments_turn"),
    sa.Index("ix_appointments_citizen_service", "id_number", "service_code"),
)  # fmt: skip
# Inscripcions a activitats. The activities are data (`municipal.seed`).
sa.Table(
    "activities", _schema, _key("code", 40), _number("position"), *_names("name"), _text("centre", 200),
    *_names("schedule"), _number("places"), _number("fee_cents"), _number("reduced_fee_cents", nullable=True),
    _at("opens_at"), _at("closes_at"), _at("draw_at"),
)  # fmt: skip
sa.Table(
    "activity_applications", _schema, _id(), _text("number", 20),
    sa.Column("activity_code", sa.String(length=40), sa.ForeignKey("activities.code"), nullable=False),
    _text("id_number", 16), _text("kiosk_id", 64), _at("applied_at"), _text("csv", 32), _text("state", 12),
    _number("rank", nullable=True), _at("withdrawn_at", nullable=True), _text("email", 200, nullable=True),
    _text("phone", 30, nullable=True), _text("language", 2),
    sa.UniqueConstraint("number"),
    # One application per citizen and activity: of two racing from several kiosks, one commits.
    sa.UniqueConstraint("activity_code", "id_number", name="uq_activity_applications_citizen"),
)  # fmt: skip
sa.Table(
    "activity_draws", _schema,
    # Its primary key: a draw is recorded once per activity, with the public seed and the order it gave.
    sa.Column("activity_code", sa.String(length=40), sa.ForeignKey("activities.code"), primary_key=True),
    _text("seed", 100), _text("method", 200), _at("drawn_at"), _number("places"), _text("order_json"),
)  # fmt: skip
# Pagament de rebuts i multes: the bills issued (data, `municipal.seed` for the demo) and their payment,
# once a bank's collections file says so.
sa.Table(
    "bills", _schema, _id(), sa.Column("number", sa.BigInteger(), nullable=False), _text("id_number", 16),
    _text("kind", 10), _text("concept", 3), _text("detail", 200), _number("fiscal_year"),
    *_names("period", 60), _number("amount_cents"), _day("due_date"), _day("paid_on", nullable=True),
    _text("paid_bank", 4, nullable=True), _text("paid_office", 4, nullable=True),
    _at("paid_imported_at", nullable=True),
    sa.UniqueConstraint("number", name="uq_bills_number"),
    sa.Index("ix_bills_citizen", "id_number"),
)  # fmt: skip


def upgrade() -> None:
    _schema.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    _schema.drop_all(op.get_bind(), checkfirst=False)
