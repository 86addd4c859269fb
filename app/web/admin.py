"""The operators' pages under ``/admin``: sign in, the campaigns, and one campaign's numbers.

Every page needs a signed-in operator or designer (``CurrentUser``); every POST needs the
session's CSRF token (``check_csrf``, a router dependency, so it runs before anything else).
Charts are SVG drawn on the server; every chart has its numbers in a table beside it. The only
script is the render progress bar's, which asks ``render.json`` every few seconds.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.auth import (
    SignInError,
    TooManyAttemptsError,
    authenticate,
    client_address,
    session_user,
    sign_in,
    sign_out,
)
from app.channel_funnel import channel_funnels
from app.csv_safe import SafeWriter
from app.deps import AppState, CampaignDep, SessionDep, StateDep
from app.funnel import NODE_STAGES, STAGES, Funnel, campaign_funnels
from app.outcome_labels import action_label, detail_labels, node_label
from app.rendering import rendered_languages
from app.reports import (
    CampaignSummary,
    OutcomeFilter,
    OutcomeRow,
    campaign_summaries,
    count_outcomes,
    filter_choices,
    latest_render,
    outcome_counts,
    outcome_rows,
)
from app.stats import ALPHA, Comparison, compare
from app.web import admin_messages, admin_reminders  # their sections on the campaign page
from app.web.admin_access import AdminRoute, CurrentUser, OperatorUser, check_csrf, safe_next
from app.web.admin_actions import IMPORT_SUMMARY
from app.web.admin_charts import drop as _drop
from app.web.admin_charts import group_chart, node_charts, overall_chart, scenes_of
from app.web.admin_page import admin_page
from app.web.params import DbId
from app.web.render_status import render_status

router = APIRouter(prefix="/admin", route_class=AdminRoute, dependencies=[Depends(check_csrf)])

SHOWN_OUTCOMES = 50  # rows on the page; the CSV has them all

# --- signing in and out -------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def sign_in_page(
    request: Request, state: StateDep, session: SessionDep, next: str | None = None
) -> Response:
    if session_user(request, session, state.settings) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return admin_page(
        request, state, "login.html", title="Sign in", user=None, next=safe_next(next), email=""
    )


@router.post("/login", response_class=HTMLResponse)
def sign_in_submit(
    request: Request,
    state: StateDep,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/admin",
) -> Response:
    try:
        user = authenticate(session, email, password, client=client_address(request))
    except SignInError as exc:
        # A page, not an exception: the attempt is committed with the request's transaction.
        return admin_page(
            request,
            state,
            "login.html",
            title="Sign in",
            user=None,
            status=429 if isinstance(exc, TooManyAttemptsError) else 401,
            error=str(exc),
            next=safe_next(next),
            email=email.strip()[:254],
        )
    sign_in(request, state.settings, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def sign_out_submit(request: Request, state: StateDep, session: SessionDep) -> Response:
    """Sign out: this session ends, and so does every copy of its cookie."""
    sign_out(request, session, state.settings)
    return RedirectResponse("/admin/login", status_code=303)


# --- campaigns --------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def campaign_list(
    request: Request, user: CurrentUser, state: StateDep, session: SessionDep
) -> Response:
    zone = ZoneInfo(state.settings.timezone)
    return admin_page(
        request,
        state,
        "campaigns.html",
        title="Campaigns",
        user=user,
        campaigns=campaign_summaries(session),
        local=lambda moment: moment.astimezone(zone),
        percent=_percent,
    )


def _summary(session: Session, campaign_id: int) -> CampaignSummary:
    found = campaign_summaries(session, campaign_id)
    if not found:
        raise HTTPException(status_code=404)
    return found[0]


@dataclass(frozen=True)
class Filters:
    """The outcome filters as given in the query, checked."""

    action: str
    language: str
    variant: str
    start: str
    end: str
    errors: list[str]
    outcome_filter: OutcomeFilter

    def query(self) -> str:
        pairs = {
            "action": self.action,
            "language": self.language,
            "variant": self.variant,
            "from": self.start,
            "to": self.end,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def _filters(
    state: AppState,
    action: str | None,
    language: str | None,
    variant: str | None,
    start: str | None,
    end: str | None,
) -> Filters:
    zone = ZoneInfo(state.settings.timezone)
    errors: list[str] = []

    def day(value: str | None, name: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors.append(f"“{name}” is not a date (write it as 2026-12-31).")
            return None

    first, last = day(start, "From"), day(end, "To")
    if first and last and first > last:
        errors.append("“From” is after “To”: no outcomes can match.")
    chosen = OutcomeFilter(
        action=(action or None) and action[:32],
        language=(language or None) and language[:16],
        variant=(variant or None) and variant[:64],
        start=datetime.combine(first, time.min, zone) if first else None,
        end=datetime.combine(last + timedelta(days=1), time.min, zone) if last else None,
    )
    return Filters(
        action=chosen.action or "",
        language=chosen.language or "",
        variant=chosen.variant or "",
        start=first.isoformat() if first else "",
        end=last.isoformat() if last else "",
        errors=errors,
        outcome_filter=chosen,
    )


FilterQuery = Annotated[str | None, Query(max_length=100)]


def outcome_filters(
    state: StateDep,
    action: FilterQuery = None,
    language: FilterQuery = None,
    variant: FilterQuery = None,
    start: Annotated[str | None, Query(alias="from", max_length=100)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=100)] = None,
) -> Filters:
    return _filters(state, action, language, variant, start, end)


FiltersDep = Annotated[Filters, Depends(outcome_filters)]


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request,
    campaign_id: DbId,
    user: CurrentUser,
    state: StateDep,
    session: SessionDep,
    filters: FiltersDep,
) -> Response:
    summary = _summary(session, campaign_id)
    zone = ZoneInfo(state.settings.timezone)
    found = campaign_funnels(session, campaign_id)
    by_variant, by_language, overall = found.variants, found.languages, found.total
    scenes = scenes_of(state, summary.scenes)
    charts = node_charts(session, campaign_id, summary.scenes, scenes)
    comparisons = _comparisons(summary, by_variant)
    job = latest_render(session, campaign_id)
    rows = outcome_rows(session, campaign_id, filters.outcome_filter, limit=SHOWN_OUTCOMES)
    return admin_page(
        request,
        state,
        "campaign.html",
        title=summary.name,
        user=user,
        campaign=summary,
        scenes=scenes,
        render=render_status(
            job, rendered_languages(session, campaign_id, state.settings.media_dir)
        ),
        imported=_import_summary(request, campaign_id),
        overall=overall,
        overall_chart=overall_chart(overall),
        by_variant=by_variant,
        variant_chart=group_chart("variants", "The funnel per variant", by_variant),
        by_language=by_language,
        language_chart=group_chart("languages", "The funnel per language", by_language),
        node_charts=charts,
        comparisons=comparisons,
        outcome_counts=outcome_counts(session, campaign_id),
        choices=filter_choices(session, campaign_id),
        filters=filters,
        rows=rows,
        matching=count_outcomes(session, campaign_id, filters.outcome_filter)
        if len(rows) == SHOWN_OUTCOMES
        else len(rows),
        may_export=user.role == "operator",
        action_label=action_label,
        node_label=node_label,
        node_titles={scene_id: info.node_titles for scene_id, info in scenes.items()},
        details=detail_labels,
        stages=STAGES,
        node_stages=NODE_STAGES,
        local=lambda moment: moment.astimezone(zone),
        percent=_percent,
        drop=_drop,
        sending=admin_messages.send_section(request, state, session, campaign_id),
        channels=channel_funnels(session, campaign_id),
        reminders=admin_reminders.reminders_section(request, session, campaign_id),
    )


@router.get("/campaigns/{campaign_id}/render.json")
def render_progress(user: CurrentUser, campaign: CampaignDep, session: SessionDep) -> JSONResponse:
    """The latest render's progress, for the progress bar's script (asked every 3 seconds)."""
    return JSONResponse(render_status(latest_render(session, campaign.id)))  # a job's progress


@router.get("/campaigns/{campaign_id}/outcomes.csv")
def export_outcomes(
    user: OperatorUser,
    campaign: CampaignDep,
    state: StateDep,
    session: SessionDep,
    filters: FiltersDep,
) -> Response:
    """The filtered outcomes as CSV (operators only), for a spreadsheet or a CRM import."""
    campaign_id = campaign.id
    if filters.errors:
        raise HTTPException(status_code=422, detail=" ".join(filters.errors))
    rows = outcome_rows(session, campaign_id, filters.outcome_filter)
    body = outcomes_csv(rows, ZoneInfo(state.settings.timezone))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(
        body.encode("utf-8-sig"),  # the BOM tells spreadsheets it is UTF-8
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-outcomes-{stamp}.csv"'
        },
    )


CSV_COLUMNS = ("created_at", "reference", "language", "variant", "action", "node", "details")


def outcomes_csv(rows: list[OutcomeRow], zone: ZoneInfo) -> str:
    """CSV text; cells that a spreadsheet would run as a formula are quoted with a leading '."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        details = json.dumps(row.details, ensure_ascii=False, sort_keys=True, default=str)
        cells = [
            row.created_at.astimezone(zone).isoformat(timespec="seconds"),
            row.reference,
            row.language,
            row.variant,
            row.action,
            row.node,
            details if row.details else "",
        ]
        writer.writerow(cells)
    return out.getvalue()


# --- what the pages show ------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _import_summary(request: Request, campaign_id: int) -> str | None:
    """What the import that made this campaign said (how the file was read), shown once."""
    summary = request.session.get(IMPORT_SUMMARY)
    if isinstance(summary, dict) and summary.get("campaign") == campaign_id:
        request.session.pop(IMPORT_SUMMARY)
        return str(summary.get("text", ""))
    return None


def _comparisons(summary: CampaignSummary, by_variant: list[Funnel]) -> list[Comparison]:
    """Every variant against the campaign's first scene (Bonferroni: alpha split between them)."""
    if len(by_variant) < 2:
        return []
    control = next((f for f in by_variant if f.key == summary.scenes[0]), by_variant[0])
    others = [f for f in by_variant if f is not control]
    alpha = ALPHA / len(others)
    return [
        compare(
            control.key,
            control.opened,
            control.converted,
            other.key,
            other.opened,
            other.converted,
            alpha=alpha,
        )
        for other in others
    ]
