"""Webhooks: every outcome, signed, to the creditor's endpoints; at least once, never lost.

The outbox. ``enqueue`` writes one ``WebhookDelivery`` per active endpoint (the endpoints for
every campaign and the outcome's campaign's own) in the same transaction as the outcome, with
the exact JSON body to send. ``deliver_due`` sends what is due: each delivery is *claimed* in a
short transaction of its own (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional
``UPDATE`` on SQLite) that moves it out of reach of other dispatchers for a lease longer than
a request can take, then sent, then marked ``delivered`` only after a 2xx. Anything else (an
error status, a refused connection, a timeout) schedules the next attempt with exponential
backoff and jitter, until ``max_attempts``, then ``failed``.

Endpoints go only to public addresses (``app.webhook_targets``) unless
``VIDPAY_ALLOW_PRIVATE_WEBHOOKS`` is set: checked when one is added, and again before every
delivery, since DNS can change; a delivery to a host that has come to resolve to a private
address is ``failed`` at once, its ``last_error`` naming the address.

A request::

    POST <endpoint url>
    Content-Type: application/json
    User-Agent: vidpay-webhooks/1
    X-Vidpay-Event: outcome.created
    X-Vidpay-Idempotency-Key: <the same on every attempt of this outcome to this endpoint>
    X-Vidpay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">

    {"id": <idempotency key>, "type": "outcome.created", "created_at": ..., "data": <outcome>}

The signing secret of an endpoint is derived from the server's secret
(``HMAC-SHA256(VIDPAY_SECRET_KEY, "webhook:<endpoint id>")``, hex) and never stored; changing
the server's secret changes every endpoint's secret. A receiver checks requests with
``verify_signature``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from app.models import Debtor, Event, Outcome, WebhookDelivery, WebhookEndpoint
from app.webhook_targets import HINT, check_target, refusal

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger("vidpay.webhooks")

EVENT = "outcome.created"
SIGNATURE_HEADER = "X-Vidpay-Signature"
IDEMPOTENCY_HEADER = "X-Vidpay-Idempotency-Key"
USER_AGENT = "vidpay-webhooks/1"
DEFAULT_TOLERANCE = 300  # seconds a receiver should accept between the signature and its clock
_KEY_NAMESPACE = uuid.UUID("6f2b8f0e-3c1a-4f7e-9a52-0d6c1b7e5a94")


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


class WebhookBody(BaseModel):
    """The body of every webhook request."""

    id: str = Field(description="The idempotency key: the same on every attempt")
    type: Literal["outcome.created"]
    created_at: datetime = Field(description="When the delivery was queued, UTC")
    data: OutcomeOut


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored moment is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


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
            )
        )
    return described


# --- the outbox ----------------------------------------------------------------------------


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
    now = utcnow()
    rows = []
    for endpoint in endpoints:
        key = idempotency_key(outcome.id, outcome.submission, endpoint.id)
        body = WebhookBody(id=key, type=EVENT, created_at=now, data=data)
        rows.append(
            {
                "endpoint_id": endpoint.id,
                "idempotency_key": key,
                "event": EVENT,
                "payload": _json(body.model_dump(mode="json")),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
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


# --- signatures ----------------------------------------------------------------------------


def endpoint_secret(server_key: bytes, endpoint_id: int) -> str:
    """The endpoint's signing secret (64 hex characters), derived, never stored."""
    return hmac.new(server_key, f"webhook:{endpoint_id}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Vidpay-Signature`` header for a body sent at ``timestamp`` (unix seconds)."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str | bytes,
    header: str | None,
    body: bytes | str,
    tolerance: float = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> bool:
    """True when ``header`` (``X-Vidpay-Signature``) signs exactly ``body`` (the raw bytes
    received) with ``secret``, at most ``tolerance`` seconds from ``now`` (default: the
    clock), which keeps an old request from being replayed."""
    if not header:
        return False
    timestamp: int | None = None
    candidates = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    raw = body.encode() if isinstance(body, str) else body
    expected = sign(secret, timestamp, raw).partition(",v1=")[2]
    matches = [hmac.compare_digest(expected.encode(), c.encode()) for c in candidates]
    return any(matches)


# --- sending ---------------------------------------------------------------------------------


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
            )
            .execution_options(synchronize_session=False)
        )
        row = session.execute(statement).first()
        if row is None:
            return None
        url = session.scalar(select(WebhookEndpoint.url).where(WebhookEndpoint.id == row[1]))
        assert url is not None
        return _Claim(row[0], row[1], url, row[2], row[3], row[4])


