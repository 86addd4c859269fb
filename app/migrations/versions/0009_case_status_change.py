"""the case's status changes, for the API and the webhooks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtor.id"], name="fk_case_status_change_debtor_id_debtor"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_status_change"),
    )
    op.create_index("ix_case_status_change_debtor_id", "case_status_change", ["debtor_id"])


def downgrade() -> None:
    op.drop_index("ix_case_status_change_debtor_id", table_name="case_status_change")
    op.drop_table("case_status_change")
