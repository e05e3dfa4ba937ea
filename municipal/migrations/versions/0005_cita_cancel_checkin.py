"""Cita prèvia: cancelling an appointment (its slot given back) and checking in at the office (a turn)

A cancelled appointment keeps its row (its justificant's CSV still verifies) with `cancelled_at`, and its
`slot_id` becomes NULL, so the slot is free for another booking at once (`uq_appointments_slot` allows
many NULLs on SQLite and PostgreSQL). A check-in sets `checked_in_at` and the turn number `turn` of its
service and local day `turn_day`, unique per service and day (`uq_appointments_turn`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot alter a column in place: batch mode copies the table (PostgreSQL alters it).
    with op.batch_alter_table("appointments") as batch:
        batch.alter_column("slot_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("checked_in_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("turn_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("turn", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_appointments_turn", ["service_code", "turn_day", "turn"])


def downgrade() -> None:
    # The cancelled appointments hold no slot: they cannot stay in the old schema.
    op.execute("DELETE FROM appointments WHERE slot_id IS NULL")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_constraint("uq_appointments_turn", type_="unique")
        batch.drop_column("turn")
        batch.drop_column("turn_day")
        batch.drop_column("checked_in_at")
        batch.drop_column("cancelled_at")
        batch.alter_column("slot_id", existing_type=sa.Integer(), nullable=False)
