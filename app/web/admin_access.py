"""Who may see an admin page: the signed-in user (``CurrentUser``, ``OperatorUser``), the
CSRF token every admin form carries, and the route class that sends a signed-out visitor to
the sign-in page and keeps every answer out of caches and frames.

Every admin POST carries a per-session token in a hidden field (``csrf_token``), checked with
``hmac.compare_digest`` before anything else runs (``check_csrf``). Accounts, sign-in and the
session cookie itself are in :mod:`app.auth`.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from markupsafe import escape

from app.auth import CSRF_FIELD, SIGN_IN, session_user
from app.deps import SessionDep, StateDep
from app.models import User
from app.web.headers import SECURITY_HEADERS

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use (the sign-in form needs one too)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse (403) a POST, PUT, PATCH or DELETE whose form lacks this session's token."""
    if request.method in _SAFE_METHODS:
        return
    expected = request.session.get(CSRF_FIELD)
    sent: object = None
    form = None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    if not (
        isinstance(expected, str)
        and isinstance(sent, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        if form is not None:
            await form.close()  # an upload is spooled to a temporary file: let it go now
        raise HTTPException(
            status_code=403,
            detail="This form has expired or did not come from this site. "
            "Go back, reload the page and try again.",
        )


class SignInRequiredError(HTTPException):
    """Nobody is signed in: off to the sign-in page, coming back here afterwards."""

    def __init__(self, request: Request) -> None:
        self.next = safe_next(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
        location = f"{SIGN_IN}?next={quote(self.next, safe='/')}"
        super().__init__(status_code=303, detail="Please sign in.", headers={"Location": location})
        self.location = location


def safe_next(path: str | None) -> str:
    """Where to go after signing in: only an admin page of this site, never elsewhere."""
    if (
        path
        and re.fullmatch(r"/admin(/[A-Za-z0-9._~/-]*)?(\?[A-Za-z0-9._~=&%+-]*)?", path)
        and "//" not in path
        and "/." not in path.split("?")[0]  # no dot segments: /admin/../ leaves the admin pages
        and path.split("?")[0] != SIGN_IN
    ):
        return path
    return "/admin"


def current_user(request: Request, session: SessionDep, state: StateDep) -> User:
    """The signed-in user; anyone else is sent to the sign-in page."""
    user = session_user(request, session, state.settings)
    if user is not None:
        return user
    if request.session.get("user") is not None:
        request.session.clear()  # expired, signed out, or the user or their password is gone
    raise SignInRequiredError(request)


CurrentUser = Annotated[User, Depends(current_user)]


def require_operator(user: CurrentUser) -> User:
    """Operators only (designers may look, not export)."""
    if user.role != "operator":
        raise HTTPException(status_code=403, detail="Only operators may do this.")
    return user


OperatorUser = Annotated[User, Depends(require_operator)]


class AdminRoute(APIRoute):
    """A route of the admin pages: ``SignInRequiredError`` becomes a redirect to the sign-in
    page, and every answer gets headers that keep it out of caches and frames.

    Use it as ``APIRouter(route_class=AdminRoute)`` for any router behind ``CurrentUser``.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def admin_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequiredError as exc:
                response = _to_sign_in(request, exc)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return admin_handler


def _to_sign_in(request: Request, exc: SignInRequiredError) -> Response:
    if request.headers.get("sec-fetch-site") == "cross-site":
        # A link from elsewhere (a mail, a chat): the SameSite=Strict cookie was not sent.
        # Come back once from this site, and the cookie comes along if there is one.
        target = escape(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0;url={target}"><title>vidpay admin</title>'
            f'</head><body><p><a href="{target}">Continue to the admin pages</a></p></body></html>'
        )
        return HTMLResponse(page)
    return RedirectResponse(exc.location, status_code=303)
