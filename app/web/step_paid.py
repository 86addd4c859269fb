"""The "I already paid" step: a payment made elsewhere, reported with an optional proof,
and the page that confirms it. An operator checks it; until then the case is in ``review``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.case import case_of
from app.deps import SessionDep, StateDep, VisitDep
from app.documents import store
from app.i18n import day, money
from app.models import Document
from app.selfservice import RuleError, check_paid_amount, check_paid_date, euro_cents
from app.web.debtor_route import DebtorRoute
from app.web.player import page_context
from app.web.step_base import (
    Step,
    StepError,
    date_field,
    held_case,
    rule_message,
    store_outcome,
)
from app.web.uploads import problem_message
from app.web.urls import node_url

router = APIRouter(route_class=DebtorRoute)


def paid(step: Step) -> None:
    """A payment made elsewhere: how much, when, the reference, and a proof if one was sent.
    Every problem is told at once, and then nothing is stored (no row, no file)."""
    problems, details = _check(step)
    upload = step.upload
    problem = upload.problem() if upload is not None else None
    if problem is not None:
        problems.append(problem_message(step._, problem, step.state.settings.max_proof_bytes))
    if problems:
        if upload is not None and problem is None:  # a browser cannot show the file again
            problems.append(step._("Please choose your file again."))
        raise StepError(problems)
    if upload is None:
        store_outcome(step, "paid", details)
        return
    documents = step.state.settings.documents_dir
    document = store(step.session, incoming=upload, debtor=step.visit.debtor, documents=documents)
    details["document_id"] = document.id
    document.outcome_id = store_outcome(step, "paid", details).id


def _check(step: Step) -> tuple[list[str], dict[str, Any]]:
    """The form's fields checked: the problems, and the details to store when there are none."""
    problems: list[str] = []
    cents, paid_on = 0, step.today()
    try:
        cents = euro_cents(step.form.get("amount", ""))
        check_paid_amount(cents, held_case(step).open_cents)
    except RuleError as exc:
        problems.append(rule_message(step, exc))
    try:
        paid_on = check_paid_date(date_field(step, "date"), step.today())
    except RuleError as exc:
        problems.append(rule_message(step, exc))
    except StepError as exc:
        problems += exc.messages
    reference = step.form.get("reference", "").strip()
    if len(reference) > 100:
        problems.append(step._("The payment reference is too long."))
    details = {"amount_cents": cents, "date": paid_on.isoformat(), "reference": reference or None}
    return problems, details


@router.get("/v/{token}/reported", response_class=HTMLResponse)
def reported_page(
    request: Request,
    token: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    mode: str = "video",
    then: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """The payment the debtor reported, as stored, and that we check it and let them know."""
    case = case_of(session, visit.debtor, state.settings.today())
    reported = case.reported_paid
    if reported is None:
        raise HTTPException(status_code=404)  # nothing reported (or already resolved)
    details, language = reported.details, visit.language
    document = session.get(Document, details["document_id"]) if details.get("document_id") else None
    cents = details.get("amount_cents")  # reported before amounts were asked: none
    scene = visit.loaded.scene
    after = then if then in scene.nodes else scene.start
    context = page_context(
        request, visit, token, mode="text" if mode == "text" else "video",
        title=visit._("Thank you for letting us know"),
        amount=money(int(cents), language) if cents else None,
        paid_on=day(date.fromisoformat(str(details["date"])), language),
        reference=details.get("reference"), proof=document.filename if document else None,
        next_link=node_url(token, language, after, mode=mode),
    )  # fmt: skip
    return state.templates.TemplateResponse(request, "steps/reported.html", context)
