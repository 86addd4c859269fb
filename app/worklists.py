"""The operators' worklists: what waits for a person, oldest or soonest first.

- **callbacks**: debtors who asked to be called, by the slot they chose (the step offers only
  slots within the scene's office hours), the ones already past first;
- **disputes**: debtors whose collection is paused until an operator decides;
- **reviews**: debtors who say they already paid, with the proof they sent.

Each row is one debtor's latest open request (``app.case`` reads the same rule); resolving it
on the debtor's page (``app.resolutions``) takes it off the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased

from app.case import resolved
from app.models import Campaign, Debtor, Document, Outcome
from app.models.base import as_utc

KINDS = {
    "callbacks": ("callback", "callback"),  # list: (the outcome's action, the note's topic)
    "disputes": ("dispute", "dispute"),
    "reviews": ("paid", "review"),
}
LIMIT = 500


@dataclass(frozen=True)
class Item:
    debtor_id: int
    reference: str
    name: str
    campaign: str
    phone: str | None
    outcome_id: int
    asked_at: datetime  # UTC
    details: dict[str, Any]
    documents: list[tuple[int, str]] = field(default_factory=list)  # (id, file name)

    @property
    def slot(self) -> datetime | None:
        """A callback's chosen time (the creditor's local time, as the step stored it)."""
        text = self.details.get("slot")
        try:
            return datetime.fromisoformat(str(text)) if text else None
        except ValueError:
            return None


def worklist(session: Session, kind: str, *, limit: int = LIMIT) -> list[Item]:
    """The open requests of this kind (``KINDS``) in campaigns not purged."""
    action, topic = KINDS[kind]
    query = _open_requests(action, topic)
    if kind == "disputes":
        query = query.where(Debtor.disputed.is_(True))
    rows = session.execute(query.limit(limit)).all()
    items = [
        Item(
            debtor.id, debtor.reference, debtor.name, campaign, debtor.phone, outcome.id,
            as_utc(outcome.created_at), dict(outcome.details or {}),
        )
        for outcome, debtor, campaign in rows
    ]  # fmt: skip
    if kind == "reviews":
        items = [_with_documents(session, item) for item in items]
    if kind == "callbacks":
        items.sort(key=lambda item: (item.slot or datetime.max, item.outcome_id))
    return items


def _open_requests(action: str, topic: str) -> Select[Outcome, Debtor, str]:
    """Each debtor's latest outcome of the action, unless a note of the topic resolved it."""
    later = aliased(Outcome)
    newer = exists().where(
        later.debtor_id == Outcome.debtor_id, later.action == action, later.id > Outcome.id
    )
    return (
        select(Outcome, Debtor, Campaign.name)
        .join(Debtor, Debtor.id == Outcome.debtor_id)
        .join(Campaign, Campaign.id == Debtor.campaign_id)
        .where(Outcome.action == action, ~newer, ~resolved(topic), Campaign.purged_at.is_(None))
        .order_by(Outcome.id)
    )


def _with_documents(session: Session, item: Item) -> Item:
    query = select(Document.id, Document.filename).where(Document.outcome_id == item.outcome_id)
    documents = [(document_id, name) for document_id, name in session.execute(query)]
    return Item(**{**item.__dict__, "documents": documents})
