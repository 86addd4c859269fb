"""The outcome and the case as integrations see them: the API's and the webhooks' JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Debtor, Event, Outcome, StatusChange
from app.models.base import as_utc

# --- the outcome as integrations see it (the API and the webhooks) ---------------------------


class InstallmentOut(BaseModel):
    """One payment of a payment plan."""

    number: int = Field(description="1, 2, 3, ... in the order they are due")
    due: date = Field(description="ISO date")
    amount_cents: int


class OutcomeOut(BaseModel):
    """What a debtor chose in a self-service step (or a payment that was completed)."""

    id: int = Field(description="Increases with every outcome; the API's cursor")
    campaign_id: int
    debtor_reference: str = Field(description="The reference imported with the debtor")
    scene: str = Field(description="The scene (A/B variant) the debtor was shown")
    action: str = Field(description="pay, arrangement, later, help, dispute, paid or callback")
    node: str = Field(description="The scene node of the step")
    language: str = Field(description="The language the debtor used, else the imported one")
    details: dict[str, Any] = Field(description="The step's own fields, see the README")
    installments: list[InstallmentOut] = Field(description="A payment plan's schedule, else []")
    created_at: datetime = Field(description="When it was stored, UTC")
    case_status: str = Field(
        description="The debtor's case status when this was read (open, promised, plan, "
        "behind, paid, disputed, review or help); its changes: /status-changes"
    )


class WebhookBody(BaseModel):
    """The body of every webhook request."""

    id: str = Field(description="The idempotency key: the same on every attempt")
    type: Literal["outcome.created"]
    created_at: datetime = Field(description="When the delivery was queued, UTC")
    data: OutcomeOut


def describe(session: Session, outcomes: Sequence[Outcome]) -> list[OutcomeOut]:
    """The integration's view of some outcomes (same order)."""
    if not outcomes:
        return []
    debtor_ids = {o.debtor_id for o in outcomes}
    debtors = {d.id: d for d in session.scalars(select(Debtor).where(Debtor.id.in_(debtor_ids)))}
    submissions = {(o.debtor_id, o.submission) for o in outcomes}
    languages: dict[tuple[int, str], str] = {}
    rows = session.execute(
        select(Event.debtor_id, Event.client_id, Event.language).where(
            Event.debtor_id.in_(debtor_ids),
            Event.client_id.in_({s for _, s in submissions}),
            Event.type == "action_completed",
            Event.language.is_not(None),
        )
    )
    for debtor_id, client_id, language in rows:
        if language is not None:
            languages[(debtor_id, client_id)] = language
    described = []
    for outcome in outcomes:
        debtor = debtors[outcome.debtor_id]
        described.append(
            OutcomeOut(
                id=outcome.id,
                campaign_id=debtor.campaign_id,
                debtor_reference=debtor.reference,
                scene=debtor.scene_id,
                action=outcome.action,
                node=outcome.node,
                language=languages.get((debtor.id, outcome.submission), debtor.language),
                details=dict(outcome.details or {}),
                installments=[
                    InstallmentOut(number=i.number, due=i.due, amount_cents=i.amount_cents)
                    for i in outcome.installments
                ],
                created_at=as_utc(outcome.created_at),
                case_status=debtor.case_status,
            )
        )
    return described


class StatusChangeOut(BaseModel):
    """A debtor's case moved from one status to another (``app.case``: open, promised, plan,
    behind, paid, disputed, review, help)."""

    id: int = Field(description="Increases with every change; the API's cursor")
    campaign_id: int
    debtor_reference: str = Field(description="The reference imported with the debtor")
    previous_status: str
    status: str
    open_cents: int = Field(description="What is still open after the change")
    paid_cents: int = Field(description="What has been paid through the link (or confirmed)")
    changed_at: datetime = Field(description="When it changed, UTC")


class StatusChangeBody(BaseModel):
    """The body of a ``case.status_changed`` webhook."""

    id: str = Field(description="The idempotency key: the same on every attempt")
    type: Literal["case.status_changed"]
    created_at: datetime = Field(description="When the delivery was queued, UTC")
    data: StatusChangeOut


def describe_status_change(change: StatusChange, debtor: Debtor) -> StatusChangeOut:
    return StatusChangeOut(
        id=change.id,
        campaign_id=debtor.campaign_id,
        debtor_reference=debtor.reference,
        previous_status=change.previous,
        status=change.status,
        open_cents=change.open_cents,
        paid_cents=change.paid_cents,
        changed_at=as_utc(change.created_at),
    )
