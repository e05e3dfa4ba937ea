"""Initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 12:19:34.995707
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("floor", sa.String(length=10), nullable=False),
        sa.Column("door", sa.String(length=10), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "auth_challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "bonus_bands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("min_visits", sa.Integer(), nullable=False),
        sa.Column("max_visits", sa.Integer(), nullable=True),
        sa.Column("amount", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "bustia_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("contact_phone", sa.String(length=30), nullable=True),
        sa.Column("id_number", sa.String(length=16), nullable=True),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("csv", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_table(
        "citizen_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.String(length=16), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("surnames", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("certificate_serial", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "counters",
        sa.Column("series", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year"),
    )
    op.create_table(
        "deixalleria_cards",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("id_number", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("delivery", sa.String(length=12), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    with op.batch_alter_table("deixalleria_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deixalleria_cards_id_number"), ["id_number"], unique=False)

    op.create_table(
        "departments",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_ca", sa.String(length=200), nullable=False),
        sa.Column("name_es", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("principal", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", "principal", "key"),
    )
    op.create_table(
        "issued_documents",
        sa.Column("csv", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("holder_hash", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("csv"),
    )
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=16), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("surname1", sa.String(length=100), nullable=False),
        sa.Column("surname2", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id_number"),
    )
    op.create_table(
        "topics",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_ca", sa.String(length=200), nullable=False),
        sa.Column("name_es", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "weak_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("weak_login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weak_login_attempts_id_hash"), ["id_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_weak_login_attempts_kiosk_id"), ["kiosk_id"], unique=False)

    op.create_table(
        "deixalleria_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("card_number", sa.String(length=20), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("centre", sa.String(length=100), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_number"],
            ["deixalleria_cards.number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deixalleria_visits", schema=None) as batch_op:
        batch_op.create_index("ix_deixalleria_visits_card_date", ["card_number", "visited_on"], unique=False)

    op.create_table(
        "instancies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registry_number", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("id_number", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("csv", sa.String(length=32), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["departments.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registry_number"),
        sa.UniqueConstraint("year", "sequence", name="uq_instancies_year_sequence"),
    )
    op.create_table(
        "procedures",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("needs_certificate", sa.Boolean(), nullable=False),
        sa.Column("completable_here", sa.Boolean(), nullable=False),
        sa.Column("kiosk_flow", sa.String(length=40), nullable=True),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic"],
            ["topics.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("registered_since", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["addresses.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_address_id"), ["address_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registrations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "instancia_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("instancia_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instancia_id"],
            ["instancies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("instancia_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instancia_attachments_instancia_id"), ["instancia_id"], unique=False
        )

    op.create_table(
        "procedure_texts",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("what_to_bring", sa.Text(), nullable=False),
        sa.Column("where_to_go", sa.Text(), nullable=False),
        sa.Column("hours", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code"],
            ["procedures.code"],
        ),
        sa.PrimaryKeyConstraint("code", "language"),
    )


def downgrade() -> None:

    op.drop_table("procedure_texts")
    with op.batch_alter_table("instancia_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instancia_attachments_instancia_id"))

    op.drop_table("instancia_attachments")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrations_person_id"))
        batch_op.drop_index(batch_op.f("ix_registrations_address_id"))

    op.drop_table("registrations")
    op.drop_table("procedures")
    op.drop_table("instancies")
    with op.batch_alter_table("deixalleria_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_deixalleria_visits_card_date")

    op.drop_table("deixalleria_visits")
    with op.batch_alter_table("weak_login_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weak_login_attempts_kiosk_id"))
        batch_op.drop_index(batch_op.f("ix_weak_login_attempts_id_hash"))

    op.drop_table("weak_login_attempts")
    op.drop_table("topics")
    op.drop_table("people")
    op.drop_table("kiosks")
    op.drop_table("issued_documents")
    op.drop_table("idempotency_records")
    op.drop_table("departments")
    with op.batch_alter_table("deixalleria_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deixalleria_cards_id_number"))

    op.drop_table("deixalleria_cards")
    op.drop_table("counters")
    op.drop_table("citizen_sessions")
    op.drop_table("bustia_messages")
    op.drop_table("bonus_bands")
    op.drop_table("auth_challenges")
    op.drop_table("addresses")
