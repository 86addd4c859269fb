from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UTCDateTime, utcnow


class Message(Timestamped, Base):
    """A message to a debtor (their link, a reminder) by e-mail or SMS: the outbox row it is
    sent from, and afterwards the record of what went where.

    ``key`` makes asking twice harmless (the link by e-mail goes once per debtor). What the
    message says is written when it is sent, from the debtor as they are then; what is kept
    is where it went and how that went.
    """

    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_due", "status", "send_at"),
        Index("ix_message_debtor_sent", "debtor_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    channel: Mapped[str] = mapped_column(String(8))  # email, sms
    purpose: Mapped[str] = mapped_column(String(32))  # link (later: the reminders' kinds)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    # scheduled: waits for send_at; sending: claimed until send_at (a lease); sent, failed,
    # cancelled (opted out, nothing to send to, the campaign ended); after sent, what the
    # provider reported: delivered, or bounced (it did not arrive)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    send_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    address: Mapped[str | None] = mapped_column(String(254))  # where it went, as sent
    provider_id: Mapped[str | None] = mapped_column(String(200))  # Message-ID, SMS batch id
    parts: Mapped[int | None]  # an SMS's parts, as billed
    last_error: Mapped[str | None] = mapped_column(String(500))
