"""Stopping the messages of one channel: the link every e-mail carries (``List-Unsubscribe``).

Asking must always be possible, so this page opens for an ended campaign too and never asks
the verification question; it shows nothing personal (no name, amount or address), as
whoever holds the link may see it. Only a purged campaign or an unknown token is a 404.

GET only asks: link scanners and previewers fetch every link in an e-mail, and must not
unsubscribe anyone. The POST unsubscribes, from the page's button or from the mail program
itself (RFC 8058 one-click: ``List-Unsubscribe=One-Click``, no cookies, no form token). Like
the other debtor forms it has no form token: the unguessable token in the path is what makes
a request the debtor's, and asking twice changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.deps import AppState, LinkExpiredError, SessionDep, StateDep, Visit, find_visit
from app.models import Debtor
from app.outreach.outbox import CHANNELS
from app.web.debtor_route import DebtorRoute
from app.web.player import page_context

router = APIRouter(route_class=DebtorRoute)
log = logging.getLogger("vidpay.outreach")


def any_visit(token: str, request: Request, session: SessionDep, state: StateDep) -> Visit:
    """The debtor behind a link, verified or not, also when the campaign's links have ended
    (``find_visit`` would answer that with the "link ended" page)."""
    try:
        return find_visit(token, request, session, state)
    except LinkExpiredError as ended:
        return ended.visit


def _ended(visit: Visit) -> bool:
    """Whether the campaign's links have ended (then the page does not promise they work)."""
    return visit.debtor.campaign.links_ended(datetime.now(UTC))


def _channel(visit: Visit, channel: str | None, *, required: bool) -> str | None:
    """The channel asked for; none on the page means "choose" (the language links keep only
    ``lang``), an unknown one is a 422 the debtor can read."""
    if channel is None and not required:
        return None
    if channel not in CHANNELS:
        message = visit._(
            "This unsubscribe link is not complete. Please use the link from your e-mail."
        )
        raise HTTPException(status_code=422, detail=message)
    return channel


def _opted_out(debtor: Debtor, channel: str) -> bool:
    """Already unsubscribed: the page says so instead of asking again."""
    moment = debtor.email_opt_out_at if channel == "email" else debtor.sms_opt_out_at
    return moment is not None


@router.get("/v/{token}/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(
    request: Request,
    token: str,
    state: StateDep,
    session: SessionDep,
    channel: str | None = None,
) -> Response:
    """The question and its one button; changes nothing. Already unsubscribed: says so."""
    visit = any_visit(token, request, session, state)
    chosen = _channel(visit, channel, required=False)
    done = chosen is not None and _opted_out(visit.debtor, chosen)
    return _page(request, visit, token, chosen, done=done)


@router.post("/v/{token}/unsubscribe", response_class=HTMLResponse)
def unsubscribe(
    request: Request,
    token: str,
    state: StateDep,
    session: SessionDep,
    channel: str | None = None,
) -> Response:
    """Unsubscribe and confirm (200, no redirect: a one-click POST reads only the status).
    The body (``List-Unsubscribe=One-Click``, or the page's empty form) is not needed."""
    visit = any_visit(token, request, session, state)
    chosen = _channel(visit, channel, required=True)
    assert chosen is not None
    if opt_out(session, visit.debtor.id, chosen, datetime.now(UTC)):
        log.info("debtor %s unsubscribed from %s", visit.debtor.id, chosen)
    return _page(request, visit, token, chosen, done=True)


def opt_out(session: Session, debtor_id: int, channel: str, at: datetime) -> bool:
    """Set the channel's opt-out unless it is set already (the first moment stays); whether
    this set it. One UPDATE, so two requests at once cannot both write."""
    column = Debtor.email_opt_out_at if channel == "email" else Debtor.sms_opt_out_at
    result = session.execute(
        update(Debtor)
        .where(Debtor.id == debtor_id, column.is_(None))
        .values({column: at})
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _page(
    request: Request, visit: Visit, token: str, channel: str | None, *, done: bool
) -> Response:
    """One template for the question, the choice and the confirmation, so they look alike."""
    state: AppState = request.app.state.vidpay
    _ = visit._
    creditor = state.settings.creditor_name
    if channel is None:
        title = _("Which messages from {creditor} do you want to stop?")
    elif done:
        title = (
            _("You will get no more e-mails about this.")
            if channel == "email"
            else _("You will get no more text messages about this.")
        )
    elif channel == "email":
        title = _("Do you want no more e-mails from {creditor} about this?")
    else:
        title = _("Do you want no more text messages from {creditor} about this?")
    buttons = [
        (code, _("No more e-mails") if code == "email" else _("No more text messages"))
        for code in CHANNELS
        if channel in (None, code) and not done
    ]
    extra: dict[str, Any] = {"buttons": buttons, "ended": _ended(visit)}
    context = page_context(request, visit, token, title=title.format(creditor=creditor), **extra)
    return state.templates.TemplateResponse(request, "unsubscribe.html", context)
