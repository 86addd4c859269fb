"""The outbox: what is to be sent, written in the same transaction as what it tells."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.db import insert_new
from app.models import Debtor, Outcome, StatusChange, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.webhooks.schemas import (
    StatusChangeBody,
    WebhookBody,
    describe,
    describe_status_change,
)

EVENT = "outcome.created"
STATUS_EVENT = "case.status_changed"
_KEY_NAMESPACE = uuid.UUID("6f2b8f0e-3c1a-4f7e-9a52-0d6c1b7e5a94")


def idempotency_key(outcome_id: int, submission: str, endpoint_id: int) -> str:
    """Stable per outcome and endpoint; the submission (a random form id) makes it unique
    across installations too."""
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{outcome_id}/{submission}/{endpoint_id}"))


def endpoints_for(session: Session, campaign_id: int) -> list[WebhookEndpoint]:
    query = (
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.active.is_(True),
            or_(WebhookEndpoint.campaign_id.is_(None), WebhookEndpoint.campaign_id == campaign_id),
        )
        .order_by(WebhookEndpoint.id)
    )
    return list(session.scalars(query))


def enqueue(session: Session, outcome: Outcome) -> int:
    """Queue the outcome for every active endpoint, in the caller's transaction; returns how
    many deliveries were written (a second call for the same outcome writes none)."""
    session.flush()  # the outcome's id, and its installments
    debtor = session.get(Debtor, outcome.debtor_id)
    assert debtor is not None
    endpoints = endpoints_for(session, debtor.campaign_id)
    if not endpoints:
        return 0
    (data,) = describe(session, [outcome])
    keys = {e.id: idempotency_key(outcome.id, outcome.submission, e.id) for e in endpoints}
    return _write(
        session,
        EVENT,
        keys,
        lambda key, now: WebhookBody(id=key, type=EVENT, created_at=now, data=data),
    )


def status_change_key(change_id: int, endpoint_id: int) -> str:
    return str(uuid.uuid5(_KEY_NAMESPACE, f"status/{change_id}/{endpoint_id}"))


def enqueue_status_change(session: Session, change: StatusChange, debtor: Debtor) -> int:
    """Queue a ``case.status_changed`` for every active endpoint, in the caller's
    transaction; returns how many deliveries were written."""
    session.flush()  # the change's id
    endpoints = endpoints_for(session, debtor.campaign_id)
    if not endpoints:
        return 0
    data = describe_status_change(change, debtor)
    keys = {e.id: status_change_key(change.id, e.id) for e in endpoints}
    return _write(
        session,
        STATUS_EVENT,
        keys,
        lambda key, now: StatusChangeBody(id=key, type=STATUS_EVENT, created_at=now, data=data),
    )


def _write(
    session: Session,
    event: str,
    keys: dict[int, str],
    body: Callable[[str, datetime], BaseModel],
) -> int:
    """One pending delivery per endpoint (``keys``: endpoint id -> idempotency key), each
    with the exact body to sign and send; a key already written is left as it is."""
    now = utcnow()
    rows = [
        {
            "endpoint_id": endpoint_id,
            "idempotency_key": key,
            "event": event,
            "payload": _json(body(key, now).model_dump(mode="json")),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for endpoint_id, key in keys.items()
    ]
    statement = (
        insert_new(session, WebhookDelivery, ["idempotency_key"])
        .values(rows)
        .returning(WebhookDelivery.id)
    )
    return len(session.execute(statement).all())


def enqueue_submission(session: Session, debtor_id: int, submission: str) -> int:
    """``enqueue`` for the outcome stored for this debtor and form (or payment) id."""
    session.flush()
    outcome = session.scalars(
        select(Outcome).where(Outcome.debtor_id == debtor_id, Outcome.submission == submission)
    ).one()
    return enqueue(session, outcome)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def scrub_deliveries(
    session: Session, outcomes: Iterable[tuple[int, str]], changes: Iterable[int] = ()
) -> int:
    """Empty the stored bodies of these outcomes' deliveries (``(id, submission)`` pairs) and
    these status changes' (ids); ones not yet delivered are given up. For retention; returns
    how many rows changed."""
    endpoint_ids = list(session.scalars(select(WebhookEndpoint.id)))
    keys = [idempotency_key(o, s, e) for o, s in outcomes for e in endpoint_ids]
    keys += [status_change_key(c, e) for c in changes for e in endpoint_ids]
    changed = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        base = update(WebhookDelivery).where(WebhookDelivery.idempotency_key.in_(chunk))
        session.execute(
            base.where(WebhookDelivery.status == "pending")
            .values(status="failed", last_error="campaign purged before delivery")
            .execution_options(synchronize_session=False)
        )
        result = session.execute(
            base.values(payload="{}").execution_options(synchronize_session=False)
        )
        changed += int(getattr(result, "rowcount", 0) or 0)
    return changed
