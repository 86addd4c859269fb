"""payments are reserved before the provider is asked

A payment row is written (status ``creating``) before the provider is asked for a checkout,
so a second "pay" at the same moment finds it and reuses it; its provider id and checkout
link come once the provider has answered.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.alter_column("provider_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("checkout_url", existing_type=sa.String(length=500), nullable=True)
        batch_op.create_index("ix_payment_debtor_status", ["debtor_id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_debtor_status")
        batch_op.alter_column("checkout_url", existing_type=sa.String(length=500), nullable=False)
        batch_op.alter_column("provider_id", existing_type=sa.String(length=64), nullable=False)
