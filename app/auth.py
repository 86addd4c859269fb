"""Operators and designers: accounts, signing in and the admin session (who may see a page,
and the CSRF check of its forms, are in :mod:`app.web.admin_access`).

- Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``); an unknown e-mail
  address costs as much time as a wrong password, so the answer tells nothing.
- Sign-in attempts are counted in ``login_attempt``: at most ``EMAIL_LIMIT`` failures per
  e-mail address (since its last success) and ``CLIENT_LIMIT`` per client address within
  ``WINDOW``. A blocked attempt is refused before the password is even looked at, and is not
  counted itself, so the block ends ``WINDOW`` after the failure that caused it. Attempts for
  one key are serialised (a PostgreSQL advisory lock; SQLite has one writer at a time), so a
  burst of parallel guesses cannot slip past the limit.
- The session is Starlette's signed cookie (``SessionMiddleware``, see ``session_options``):
  HttpOnly, ``SameSite=Strict``, ``Secure`` when the base URL is https, limited to ``/admin``
  and to a working day from signing in. It is bound to the password hash, so changing a
  password signs out every session, and to the user's ``session_epoch``, which signing out
  counts up: a copy of the cookie kept from before is nobody's (every other session of that
  user ends too: signing out signs out everywhere).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import LoginAttempt, User
from app.models.base import as_utc

ROLES = ("operator", "designer")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # hashing megabytes of "password" is a denial of service, not a password
WINDOW = timedelta(minutes=15)
EMAIL_LIMIT = 5  # failures per e-mail address in WINDOW (since its last successful sign-in)
CLIENT_LIMIT = 20  # failures per client address in WINDOW: an office shares one address
KEEP_ATTEMPTS = timedelta(days=1)
SESSION_LIFETIME = timedelta(hours=8)  # a working day
SESSION_COOKIE = "vidpay_admin"
SIGN_IN = "/admin/login"
CSRF_FIELD = "csrf"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user cannot be added: the message says why, for the person adding it."""


class SignInError(Exception):
    """Signing in failed; the message can be shown as it is."""


class WrongCredentialsError(SignInError):
    def __init__(self) -> None:
        super().__init__("The e-mail address or the password is not right.")


class TooManyAttemptsError(SignInError):
    """Too many failures lately; nothing was checked. ``retry_after`` is when to try again."""

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, -(-int(retry_after.total_seconds()) // 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            f"Too many failed sign-in attempts. For your safety, signing in is paused: "
            f"try again in {minutes} {unit}."
        )
        self.retry_after = retry_after


# --- users ------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """The e-mail address as it is stored (trimmed, lower-case); ``UserError`` if it is not one."""
    address = email.strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise UserError(f"'{email.strip()}' is not an e-mail address")
    return address


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password must be at most {MAX_PASSWORD} characters long")


def add_user(session: Session, email: str, password: str, role: str) -> User:
    """Create a user (the caller commits); ``UserError`` for a bad e-mail address, a short
    password, an unknown role or an existing user."""
    address = normalise_email(email)
    if role not in ROLES:
        raise UserError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
    check_password(password)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise UserError(f"there is already a user {address}")
    user = User(email=address, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # added by someone else in the meantime; roll back
        raise UserError(f"there is already a user {address}") from exc
    return user


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- signing in ---------------------------------------------------------------------------------


def attempt_keys(email: str, client: str) -> tuple[str, str]:
    return f"email:{email.strip().lower()[:254]}", f"client:{client[:200]}"


def _lock(session: Session, keys: tuple[str, ...]) -> None:
    """Serialise attempts on these keys until the transaction ends.

    The purge below is a write, which on SQLite takes the database's one write lock; on
    PostgreSQL transaction-scoped advisory locks do it per key (taken in order: no deadlock).
    """
    cutoff = datetime.now(UTC) - KEEP_ATTEMPTS
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted(keys):
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
            )