def _send(
    client: httpx.Client, claim: _Claim, server_key: bytes, policy: RetryPolicy
) -> str | None:
    """POST the delivery; None when the endpoint accepted it (2xx), else what went wrong."""
    body = claim.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Vidpay-Event": EVENT,
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


# --- endpoints -------------------------------------------------------------------------------


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
    from sqlalchemy import func

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


def scrub_deliveries(session: Session, outcomes: Iterable[tuple[int, str]]) -> int:
    """Empty the stored bodies of these outcomes' deliveries (``(id, submission)`` pairs);
    ones not yet delivered are given up. For retention; returns how many rows changed."""
    endpoint_ids = list(session.scalars(select(WebhookEndpoint.id)))
    keys = [idempotency_key(o, s, e) for o, s in outcomes for e in endpoint_ids]
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


# --- the dispatcher --------------------------------------------------------------------------


class Dispatcher:
    """Sends due webhooks every ``interval`` seconds and runs the retention purge once a day,
    in a background thread (``start``/``stop``) or in the foreground (``run``)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        interval: float = 5.0,
        policy: RetryPolicy = DEFAULT_POLICY,
        purge_every: float = 86_400.0,
        on_purge: Callable[[], object] | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_purge = on_purge  # e.g. forget cached links
        self.settings = settings
        self.interval = interval
        self.policy = policy
        self.purge_every = purge_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_purge: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="vidpay-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end and wait for it: at most one request's timeout."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.policy.timeout * 3 + 5 if timeout is None else timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        """Work until ``stop``: deliveries now and every ``interval``, the purge once a day."""
        with httpx.Client(headers={"User-Agent": USER_AGENT}) as client:
            while not self._stop.is_set():
                self.tick(client)
                self._stop.wait(self.interval)

    def tick(self, client: httpx.Client) -> DeliveryReport | None:
        """One round; errors are logged, never raised, so the loop goes on."""
        report = None
        try:
            report = deliver_due(
                self.sessions,
                key=self.settings.key,
                client=client,
                policy=self.policy,
                stop=self._stop,
                allow_private=self.settings.allow_private_webhooks,
            )
        except Exception:
            log.exception("sending webhooks failed")
        if self._last_purge is None or time.monotonic() - self._last_purge >= self.purge_every:
            self._last_purge = time.monotonic()
            try:
                from app.retention import purge_expired

                purged = purge_expired(
                    self.sessions,
                    self.settings.media_dir,
                    documents=self.settings.documents_dir,
                )
                if purged:
                    log.info("purged campaigns past their retention: %s", purged)
                    if self.on_purge is not None:
                        self.on_purge()
            except Exception:
                log.exception("the retention purge failed")
        return report


class _Idle(Dispatcher):
    def start(self) -> None:
        pass


def start_dispatcher(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    on_purge: Callable[[], object] | None = None,
) -> Dispatcher:
    """The server's dispatcher thread, started; tests (``VIDPAY_ENV=test``) get an idle one
    and drive ``deliver_due`` themselves. ``on_purge`` runs after campaigns were purged."""
    kind = _Idle if settings.env == "test" else Dispatcher
    dispatcher = kind(sessions, settings, on_purge=on_purge)
    dispatcher.start()
    return dispatcher
