from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UTCDateTime, utcnow


class Payment(Timestamped, Base):
    """A payment started with a provider; its status follows the provider's webhooks."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("provider", "provider_id", name="uq_payment_provider_id"),
        Index("ix_payment_debtor_status", "debtor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    node: Mapped[str] = mapped_column(String(64))  # the pay step it was started from
    provider: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64))  # None while ``creating``
    amount_cents: Mapped[int]
    # "creating" (reserved, the provider not yet answered), then the provider's statuses
    status: Mapped[str] = mapped_column(String(16), default="open")
    checkout_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