def _failures(
    session: Session, key: str, since: datetime, *, reset_on_success: bool
) -> list[datetime]:
    """When ``key`` failed since ``since`` (after its last success, if ``reset_on_success``)."""
    if reset_on_success:
        success = session.scalar(
            select(func.max(LoginAttempt.at)).where(
                LoginAttempt.key == key, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since
            )
        )
        if success is not None:
            since = max(since, as_utc(success))
    found = session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.key == key, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
        .order_by(LoginAttempt.at)
    )
    return [as_utc(at) for at in found]


def authenticate(
    session: Session, email: str, password: str, *, client: str, now: datetime | None = None
) -> User:
    """The user with this e-mail address and password (the caller commits the attempt).

    Raises ``TooManyAttemptsError`` without checking anything when the address or the client
    failed too often lately, else ``WrongCredentialsError`` for an unknown address or a wrong
    password (both take the time of one argon2 verification).
    """
    now = now or datetime.now(UTC)
    email_key, client_key = attempt_keys(email, client)
    _lock(session, (email_key, client_key))
    since = now - WINDOW
    blocked_until = []
    for key, limit, reset in ((email_key, EMAIL_LIMIT, True), (client_key, CLIENT_LIMIT, False)):
        failures = _failures(session, key, since, reset_on_success=reset)
        if len(failures) >= limit:
            blocked_until.append(failures[-limit] + WINDOW)
    if blocked_until:
        raise TooManyAttemptsError(max(blocked_until) - now)
    user = None
    if len(password) <= MAX_PASSWORD:
        try:
            address = normalise_email(email)
        except UserError:
            address = None
        if address is not None:
            user = session.scalar(select(User).where(User.email == address))
    good = _verify(user.password_hash if user else _dummy_hash(), password[:MAX_PASSWORD])
    good = good and user is not None and len(password) <= MAX_PASSWORD
    session.add_all(
        LoginAttempt(key=key, succeeded=good, at=now) for key in (email_key, client_key)
    )
    if not good or user is None:
        raise WrongCredentialsError
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: run uvicorn with
    ``--proxy-headers`` and ``--forwarded-allow-ips`` so this is the visitor's)."""
    return request.client.host if request.client else "unknown"


# --- the session --------------------------------------------------------------------------------


def session_key(settings: Settings) -> str:
    """The cookie's signing key, derived from the server's secret (not the link secret itself)."""
    return hmac.new(settings.key, b"vidpay admin session", hashlib.sha256).hexdigest()


def session_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for Starlette's ``SessionMiddleware``."""
    return {
        "secret_key": session_key(settings),
        "session_cookie": SESSION_COOKIE,
        "max_age": int(SESSION_LIFETIME.total_seconds()),
        "path": "/admin",
        "same_site": "strict",
        "https_only": settings.https,
    }


def password_mark(settings: Settings, user: User) -> str:
    """Ties a session to the password it was opened with."""
    digest = hmac.new(settings.key, user.password_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def sign_in(request: Request, settings: Settings, user: User) -> None:
    """Start a fresh session for ``user`` (a new CSRF token too)."""
    request.session.clear()
    request.session.update(
        {
            "user": user.id,
            "at": int(time.time()),
            "pw": password_mark(settings, user),
            "epoch": user.session_epoch,
            CSRF_FIELD: secrets.token_urlsafe(32),
        }
    )


def session_user(request: Request, session: Session, settings: Settings) -> User | None:
    """The user whose session the request's cookie holds, if it is still good: not expired,
    the same password, and not signed out since (the same session epoch)."""
    data = request.session
    user_id, started, epoch = data.get("user"), data.get("at"), data.get("epoch")
    if not (isinstance(user_id, int) and isinstance(started, int) and isinstance(epoch, int)):
        return None
    if not 0 <= time.time() - started < SESSION_LIFETIME.total_seconds():
        return None
    user = session.get(User, user_id)
    if user is None or user.session_epoch != epoch:
        return None
    if not hmac.compare_digest(str(data.get("pw", "")), password_mark(settings, user)):
        return None
    return user


def sign_out(request: Request, session: Session, settings: Settings) -> None:
    """End the session, and every copy of its cookie: the user's session epoch moves on."""
    user = session_user(request, session, settings)
    if user is not None:
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(session_epoch=User.session_epoch + 1)
            .execution_options(synchronize_session=False)
        )
    request.session.clear()
