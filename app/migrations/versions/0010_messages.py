"""messages to debtors (e-mail, SMS) and their opt-outs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("parts", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name="fk_message_campaign_id_campaign"
        ),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name="fk_message_debtor_id_debtor"),
        sa.PrimaryKeyConstraint("id", name="pk_message"),
        sa.UniqueConstraint("key", name="uq_message_key"),
    )
    op.create_index("ix_message_campaign_id", "message", ["campaign_id"])
    op.create_index("ix_message_due", "message", ["status", "send_at"])
    op.create_index("ix_message_debtor_sent", "message", ["debtor_id", "sent_at"])
    with op.batch_alter_table("debtor") as batch:
        batch.add_column(sa.Column("email_opt_out_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sms_opt_out_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("reminders", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("reminders")
    with op.batch_alter_table("debtor") as batch:
        batch.drop_column("sms_opt_out_at")
        batch.drop_column("email_opt_out_at")
    op.drop_index("ix_message_debtor_sent", table_name="message")
    op.drop_index("ix_message_due", table_name="message")
    op.drop_index("ix_message_campaign_id", table_name="message")
    op.drop_table("message")
