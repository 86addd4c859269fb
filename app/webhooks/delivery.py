"""Sending: each due delivery claimed for a lease, posted, and its result written down."""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models import WebhookDelivery, WebhookEndpoint
from app.models.base import as_utc, utcnow
from app.webhook_targets import HINT, refusal
from app.webhooks.signing import SIGNATURE_HEADER, endpoint_secret, sign

log = logging.getLogger("vidpay.webhooks")

IDEMPOTENCY_HEADER = "X-Vidpay-Idempotency-Key"
USER_AGENT = "vidpay-webhooks/1"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try. Attempt n+1 waits ``base * 2**(n-1)`` seconds (at most
    ``max_delay``), of which a random half: a receiver coming back is not hit by every
    dispatcher at once. The defaults try 16 times over about two days."""

    max_attempts: int = 16
    base_delay: float = 60.0
    max_delay: float = 6 * 3600.0
    timeout: float = 10.0  # per network phase: connect, send, wait for the answer
    lease: float = 120.0  # a claimed delivery stays out of other dispatchers' reach this long

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        full = min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))
        return timedelta(seconds=full / 2 + (rng or random).uniform(0, full / 2))


DEFAULT_POLICY = RetryPolicy()


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0  # failed, another attempt is scheduled
    failed: int = 0  # failed for the last time
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retried + self.failed


@dataclass(frozen=True)
class _Claim:
    id: int
    endpoint_id: int
    url: str
    idempotency_key: str
    payload: str
    attempts: int  # including this one
    event: str  # outcome.created or case.status_changed


def _claim(
    sessions: sessionmaker[Session], at: datetime, policy: RetryPolicy, skip: set[int]
) -> _Claim | None:
    """Take the next due delivery for a lease, or None when nothing is due.

    One statement: ``UPDATE ... WHERE id = (SELECT ... LIMIT 1 [FOR UPDATE SKIP LOCKED])
    AND status = 'pending' AND next_attempt_at <= now RETURNING ...``. PostgreSQL's row lock
    makes a concurrent dispatcher skip the row; SQLite runs one writer at a time and the
    repeated conditions make the update a compare-and-set.
    """
    with sessions() as session, session.begin():
        due = and_(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= at,
        )
        candidate = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(due, WebhookEndpoint.active.is_(True), WebhookEndpoint.paused.is_(False))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(1)
        )
        if skip:
            candidate = candidate.where(WebhookDelivery.endpoint_id.not_in(skip))
        if session.get_bind().dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True, of=WebhookDelivery)
        statement = (
            update(WebhookDelivery)
            .where(WebhookDelivery.id == candidate.scalar_subquery(), due)
            .values(
                attempts=WebhookDelivery.attempts + 1,
                next_attempt_at=at + timedelta(seconds=policy.lease),
            )
            .returning(
                WebhookDelivery.id,
                WebhookDelivery.endpoint_id,
                WebhookDelivery.idempotency_key,
                WebhookDelivery.payload,
                WebhookDelivery.attempts,
                WebhookDelivery.event,
            )
            .execution_options(synchronize_session=False)
        )
        row = session.execute(statement).first()
        if row is None:
            return None
        url = session.scalar(select(WebhookEndpoint.url).where(WebhookEndpoint.id == row[1]))
        assert url is not None
        return _Claim(row[0], row[1], url, row[2], row[3], row[4], row[5])


def _send(
    client: httpx.Client, claim: _Claim, server_key: bytes, policy: RetryPolicy
) -> str | None:
    """POST the delivery; None when the endpoint accepted it (2xx), else what went wrong."""
    body = claim.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Vidpay-Event": claim.event,
        IDEMPOTENCY_HEADER: claim.idempotency_key,
        SIGNATURE_HEADER: sign(endpoint_secret(server_key, claim.endpoint_id), int(time.time()), body),
    }  # fmt: skip
    try:
        # Streamed and never read: the status is all that counts, however big the answer.
        with client.stream(
            "POST",
            claim.url,
            content=body,
            headers=headers,
            timeout=policy.timeout,
            follow_redirects=False,
        ) as response:
            status = response.status_code
    except httpx.TimeoutException:
        return f"timed out after {policy.timeout:g}s"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


def _record(
    sessions: sessionmaker[Session],
    claim: _Claim,
    error: str | None,
    at: datetime,
    policy: RetryPolicy,
    rng: random.Random | None,
    *,
    final: bool = False,
) -> str:
    """Write down how the attempt went; returns delivered, retried or failed (at once when
    ``final``: trying again would not help)."""
    if error is None:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": at, "last_error": None}
        outcome = "delivered"
    elif final or claim.attempts >= policy.max_attempts:
        values = {"status": "failed", "last_error": error}
        outcome = "failed"
    else:
        values = {"next_attempt_at": at + policy.delay(claim.attempts, rng), "last_error": error}
        outcome = "retried"
    with sessions() as session, session.begin():
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == claim.id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.attempts == claim.attempts,  # still ours
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return outcome


def _refused(targets: dict[int, str | None], claim: _Claim) -> str | None:
    """Why the claim's endpoint may not be sent to (its host resolved once per run), or None."""
    if claim.endpoint_id not in targets:
        reason = refusal(claim.url)
        targets[claim.endpoint_id] = reason and f"refused: {reason}; {HINT}"[:500]
    return targets[claim.endpoint_id]


def deliver_due(
    sessions: sessionmaker[Session],
    *,
    key: bytes,
    client: httpx.Client,
    now: datetime | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    limit: int | None = None,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
    allow_private: bool = False,
) -> DeliveryReport:
    """Send every due delivery (at most ``limit``), one at a time, each claimed first.

    ``key`` is the server's secret (``Settings.key``); ``now`` fixes the clock for scheduling
    (tests), else it is read before each claim. An endpoint that fails is not tried again in
    the same run, so one dead receiver costs one timeout per run, not one per delivery.
    Unless ``allow_private`` (``Settings.allow_private_webhooks``), each endpoint's host is
    resolved once per run, and its deliveries fail at once when an address is not public.
    """
    report = DeliveryReport()
    skip: set[int] = set()
    targets: dict[int, str | None] = {}  # endpoint -> why it may not be sent to, this run
    while limit is None or report.attempted < limit:
        if stop is not None and stop.is_set():
            break
        claim = _claim(sessions, as_utc(now) if now else utcnow(), policy, skip)
        if claim is None:
            break
        refused = None if allow_private else _refused(targets, claim)
        error = refused or _send(client, claim, key, policy)
        at = as_utc(now) if now else utcnow()
        result = _record(sessions, claim, error, at, policy, rng, final=refused is not None)
        if error is not None:
            if refused is None:  # a refused endpoint's other deliveries fail in this run too
                skip.add(claim.endpoint_id)
            report.errors.append(f"delivery {claim.id} to endpoint {claim.endpoint_id}: {error}")
            log.warning("webhook delivery %s failed: %s", claim.id, error)
        setattr(report, result, getattr(report, result) + 1)
    return report
