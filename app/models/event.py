from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Event(Base):
    """What a debtor's player reported, append-only.

    The browser names each event (``client_id``), so a retried event is stored once.
    """

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("debtor_id", "client_id", name="uq_event_debtor_client"),
        Index("ix_event_debtor_node_type", "debtor_id", "node", "type"),  # the funnel's query
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    node: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[float | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
