"""Signatures: each request signed with its endpoint's secret, checked by the receiver."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Vidpay-Signature"
DEFAULT_TOLERANCE = 300  # seconds a receiver should accept between the signature and its clock


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
