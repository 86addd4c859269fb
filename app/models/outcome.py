from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped


class Outcome(Timestamped, Base):
    """A completed self-service step: a promise to pay, a dispute, a callback request...

    ``submission`` is the form's own id, so a form sent twice is stored once.
    """

    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("debtor_id", "submission", name="uq_outcome_submission"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    submission: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    node: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    installments: Mapped[list[Installment]] = relationship(
        order_by="Installment.number", cascade="all, delete-orphan"
    )


class Installment(Base):
    """One payment of a payment plan."""

    __tablename__ = "installment"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id"), index=True)
    number: Mapped[int]
    due: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int]
