"""Cita prèvia: the services that take appointments, their slots, and the appointments booked

A slot is taken at most once (`uq_appointments_slot`): of two bookings racing for it, the database lets
one commit. The services and slots themselves are data (`municipal.seed` for the demo), not schema.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cita_services",
        sa.Column("code", sa.String(length=40), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        *(sa.Column(f"name_{lang}", sa.String(length=200), nullable=False) for lang in ("ca", "es", "en")),
        sa.Column("office", sa.String(length=200), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cita_slots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_code", sa.String(length=40), sa.ForeignKey("cita_services.code"), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("service_code", "starts_at", name="uq_cita_slots_service_start"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("slot_id", sa.Integer(), sa.ForeignKey("cita_slots.id"), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("id_number", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("csv", sa.String(length=32), nullable=False),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("slot_id", name="uq_appointments_slot"),
        sa.Index("ix_appointments_citizen_service", "id_number", "service_code"),
    )


def downgrade() -> None:
    op.drop_table("appointments")
    op.drop_table("cita_slots")
    op.drop_table("cita_services")
