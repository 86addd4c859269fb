"""The integration page of the admin: API keys and webhook endpoints, for operators.

The same functions as ``vidpay apikey`` and ``vidpay webhook``. A new key, or a new endpoint's
signing secret, is shown once, on the page that answers the form (never stored, never in a
URL), so that page is not a redirect and is not cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.apikeys import create_api_key, key_prefix, list_keys, revoke
from app.deps import AppState, SessionDep, StateDep
from app.models import Campaign, User
from app.web.admin_access import AdminRoute, OperatorUser, check_csrf
from app.web.admin_page import admin_page
from app.web.params import DbId, as_id
from app.webhooks import (
    add_endpoint,
    endpoint_secret,
    list_endpoints,
    pause_endpoint,
    remove_endpoint,
    retry_failed,
)

router = APIRouter(
    prefix="/admin/integration", route_class=AdminRoute, dependencies=[Depends(check_csrf)]
)
PAGE = "/admin/integration"


@router.get("", response_class=HTMLResponse)
def integration(
    request: Request, user: OperatorUser, state: StateDep, session: SessionDep
) -> Response:
    return _page(request, state, session, user)


@router.post("/keys", response_class=HTMLResponse)
def make_key(
    request: Request,
    user: OperatorUser,
    state: StateDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        key = create_api_key(session, name)
    except ValueError as exc:
        return _page(request, state, session, user, status=422, problem=_sentence(exc))
    shown = {"what": f"API key “{name.strip()}” (prefix {key_prefix(key)})", "value": key}
    return _page(request, state, session, user, shown=shown)


@router.post("/keys/{prefix}/revoke")
def revoke_key(prefix: str, user: OperatorUser, session: SessionDep) -> Response:
    if not revoke(session, prefix):
        raise HTTPException(status_code=404, detail="No live API key has that prefix.")
    return RedirectResponse(PAGE, status_code=303)


@router.post("/webhooks", response_class=HTMLResponse)
def add_webhook(
    request: Request,
    user: OperatorUser,
    state: StateDep,
    session: SessionDep,
    url: Annotated[str, Form()] = "",
    campaign: Annotated[str, Form()] = "",
) -> Response:
    """Add an endpoint (in a worker thread: its host name is resolved) and show its secret."""
    url = url.strip()
    campaign_id = as_id(campaign)
    if campaign and (campaign_id is None or session.get(Campaign, campaign_id) is None):
        return _page(request, state, session, user, status=422, problem="No such campaign.")
    try:
        endpoint = add_endpoint(
            session, url, campaign_id, allow_private=state.settings.allow_private_webhooks
        )
    except ValueError as exc:
        return _page(request, state, session, user, status=422, problem=_sentence(exc), url=url)
    secret = endpoint_secret(state.settings.key, endpoint.id)
    shown = {"what": f"the signing secret of endpoint {endpoint.id} ({url})", "value": secret}
    return _page(request, state, session, user, shown=shown)


@router.post("/webhooks/{endpoint_id}/{change}")
def change_webhook(
    endpoint_id: DbId, change: str, user: OperatorUser, session: SessionDep
) -> Response:
    """Pause, resume, remove, or queue the failed deliveries again."""
    changes: dict[str, Callable[[], object]] = {
        "pause": lambda: pause_endpoint(session, endpoint_id),
        "resume": lambda: pause_endpoint(session, endpoint_id, paused=False),
        "remove": lambda: remove_endpoint(session, endpoint_id),
        "retry": lambda: retry_failed(session, endpoint_id),
    }
    if change not in changes:
        raise HTTPException(status_code=404)
    try:
        changes[change]()
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=_sentence(exc)) from exc
    return RedirectResponse(f"{PAGE}#webhooks-title", status_code=303)


def _sentence(exc: Exception) -> str:
    """Our errors are lower-case clauses, for the command line; a page shows a sentence."""
    text = str(exc)
    return f"{text[:1].upper()}{text[1:]}."


def _page(
    request: Request,
    state: AppState,
    session: Session,
    user: User,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    zone = ZoneInfo(state.settings.timezone)
    campaigns = session.execute(
        select(Campaign.id, Campaign.name)
        .where(Campaign.purged_at.is_(None))
        .order_by(Campaign.id.desc())
    ).all()
    return admin_page(
        request, state, "integration.html", title="Integration", user=user, status=status,
        keys=list_keys(session), endpoints=list_endpoints(session), campaigns=campaigns,
        names={row.id: row.name for row in session.execute(select(Campaign.id, Campaign.name))},
        local=lambda moment: moment.astimezone(zone), base_url=state.settings.base_url, **context,
    )  # fmt: skip
