"""One admin page answered: its template with the signed-in user, the CSRF token and a
script nonce, under the admin pages' Content-Security-Policy. Every admin router renders
through it, so the policy is in one place."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import Request
from fastapi.responses import Response

from app.deps import AppState
from app.models import User
from app.web.admin_access import csrf_token

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "font-src 'self'; "
    "connect-src 'self'; script-src 'nonce-{nonce}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def admin_page(
    request: Request,
    state: AppState,
    template: str,
    *,
    title: str,
    user: User | None,
    status: int = 200,
    **context: Any,
) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = state.templates.TemplateResponse(
        request,
        f"admin/{template}",
        {
            "title": title,
            "user": user,
            "csrf": csrf_token(request),
            "nonce": nonce,
            "moment": lambda at: local_moment(at, state.settings.timezone),
            **context,
        },
        status_code=status,
    )
    response.headers["Content-Security-Policy"] = CSP.format(nonce=nonce)
    return response


def local_moment(at: datetime, timezone: str) -> str:
    """A moment as an operator reads it, with the zone it is in: "31 January 2027, 23:59
    (Europe/Amsterdam)". A bare "2027-02-01 00:59" left operators guessing which day a link
    ends on."""
    local = at.astimezone(ZoneInfo(timezone))
    return f"{format_datetime(local, 'd MMMM y, HH:mm', locale='en')} ({timezone})"
