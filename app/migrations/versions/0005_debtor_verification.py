"""debtor verification

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verify", sa.String(length=16), nullable=True))
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verify_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("verify_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("verify_locked_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.drop_column("verify_locked_until")
        batch_op.drop_column("verify_failures")
        batch_op.drop_column("verify_hash")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("verify")
