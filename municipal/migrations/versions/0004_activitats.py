"""Inscripcions a activitats: the activities with limited places, the citizens' applications, and the draws

One application per citizen and activity (`uq_activity_applications_citizen`): of two applications racing
from several kiosks, the database lets one commit. A draw is recorded once per activity (its primary key),
with the public seed and the order it gave. The activities themselves are data (`municipal.seed`).

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 06:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

LANGUAGES = ("ca", "es", "en")


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("code", sa.String(length=40), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        *(sa.Column(f"name_{lang}", sa.String(length=200), nullable=False) for lang in LANGUAGES),
        sa.Column("centre", sa.String(length=200), nullable=False),
        *(sa.Column(f"schedule_{lang}", sa.String(length=200), nullable=False) for lang in LANGUAGES),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=False),
        sa.Column("reduced_fee_cents", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("draw_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "activity_applications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("activity_code", sa.String(length=40), sa.ForeignKey("activities.code"), nullable=False),
        sa.Column("id_number", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("csv", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("activity_code", "id_number", name="uq_activity_applications_citizen"),
    )
    op.create_table(
        "activity_draws",
        sa.Column("activity_code", sa.String(length=40), sa.ForeignKey("activities.code"), primary_key=True),
        sa.Column("seed", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("order_json", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("activity_draws")
    op.drop_table("activity_applications")
    op.drop_table("activities")
