"""What the debtor agreed, confirmed: the reference, the dates and amounts, what comes next,
the dates as a calendar file and all of it as a PDF receipt. Read from the case, never from
the form that made it."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.calendar import DueDate, calendar_file
from app.case import Case, case_of
from app.case_values import case_reference
from app.deps import SessionDep, StateDep, Visit, VisitDep
from app.i18n import day, money
from app.models import Outcome
from app.models.base import as_utc
from app.receipt import Receipt, receipt_pdf
from app.web.debtor_route import DebtorRoute
from app.web.player import page_context
from app.web.urls import absolute, agreed_url, node_url, player_url

router = APIRouter(route_class=DebtorRoute)


def reference(visit: Visit, agreed: Outcome) -> str:
    """The number the debtor quotes on the phone: the creditor's reference and ours."""
    return case_reference(visit.debtor, agreed)


def _agreed(visit: Visit, session: SessionDep, state: StateDep) -> tuple[Case, Outcome]:
    case = case_of(session, visit.debtor, state.settings.today())
    agreed = case.plan or case.promise
    if agreed is None:
        raise HTTPException(status_code=404)  # nothing agreed (yet, or any more)
    return case, agreed


@router.get("/v/{token}/agreed", response_class=HTMLResponse)
def agreed_page(
    request: Request,
    token: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    mode: str = "video",
    then: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """The confirmation after a plan or a promise, and where the debtor finds it again."""
    case, agreed = _agreed(visit, session, state)
    _, language = visit._, visit.language
    rows = case.dues
    coming = next((row for row in rows if not row.paid), None)
    if coming is None:
        next_step = _("Everything is paid. Thank you!")
    else:
        next_step = _("Your next payment is {amount} on {date}. You can pay it through this link.")
        next_step = next_step.format(
            amount=money(coming.left_cents, language), date=day(coming.day, language)
        )
    scene = visit.loaded.scene
    after = then if then in scene.nodes else scene.start
    context = page_context(
        request, visit, token, title=_("What we agreed"), reference=reference(visit, agreed),
        rows=[
            {"number": r.number, "day": day(r.day, language), "amount": money(r.cents, language),
             "paid": r.paid}
            for r in rows
        ] if case.plan is not None else [],
        next_step=next_step, next_link=node_url(token, language, after, mode=mode),
        ics_link=agreed_url(token, language, mode=mode, calendar=True),
        pdf_link=agreed_url(token, language, receipt=True),
    )  # fmt: skip
    return state.templates.TemplateResponse(request, "agreed.html", context)


@router.get("/v/{token}/agreed.ics")
def agreed_calendar(token: str, visit: VisitDep, state: StateDep, session: SessionDep) -> Response:
    """The dates to pay, for the debtor's calendar (RFC 5545), with their link in each."""
    case, agreed = _agreed(visit, session, state)
    _, language = visit._, visit.language
    rows = [row for row in case.dues if not row.paid]
    host = state.settings.base_url.split("//")[-1].split("/")[0]
    dates = [
        DueDate(
            uid=f"vidpay-{agreed.id}-{row.number}@{host}",
            day=row.day,
            summary=_("Pay {amount}").format(amount=money(row.left_cents, language)),
            description=_("Your reference is {reference}.").format(
                reference=reference(visit, agreed)
            ),
        )
        for row in rows
    ]
    link = absolute(state.settings.base_url, player_url(token, language))
    body = calendar_file(dates, link=link, name=_("What we agreed"))
    headers = {"Content-Disposition": 'attachment; filename="payments.ics"'}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get("/v/{token}/agreed.pdf")
def agreed_receipt(token: str, visit: VisitDep, state: StateDep, session: SessionDep) -> Response:
    """What was agreed as a PDF receipt in the debtor's language, to keep or to print."""
    case, agreed = _agreed(visit, session, state)
    zone = ZoneInfo(state.settings.timezone)
    scene, language = visit.loaded.scene, visit.language
    created = as_utc(agreed.created_at)
    receipt = Receipt(
        language=language,
        creditor=visit.debtor.campaign.name,
        name=visit.debtor.name,
        reference=reference(visit, agreed),
        agreed_on=created.astimezone(zone).date(),
        made_on=state.settings.today(),
        plan=case.plan is not None,
        dues=case.dues,
        open_cents=case.open_cents,
        phone=scene.contact.phone,
        hours=visit.loaded.say(language, {})("{hours}") if scene.contact.hours else None,
    )
    body = receipt_pdf(receipt)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", receipt.reference).strip(".-")[:80] or "receipt"
    headers = {"Content-Disposition": f'attachment; filename="receipt-{name}.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)
