"""The operators' case pages: find a debtor (by reference or name), see their case (status,
amounts, what was agreed, everything that happened, documents, notes) and decide on it; and
the worklists of what waits for a person (callbacks, disputes, reported payments).

Operators only: these pages show personal data. Every decision goes through
``app.resolutions``, which checks it and changes the status; the page only asks.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.case import STATUSES, case_of
from app.deps import AppState, FormDep, SessionDep, StateDep
from app.i18n import day, money
from app.models import Campaign, Debtor, Document, Outcome, User
from app.outcome_labels import action_label, detail_labels, node_label
from app.resolutions import Decision, ResolutionError, resolve
from app.selfservice import RuleError, euro_cents
from app.timeline import timeline
from app.web.admin_access import AdminRoute, OperatorUser, check_csrf
from app.web.admin_charts import scenes_of
from app.web.admin_page import admin_page
from app.web.params import DbId
from app.worklists import KINDS, worklist

router = APIRouter(prefix="/admin", route_class=AdminRoute, dependencies=[Depends(check_csrf)])
FOUND = 50  # search results shown
STATUS_LABELS = {
    "open": "Open",
    "promised": "Promised to pay",
    "plan": "Payment plan",
    "behind": "Behind on the plan",
    "paid": "Paid",
    "disputed": "Disputed (collection paused)",
    "review": "Says they paid (to check)",
    "help": "Referred to debt help",
}
WORKLIST_TITLES = {
    "callbacks": "Call backs",
    "disputes": "Disputes",
    "reviews": "Payments to check",
}


def debtor_or_404(debtor_id: DbId, session: SessionDep) -> Debtor:
    """The debtor of the path; 404 for one that does not exist or was purged."""
    debtor = session.get(Debtor, debtor_id)
    campaign = session.get(Campaign, debtor.campaign_id) if debtor is not None else None
    if debtor is None or campaign is None or campaign.purged_at is not None:
        raise HTTPException(status_code=404)
    return debtor


DebtorDep = Annotated[Debtor, Depends(debtor_or_404)]


@router.get("/debtors", response_class=HTMLResponse)
def debtor_search(
    request: Request,
    user: OperatorUser,
    state: StateDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """Debtors whose reference or name holds what was typed, in every live campaign."""
    text = q.strip()
    query = (
        select(Debtor, Campaign.name)
        .join(Campaign, Campaign.id == Debtor.campaign_id)
        .where(Campaign.purged_at.is_(None))
        .order_by(Debtor.reference, Debtor.id)
        .limit(FOUND + 1)
    )
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(Debtor.reference.ilike(like, escape="\\"), Debtor.name.ilike(like, escape="\\"))
        )
    if status in STATUSES:
        query = query.where(Debtor.case_status == status)
    rows = session.execute(query).all() if text or status in STATUSES else []
    return admin_page(
        request, state, "debtors.html", title="Debtors", user=user, nav="debtors",
        q=text, wanted=status, rows=rows[:FOUND], more=len(rows) > FOUND,
        statuses=STATUS_LABELS, euros=lambda cents: money(cents or 0, "en"),
    )  # fmt: skip


@router.get("/debtors/{debtor_id}", response_class=HTMLResponse)
def debtor_page(
    request: Request,
    debtor: DebtorDep,
    user: OperatorUser,
    state: StateDep,
    session: SessionDep,
    saved: str = "",
) -> Response:
    return _debtor_page(request, debtor, user, state, session, saved=saved)


@router.post("/debtors/{debtor_id}/notes", response_class=HTMLResponse)
def debtor_note(
    request: Request,
    debtor: DebtorDep,
    user: OperatorUser,
    state: StateDep,
    session: SessionDep,
    form: FormDep,
) -> Response:
    """A note or a decision; back to the page once it is committed, or the page again with
    what was wrong (and nothing stored)."""
    try:
        decision = _decision(form)
        resolve(session, debtor.id, decision, user_id=user.id, today=state.settings.today())
    except ResolutionError as exc:
        return _debtor_page(
            request, debtor, user, state, session, problem=str(exc), form=form, status=422
        )
    return RedirectResponse(f"/admin/debtors/{debtor.id}?saved=1", status_code=303)


def _decision(form: dict[str, str]) -> Decision:
    """The form's fields as a decision; an amount in euros ("12,50" or "12.50") to cents."""
    outcome = form.get("outcome", "").strip()
    amount = form.get("amount", "").strip()
    try:
        cents = euro_cents(amount) if amount else None
    except RuleError as exc:
        raise ResolutionError("Write the amount in euros, like 12,50.") from exc
    topic, _, verdict = form.get("decision", "").partition(":")
    return Decision(
        topic=topic,
        verdict=verdict or None,
        outcome_id=int(outcome) if outcome.isdigit() and len(outcome) < 10 else None,
        amount_cents=cents,
        text=form.get("text", ""),
    )


def _debtor_page(
    request: Request,
    debtor: Debtor,
    user: User,
    state: AppState,
    session: Session,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    session.rollback()  # a refused decision left nothing; read the case as it stands
    session.refresh(debtor)
    case = case_of(session, debtor, state.settings.today())
    zone = ZoneInfo(state.settings.timezone)
    campaign = session.get(Campaign, debtor.campaign_id)
    dispute = session.scalar(
        select(Outcome)
        .where(Outcome.debtor_id == debtor.id, Outcome.action == "dispute")
        .order_by(Outcome.id.desc())
        .limit(1)
    )
    scene = scenes_of(state, [debtor.scene_id]).get(debtor.scene_id)
    titles = scene.node_titles if scene else {}
    entries = timeline(
        session, debtor, title=lambda node: node_label(node, titles),
        outcome_text=_outcome_text, money=lambda cents: money(cents, "en"),
    )  # fmt: skip
    return admin_page(
        request, state, "debtor.html", title=f"{debtor.reference} – {debtor.name}", user=user,
        nav="debtors", debtor=debtor, campaign=campaign, case=case, dispute=dispute,
        status_label=STATUS_LABELS[case.status], entries=entries,
        documents=session.scalars(select(Document).where(Document.debtor_id == debtor.id)).all(),
        euros=lambda cents: money(cents or 0, "en"), day=lambda d: day(d, "en"),
        local=lambda moment: moment.astimezone(zone), status=status, **context,
    )  # fmt: skip


def _outcome_text(outcome: Outcome) -> tuple[str, str]:
    details = detail_labels(outcome.action, outcome.details or {})
    return action_label(outcome.action), "; ".join(f"{name}: {value}" for name, value in details)


@router.get("/worklists/{kind}", response_class=HTMLResponse)
def worklist_page(
    request: Request, kind: str, user: OperatorUser, state: StateDep, session: SessionDep
) -> Response:
    if kind not in KINDS:
        raise HTTPException(status_code=404)
    items = worklist(session, kind)
    now = state.settings.now()
    return admin_page(
        request, state, "worklist.html", title=WORKLIST_TITLES[kind], user=user,
        nav="worklists", kind=kind, kinds=WORKLIST_TITLES, items=items, now=now,
        zone=ZoneInfo(state.settings.timezone), euros=lambda cents: money(int(cents), "en"),
    )  # fmt: skip
