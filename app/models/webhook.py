"""Where outcomes are sent (endpoints) and the outbox of what is still to be sent to each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UTCDateTime, utcnow


class WebhookEndpoint(Timestamped, Base):
    """Where outcomes are sent, signed with HMAC-SHA256 (the secret is derived, not stored)."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id")
    )  # None: every campaign
    active: Mapped[bool] = mapped_column(default=True)  # False: removed, nothing is queued
    # paused: outcomes are still queued, but sent only once the endpoint is resumed
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())


class WebhookDelivery(Timestamped, Base):
    """The outbox: one row per outcome and endpoint, written with the outcome, sent (and
    retried with backoff) until the endpoint accepts it; at least once, never lost."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body that is signed
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
