"""Pagament de rebuts i multes: the bills issued to citizens and, once a bank's collections file says
so, their payment. The bills themselves are data (`municipal.seed` for the demo), not schema.

Revision ID: 0003
Revises: 0005
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("id_number", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("concept", sa.String(length=3), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        *(sa.Column(f"period_{lang}", sa.String(length=60), nullable=False) for lang in ("ca", "es", "en")),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_bank", sa.String(length=4), nullable=True),
        sa.Column("paid_office", sa.String(length=4), nullable=True),
        sa.Column("paid_imported_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("number", name="uq_bills_number"),
        sa.Index("ix_bills_citizen", "id_number"),
    )


def downgrade() -> None:
    op.drop_table("bills")
