"""The endpoints: added (public addresses only), paused, removed, retried, listed."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models import WebhookDelivery, WebhookEndpoint
from app.models.base import as_utc, utcnow
from app.webhook_targets import check_target


def add_endpoint(
    session: Session, url: str, campaign_id: int | None = None, *, allow_private: bool = False
) -> WebhookEndpoint:
    """Add an endpoint (the caller commits). ``ValueError`` for a URL that is not http(s) or
    too long, ``PrivateAddressError`` (a ``ValueError``) for a host whose address is not
    public, unless ``allow_private`` (``Settings.allow_private_webhooks``)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = httpx.URL()
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"'{url}' is not an http(s) URL")
    if len(url) > 500:
        raise ValueError("the URL is longer than 500 characters")
    if not allow_private:
        check_target(url)
    endpoint = WebhookEndpoint(url=url, campaign_id=campaign_id, active=True)
    session.add(endpoint)
    session.flush()
    return endpoint


def _live_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.active:
        raise LookupError(f"no webhook endpoint {endpoint_id}")
    return endpoint


def pause_endpoint(session: Session, endpoint_id: int, paused: bool = True) -> WebhookEndpoint:
    """Hold (or let go) an endpoint's requests, e.g. while its receiver is being maintained.

    Outcomes go on being queued for a paused endpoint, so the receiver gets every one of them
    once it is resumed: pausing never loses a promise to pay, removing does."""
    endpoint = _live_endpoint(session, endpoint_id)
    endpoint.paused = paused
    return endpoint


def remove_endpoint(session: Session, endpoint_id: int) -> int:
    """Stop queueing outcomes for the endpoint and give up its pending deliveries (kept, as
    ``failed``, for the record); returns how many were given up."""
    endpoint = _live_endpoint(session, endpoint_id)
    endpoint.active = False
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="failed", last_error="endpoint removed")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def retry_failed(
    session: Session, endpoint_id: int | None = None, now: datetime | None = None
) -> int:
    """Queue failed deliveries again, with a fresh round of attempts: for a receiver that was
    down for longer than the retries last. Deliveries whose outcome was purged, or whose
    endpoint was removed, stay failed. Returns how many were queued."""
    live = select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True))
    if endpoint_id is not None:
        _live_endpoint(session, endpoint_id)
        live = live.where(WebhookEndpoint.id == endpoint_id)
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == "failed",
            WebhookDelivery.payload != "{}",  # emptied by the retention purge
            WebhookDelivery.endpoint_id.in_(live),
        )
        .values(status="pending", attempts=0, next_attempt_at=as_utc(now) if now else utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def list_endpoints(session: Session) -> list[tuple[WebhookEndpoint, dict[str, int]]]:
    """Every endpoint with its deliveries counted per status."""

    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count()).group_by(
            WebhookDelivery.endpoint_id, WebhookDelivery.status
        )
    )
    for endpoint_id, status, count in rows:
        counts.setdefault(endpoint_id, {})[status] = count
    endpoints = session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))
    return [(e, counts.get(e.id, {})) for e in endpoints]
