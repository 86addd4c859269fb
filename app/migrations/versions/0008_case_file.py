"""the case file: documents, operators' notes and the announced status

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("case_status", sa.String(length=16), nullable=False, server_default="open")
        )
        batch_op.create_index("ix_debtor_campaign_case_status", ["campaign_id", "case_status"])
    op.create_table(
        "case_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtor.id"], name="fk_case_document_debtor_id_debtor"
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcome.id"], name="fk_case_document_outcome_id_outcome"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_document"),
        sa.UniqueConstraint("storage_name", name="uq_case_document_storage_name"),
    )
    op.create_index("ix_case_document_debtor_id", "case_document", ["debtor_id"])
    op.create_index("ix_case_document_outcome_id", "case_document", ["outcome_id"])
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name="fk_case_note_debtor_id_debtor"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_case_note_user_id_user_account"
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcome.id"], name="fk_case_note_outcome_id_outcome"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_note"),
    )
    op.create_index("ix_case_note_debtor_id", "case_note", ["debtor_id"])
    op.create_index("ix_case_note_outcome_id", "case_note", ["outcome_id"])


def downgrade() -> None:
    op.drop_index("ix_case_note_outcome_id", table_name="case_note")
    op.drop_index("ix_case_note_debtor_id", table_name="case_note")
    op.drop_table("case_note")
    op.drop_index("ix_case_document_outcome_id", table_name="case_document")
    op.drop_index("ix_case_document_debtor_id", table_name="case_document")
    op.drop_table("case_document")
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.drop_index("ix_debtor_campaign_case_status")
        batch_op.drop_column("case_status")
