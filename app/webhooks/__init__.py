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

A change of a debtor's case status (``app.case_status``) is sent the same way with
``X-Vidpay-Event: case.status_changed`` and ``"type": "case.status_changed"``, its ``data``
a ``StatusChangeOut`` (previous and new status, what is open and paid).

The signing secret of an endpoint is derived from the server's secret
(``HMAC-SHA256(VIDPAY_SECRET_KEY, "webhook:<endpoint id>")``, hex) and never stored; changing
the server's secret changes every endpoint's secret. A receiver checks requests with
``verify_signature``.
"""

from app.models.base import as_utc, utcnow
from app.webhooks.delivery import (
    DEFAULT_POLICY,
    IDEMPOTENCY_HEADER,
    USER_AGENT,
    DeliveryReport,
    RetryPolicy,
    deliver_due,
)
from app.webhooks.endpoints import (
    add_endpoint,
    list_endpoints,
    pause_endpoint,
    remove_endpoint,
    retry_failed,
)
from app.webhooks.outbox import (
    EVENT,
    STATUS_EVENT,
    endpoints_for,
    enqueue,
    enqueue_status_change,
    enqueue_submission,
    idempotency_key,
    scrub_deliveries,
)
from app.webhooks.schemas import (
    InstallmentOut,
    OutcomeOut,
    StatusChangeBody,
    StatusChangeOut,
    WebhookBody,
    describe,
    describe_status_change,
)
from app.webhooks.signing import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    endpoint_secret,
    sign,
    verify_signature,
)

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_TOLERANCE",
    "EVENT",
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "STATUS_EVENT",
    "USER_AGENT",
    "DeliveryReport",
    "InstallmentOut",
    "OutcomeOut",
    "RetryPolicy",
    "StatusChangeBody",
    "StatusChangeOut",
    "WebhookBody",
    "add_endpoint",
    "as_utc",
    "deliver_due",
    "describe",
    "describe_status_change",
    "endpoint_secret",
    "endpoints_for",
    "enqueue",
    "enqueue_status_change",
    "enqueue_submission",
    "idempotency_key",
    "list_endpoints",
    "pause_endpoint",
    "remove_endpoint",
    "retry_failed",
    "scrub_deliveries",
    "sign",
    "utcnow",
    "verify_signature",
]
