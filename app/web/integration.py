"""The integration API: a creditor's collection system pulls outcomes with an API key.

``GET /api/v1/campaigns/{id}/status-changes`` lists, the same way, every change of a debtor's
case status (``open``, ``promised``, ``plan``, ``behind``, ``paid``, ``disputed``, ``review``,
``help``): what a ``case.status_changed`` webhook tells, for a system that pulls.

``GET /api/v1/campaigns/{id}/outcomes`` (``Authorization: Bearer vp_...``) lists a campaign's
outcomes oldest first, ``limit`` at a time. To read them all, or only what is new since the
last time, pass the previous page's ``next_after`` as ``after`` until it is null. ``since``
(an ISO 8601 time; UTC when it has no offset) leaves out outcomes stored before it. The shape
is in the OpenAPI document (``/api/v1/openapi.json``) and the README.

Errors are JSON (``{"detail": ...}``): 401 without a valid key (with ``WWW-Authenticate``),
404 for an unknown campaign, 422 for a bad parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.exceptions import HTTPException

from app.apikeys import ApiKeyDep
from app.deps import CampaignDep, SessionDep
from app.models import Campaign, Debtor, Outcome, StatusChange
from app.web.params import Cursor
from app.webhooks import OutcomeOut, StatusChangeOut, as_utc, describe, describe_status_change

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class JsonErrorRoute(APIRoute):
    """Errors of these routes as JSON with their headers (``WWW-Authenticate`` on a 401),
    whatever the app's own error handlers do with other routes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as exc:
                return JSONResponse(
                    {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
                )

        return route


router = APIRouter(prefix="/api/v1", route_class=JsonErrorRoute, tags=["integration"])


def _following(path: str, next_after: int | None, parameters: dict[str, Any]) -> str | None:
    """The next page's path and query, or None on the last page."""
    if next_after is None:
        return None
    return f"{path}?{urlencode({'after': next_after, **parameters})}"


class CampaignOut(BaseModel):
    id: int
    name: str
    purged_at: datetime | None = Field(description="Set once personal data was removed")


class OutcomePage(BaseModel):
    campaign: CampaignOut
    outcomes: list[OutcomeOut]
    next_after: int | None = Field(
        description="Pass as ``after`` for the next page; null when this is the last page"
    )
    next: str | None = Field(description="The next page's path and query, or null")


@router.get(
    "/campaigns/{campaign_id}/outcomes",
    response_model=OutcomePage,
    responses={401: {"description": "No valid API key"}, 404: {"description": "No campaign"}},
)
def list_outcomes(
    _key: ApiKeyDep,  # first: without a key, not even whether the campaign exists
    campaign: CampaignDep,
    session: SessionDep,
    after: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    since: Annotated[
        datetime | None, Query(description="Only outcomes stored at or after this time")
    ] = None,
) -> JSONResponse:
    """A campaign's outcomes, oldest first, one page at a time."""
    query = (
        select(Outcome)
        .join(Debtor, Debtor.id == Outcome.debtor_id)
        .where(Debtor.campaign_id == campaign.id, Outcome.id > after)
        .order_by(Outcome.id)
        .limit(limit + 1)
        .options(selectinload(Outcome.installments))
    )
    if since is not None:
        query = query.where(Outcome.created_at >= as_utc(since))
    outcomes = list(session.scalars(query))
    more = len(outcomes) > limit
    outcomes = outcomes[:limit]
    next_after = outcomes[-1].id if more else None
    parameters: dict[str, Any] = {"limit": limit}
    if since is not None:
        parameters["since"] = as_utc(since).isoformat().replace("+00:00", "Z")
    following = _following(f"/api/v1/campaigns/{campaign.id}/outcomes", next_after, parameters)
    page = OutcomePage(
        campaign=_campaign_out(campaign),
        outcomes=describe(session, outcomes),
        next_after=next_after,
        next=following,
    )
    return JSONResponse(page.model_dump(mode="json"))


class StatusChangePage(BaseModel):
    campaign: CampaignOut
    status_changes: list[StatusChangeOut]
    next_after: int | None = Field(
        description="Pass as ``after`` for the next page; null when this is the last page"
    )
    next: str | None = Field(description="The next page's path and query, or null")


@router.get(
    "/campaigns/{campaign_id}/status-changes",
    response_model=StatusChangePage,
    responses={401: {"description": "No valid API key"}, 404: {"description": "No campaign"}},
)
def list_status_changes(
    _key: ApiKeyDep,  # first: without a key, not even whether the campaign exists
    campaign: CampaignDep,
    session: SessionDep,
    after: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> JSONResponse:
    """A campaign's case status changes, oldest first, one page at a time."""
    query = (
        select(StatusChange, Debtor)
        .join(Debtor, Debtor.id == StatusChange.debtor_id)
        .where(Debtor.campaign_id == campaign.id, StatusChange.id > after)
        .order_by(StatusChange.id)
        .limit(limit + 1)
    )
    rows = session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_after = rows[-1][0].id if more else None
    path = f"/api/v1/campaigns/{campaign.id}/status-changes"
    following = _following(path, next_after, {"limit": limit})
    page = StatusChangePage(
        campaign=_campaign_out(campaign),
        status_changes=[describe_status_change(change, debtor) for change, debtor in rows],
        next_after=next_after,
        next=following,
    )
    return JSONResponse(page.model_dump(mode="json"))


def _campaign_out(campaign: Campaign) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        purged_at=as_utc(campaign.purged_at) if campaign.purged_at else None,
    )
