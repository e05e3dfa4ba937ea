"""At most one requested deixalleria card per citizen

Simultaneous requests for one citizen could each find no card and each insert one. A partial unique
index makes the database refuse the second; duplicates left by that race are cancelled first (the
earliest requested card, by number, is kept).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_REQUESTED = sa.text("status = 'requested'")


def upgrade() -> None:
    op.execute(
        "UPDATE deixalleria_cards SET status = 'cancelled'"
        " WHERE status = 'requested' AND number NOT IN"
        " (SELECT min(number) FROM deixalleria_cards WHERE status = 'requested' GROUP BY id_number)"
    )
    op.create_index(
        "uq_deixalleria_cards_one_requested",
        "deixalleria_cards",
        ["id_number"],
        unique=True,
        sqlite_where=_REQUESTED,
        postgresql_where=_REQUESTED,
    )


def downgrade() -> None:
    op.drop_index("uq_deixalleria_cards_one_requested", table_name="deixalleria_cards")
