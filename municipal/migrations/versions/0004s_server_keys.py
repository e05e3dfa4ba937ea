"""Server keys: the ID-hash key of a server started without a key file, and the check value of the key
the database's hashes are made with, shared by every server process on the database

A branch of its own from 0003 (`migrate` upgrades every head): it depends on nothing after 0003, and
nothing depends on it, so it needs no place in the other migrations' order.

Revision ID: server_keys_1
Revises: 0003
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_keys_1"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_keys",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("server_keys")
