"""Login by QR hand-off: the hand-offs a kiosk started and their state, shared by every server

Chained after the outbox's 0004 (the server-keys branch from 0003 is independent of it).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_handoffs",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("user_code", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(), nullable=True),
        sa.Column("state_hash", sa.String(length=64), nullable=True),
        sa.Column("code_verifier", sa.String(length=128), nullable=True),
        sa.Column("id_number", sa.String(length=16), nullable=True),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("surnames", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_auth_handoffs_user_code", "auth_handoffs", ["user_code"])
    op.create_index("ix_auth_handoffs_state_hash", "auth_handoffs", ["state_hash"])


def downgrade() -> None:
    op.drop_index("ix_auth_handoffs_state_hash", table_name="auth_handoffs")
    op.drop_index("ix_auth_handoffs_user_code", table_name="auth_handoffs")
    op.drop_table("auth_handoffs")
