"""API keys for the integration API: made once, shown once, kept only as a hash.

A key is ``vp_`` and 32 random bytes in base64url (43 characters). The database keeps its
SHA-256 and the first 8 characters after ``vp_`` (the *prefix*), which names the key in
``vidpay apikey revoke`` and in logs without revealing it.

Routes take ``ApiKeyDep``: ``Authorization: Bearer <key>``. A missing, malformed, unknown or
revoked key is the same 401 (a JSON error and ``WWW-Authenticate: Bearer``), so an answer never
says which part was wrong; the stored hash is compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.deps import SessionDep
from app.models import ApiKey

KEY_MARK = "vp_"
KEY_BYTES = 32
PREFIX_LENGTH = 8
_KEY = re.compile(r"vp_[A-Za-z0-9_-]{43,200}")
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
REALM = 'Bearer realm="vidpay"'


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str:
    """The part of a key that is stored in the clear: 8 characters after ``vp_``."""
    return key.removeprefix(KEY_MARK)[:PREFIX_LENGTH]


def create_api_key(session: Session, name: str) -> str:
    """Make a key named ``name`` and return it; this is the only time it can be seen."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValueError("a key's name is 1 to 100 characters")
    while True:  # prefixes are unique, so one names one key
        key = KEY_MARK + base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()
        key = key.rstrip("=")
        prefix = key_prefix(key)
        if session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            break
    session.add(ApiKey(name=name, prefix=prefix, key_hash=key_hash(key)))
    session.flush()
    return key


def revoke(session: Session, prefix: str, *, now: datetime | None = None) -> bool:
    """Revoke the key with this prefix (``vp_`` optional); False when no live key has it."""
    prefix = key_prefix(prefix.strip())
    if len(prefix) != PREFIX_LENGTH:
        return False
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def check_key(session: Session, presented: str | None) -> ApiKey | None:
    """The live key ``presented`` is, or None. The hash comparison takes constant time."""
    candidate = None
    if presented is not None and _KEY.fullmatch(presented):
        candidate = session.scalar(
            select(ApiKey).where(
                ApiKey.prefix == key_prefix(presented), ApiKey.revoked_at.is_(None)
            )
        )
    digest = key_hash(presented or "")
    stored = candidate.key_hash if candidate is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored.encode(), digest.encode())
    return candidate if candidate is not None and matches else None


class ApiKeyRejectedError(HTTPException):
    """401 with ``WWW-Authenticate``; the same answer whatever was wrong with the key."""

    def __init__(self) -> None:
        super().__init__(
            status_code=401,
            detail="a valid API key is needed: Authorization: Bearer <key>",
            headers={"WWW-Authenticate": REALM},
        )


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require_api_key(request: Request, session: SessionDep) -> ApiKey:
    """FastAPI dependency: the request's live API key, else a 401."""
    key = check_key(session, bearer(request))
    if key is None:
        raise ApiKeyRejectedError()
    return key


ApiKeyDep = Annotated[ApiKey, Depends(require_api_key)]
