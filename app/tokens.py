"""Personal link tokens.

A token is derived, never stored: ``HMAC-SHA256(secret, salt)`` with a random 128-bit salt per
debtor, cut to 192 bits and base64url-encoded. The database keeps the salt (to print the link
again, which needs the server's secret) and the token's SHA-256 (to find the debtor when the
link is opened). A leaked database gives neither working links nor a way to make them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 24  # 192 bits
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_salt() -> str:
    return secrets.token_hex(16)


def token_for(key: bytes, salt: str) -> str:
    digest = hmac.new(key, f"vidpay-link:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(text: str) -> bool:
    """A cheap check before any database work: the wrong shape is simply not found."""
    return bool(_SHAPE.match(text))
