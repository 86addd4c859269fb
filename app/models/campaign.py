"""A campaign (one import of debtors), the scenes it plays (its A/B variants) and its render
jobs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.config import DEFAULT_RETENTION_DAYS
from app.models.base import Base, Timestamped, UTCDateTime, as_utc, utcnow

if TYPE_CHECKING:
    from app.models.debtor import Debtor


class Campaign(Timestamped, Base):
    """One mailing: one or more scenes (A/B variants) sent to a list of debtors.

    ``scene_id`` is the first variant's scene; each debtor's own variant is on the debtor.
    """

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scene_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # links end
    retention_days: Mapped[int] = mapped_column(default=DEFAULT_RETENTION_DAYS)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verify: Mapped[str | None] = mapped_column(String(16))  # None, "postcode" or "birth_date"
    # the reminder rules (app.outreach.reminders.ReminderRules); None: the defaults
    reminders: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    debtors: Mapped[list[Debtor]] = relationship(back_populates="campaign")
    variants: Mapped[list[Variant]] = relationship(
        order_by="Variant.id", cascade="all, delete-orphan"
    )

    def links_ended(self, now: datetime) -> bool:
        """Whether the campaign's links have ended by ``now`` (a UTC moment)."""
        return self.expires_at is not None and as_utc(self.expires_at) <= now


class Variant(Base):
    """A scene of an A/B campaign and its share of the debtors (weights are relative)."""

    __tablename__ = "variant"
    __table_args__ = (
        UniqueConstraint("campaign_id", "scene_id", name="uq_variant_campaign_scene"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    scene_id: Mapped[str] = mapped_column(String(64))
    weight: Mapped[int]


class RenderJob(Base):
    """A campaign render, for the progress shown on the admin pages and by the CLI."""

    __tablename__ = "render_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    executor: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, finished, failed
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
