from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped, UTCDateTime

if TYPE_CHECKING:
    from app.models.campaign import Campaign


class Debtor(Timestamped, Base):
    """A person in a campaign, reached through one personal link.

    The link's token is never stored: only its SHA-256 (to find the debtor) and the random salt
    the token is derived from with the server's secret (to print the link again).
    """

    __tablename__ = "debtor"
    __table_args__ = (
        UniqueConstraint("campaign_id", "reference", name="uq_debtor_campaign_reference"),
        Index("ix_debtor_token_hash", "token_hash", unique=True),
        Index("ix_debtor_campaign_case_status", "campaign_id", "case_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    scene_id: Mapped[str] = mapped_column(String(64))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)  # the scene's variables, CSV text
    amount_cents: Mapped[int | None]  # what is owed, for policy and payments
    token_salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64))
    disputed: Mapped[bool] = mapped_column(default=False)
    # the case's status last announced (app/case_status.py): derived from what is stored and
    # kept here so a change can be told (a webhook) and lists can be filtered by it
    case_status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    # optional verification (app/verification.py): a keyed hash of the answer, never the answer
    verify_hash: Mapped[str | None] = mapped_column(String(64))
    verify_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    verify_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the debtor asked for no more messages on a channel (an unsubscribe link, an SMS STOP)
    email_opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sms_opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    campaign: Mapped[Campaign] = relationship(back_populates="debtors")
