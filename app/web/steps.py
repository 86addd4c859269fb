"""The self-service steps after an action node: one form each, checked on the server.

Every step is a plain HTML form, so the video player and the text-only version share them.
A rejected form is shown again with the reasons in the debtor's language, and nothing is
stored; an accepted one is stored once (the form carries its own id) and leads on to the
node after the step.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case import case_of
from app.deps import FormDep, SessionDep, StateDep, Visit, VisitDep
from app.i18n import day, money
from app.locks import BusyError, debtor_locked
from app.models import Installment, Outcome
from app.payments.records import start_payment
from app.selfservice import (
    RuleError,
    check_callback,
    check_later,
    eligible,
    plan,
)
from app.web.debtor_route import DebtorRoute
from app.web.player import page_context
from app.web.step_base import (
    ConflictError,
    Step,
    StepError,
    check_amount,
    date_field,
    held_case,
    refuse_conflicts,
    rule_message,
    store_outcome,
)
from app.web.step_fields import FIELDS, TITLES, callback_days, day_label, phone_example
from app.web.step_paid import paid
from app.web.uploads import SentFormDep, problem_message
from app.web.urls import agreed_url, node_url, reported_url

router = APIRouter(route_class=DebtorRoute)
AGREEMENTS = ("arrangement", "later")  # steps whose answer is a confirmation page
_PHONE = re.compile(r"^\+?[0-9 ().-]{6,25}$")
PROOF_PATH = re.compile(r"/v/[^/]+/step/[^/]+/proof")  # its own body limit (``app.main``)


def _node_and_action(visit: Visit, node: str) -> str:
    scene = visit.loaded.scene
    if node not in scene.nodes:
        raise HTTPException(status_code=404)
    action = scene.nodes[node].action
    if action is None or not eligible(scene, action, visit.debtor.amount_cents):
        raise HTTPException(status_code=422, detail=visit._("This step is not available."))
    return action


@router.get("/v/{token}/step/{node}", response_class=HTMLResponse)
def show_step(
    request: Request,
    token: str,
    node: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    mode: str = "video",
) -> Response:
    action = _node_and_action(visit, node)
    step = Step(visit, token, node, {}, session, state)
    step.case = case_of(session, visit.debtor, step.today())
    try:
        refuse_conflicts(step, action, step.case)
    except ConflictError as exc:
        return _notice(request, step, action, mode, exc.messages, status=409)
    return _render(request, token, step, action, mode)


@router.post("/v/{token}/step/{node}", response_class=HTMLResponse)
def submit_step(
    request: Request,
    token: str,
    node: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    form: FormDep,
    mode: str = "video",
) -> Response:
    """Take the step: stored and committed before the answer, once per form, one at a time
    per debtor; a form sent again gets the first answer, a conflicting one a 409 page."""
    action = _node_and_action(visit, node)
    return _submit(request, Step(visit, token, node, form, session, state), action, mode)


@router.post("/v/{token}/step/{node}/proof", response_class=HTMLResponse)
def submit_proof(
    request: Request,
    token: str,
    node: str,
    sent: SentFormDep,  # first: a slow upload is read before any transaction begins
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    mode: str = "video",
) -> Response:
    """The "I already paid" step with a proof: a form with a file, under a body limit of its own;
    a body over it gets the form again with the reason (413), nothing read, nothing stored."""
    action = _node_and_action(visit, node)
    if action != "paid":
        raise HTTPException(status_code=404)
    step = Step(visit, token, node, sent.fields, session, state, upload=sent.upload)
    if sent.body_too_large:
        limit = state.settings.max_proof_bytes
        errors = [problem_message(step._, "too_large", limit)]
        return _render(request, token, step, action, mode, errors=errors, status=413)
    return _submit(request, step, action, mode)


def _submit(request: Request, step: Step, action: str, mode: str) -> Response:
    visit, token = step.visit, step.token
    if not re.fullmatch(r"[A-Za-z0-9-]{8,64}", step.form.get("submission", "")):
        raise HTTPException(
            status_code=422, detail=visit._("The form is incomplete. Please try again.")
        )
    try:
        result = _take(step, action)
    except ConflictError as exc:
        return _notice(request, step, action, mode, exc.messages, status=409)
    except StepError as exc:
        return _render(request, token, step, action, mode, errors=exc.messages, status=422)
    except BusyError:
        busy = [visit._("We are very busy right now. Nothing was saved; please try again.")]
        return _notice(request, step, action, mode, busy, status=503)
    if isinstance(result, Response):  # a payment: off to the provider's checkout
        return result
    if result is not None:  # an arrangement shown for confirmation
        return _render(request, token, step, action, mode, preview=result)
    return _continue(token, visit, step.node, mode)


def _take(step: Step, action: str) -> Any:
    """Run the step's handler under the debtor's lock, against the case as it stands now."""
    if action == "pay":  # the payment takes the lock itself, but not while the provider answers
        return start_payment(step)
    try:
        with debtor_locked(step.session, step.visit.debtor.id, today=step.today()) as debtor:
            if _already_stored(step.session, debtor.id, step.form["submission"]):
                return None  # sent twice (a double click, a retry): the first answer again
            step.case = case_of(step.session, debtor, step.today())
            refuse_conflicts(step, action, step.case)
            return HANDLERS[action](step)
    except BaseException:
        if step.upload is not None:
            step.upload.unplace()  # put in place for a commit that did not happen
        raise


def _already_stored(session: Session, debtor_id: int, submission: str) -> bool:
    query = select(Outcome.id).where(
        Outcome.debtor_id == debtor_id, Outcome.submission == submission
    )
    return session.scalar(query) is not None


def _continue(token: str, visit: Visit, node: str, mode: str) -> Response:
    """On to the node after the step, in the player or in the text version; after a plan or a
    promise, first to the page that confirms it."""
    after = visit.loaded.scene.nodes[node].next or node
    if visit.loaded.scene.nodes[node].action == "paid":
        confirmation = reported_url(token, visit.language, mode=mode, after=after)
        return RedirectResponse(confirmation, status_code=303)
    if visit.loaded.scene.nodes[node].action in AGREEMENTS:
        confirmation = agreed_url(token, visit.language, mode=mode, after=after)
        return RedirectResponse(confirmation, status_code=303)
    return RedirectResponse(node_url(token, visit.language, after, mode=mode), status_code=303)


def _render(
    request: Request,
    token: str,
    step: Step,
    action: str,
    mode: str,
    *,
    errors: list[str] | None = None,
    preview: Any = None,
    status: int = 200,
) -> Response:
    """The step's form: first shown, shown again with errors, or a plan to confirm."""
    return _page(
        request, step, mode, f"steps/{action}.html", status=status,
        title=TITLES[action](step._), action=action, node=step.node, form=step.form, errors=errors or [], preview=preview,
        submission=step.form.get("submission") or str(uuid.uuid4()), **FIELDS[action](step),
    )  # fmt: skip


def _notice(
    request: Request, step: Step, action: str, mode: str, messages: list[str], *, status: int
) -> Response:
    """A page that says what stands (409) or that nothing was saved (503), with the way on."""
    headers = {"Retry-After": "5"} if status == 503 else None
    return _page(
        request, step, mode, "steps/notice.html", status=status, headers=headers,
        title=TITLES[action](step._), messages=messages,
    )  # fmt: skip


def _page(
    request: Request,
    step: Step,
    mode: str,
    template: str,
    *,
    status: int,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    context = page_context(
        request, step.visit, step.token, mode="text" if mode == "text" else "video",
        back=_back_link(step.token, step.visit, step.node, mode), **extra,
    )  # fmt: skip
    return step.state.templates.TemplateResponse(
        request, template, context, status_code=status, headers=headers
    )


def _back_link(token: str, visit: Visit, node: str, mode: str) -> str:
    """Back to the choices that led here: the node with a choice to this one, else the start."""
    scene = visit.loaded.scene
    parents = (n for n, body in scene.nodes.items() for c in body.choices or [] if c.goto == node)
    return node_url(token, visit.language, next(parents, scene.start), mode=mode)


# --- the steps ---------------------------------------------------------------------------


def _arrangement(step: Step) -> Any:
    check_amount(step, held_case(step).open_cents)
    owed = held_case(step).open_cents
    count = _integer(step, "installments")
    first = date_field(step, "first_date")
    try:
        schedule = plan(step.visit.loaded.scene, owed, count, first, step.today())
    except RuleError as exc:
        raise StepError([rule_message(step, exc)]) from exc
    if step.form.get("confirm") != "yes":
        return [
            (i.number, day(i.due, step.visit.language), money(i.cents, step.visit.language))
            for i in schedule
        ]
    rows = [Installment(number=i.number, due=i.due, amount_cents=i.cents) for i in schedule]
    store_outcome(
        step,
        "arrangement",
        {"installments": count, "first_date": first.isoformat(), "total_cents": owed},
        rows,
    )
    return None


def _later(step: Step) -> None:
    chosen = date_field(step, "date")
    try:
        check_later(step.visit.loaded.scene, chosen, step.today())
    except RuleError as exc:
        raise StepError([rule_message(step, exc)]) from exc
    store_outcome(
        step, "later", {"date": chosen.isoformat(), "amount_cents": held_case(step).open_cents}
    )


def _help(step: Step) -> None:
    details: dict[str, Any] = {"referred": True}
    if any(step.form.get(name) for name in ("phone", "day", "time", "slot")):
        details |= _callback_details(step)
    store_outcome(step, "help", details)


def _dispute(step: Step) -> None:
    reason = step.form.get("reason", "").strip()
    problems = []
    if not 5 <= len(reason) <= 2000:
        problems.append(step._("Please tell us in a few words why you do not agree."))
    phone = step.form.get("phone", "").strip()
    if phone and not _PHONE.match(phone):
        problems.append(_phone_problem(step))
    if problems:
        raise StepError(problems)
    step.visit.debtor.disputed = True
    store_outcome(step, "dispute", {"reason": reason, "phone": phone or None})


def _callback(step: Step) -> None:
    store_outcome(step, "callback", _callback_details(step))


def _callback_details(step: Step) -> dict[str, Any]:
    phone = step.form.get("phone", "").strip()
    problems = []
    if not _PHONE.match(phone):
        problems.append(_phone_problem(step))
    try:
        slot = _callback_slot(step)
    except StepError as exc:
        problems.extend(exc.messages)
    if problems:
        raise StepError(problems)
    return {"phone": phone, "slot": slot.isoformat(timespec="minutes")}


def _phone_problem(step: Step) -> str:
    example = phone_example(step.visit.language)
    return step._("Please enter a phone number, like {example}.").format(example=example)


def _callback_slot(step: Step) -> datetime:
    """The day and the time picked (or one ``slot``, as a page from before the two lists sent
    it): a day offered, and a time within the hours of that day that is still to come."""
    _, form = step._, step.form
    day_text, time_text = form.get("day", ""), form.get("time", "")
    if not day_text and form.get("slot"):
        day_text, _sep, time_text = form["slot"].partition("T")
    try:
        chosen_day = date.fromisoformat(day_text)
    except ValueError:
        raise StepError([_("Please choose one of the days in the list.")]) from None
    if chosen_day not in callback_days(step):
        raise StepError([_("Please choose one of the days in the list.")])
    try:
        chosen_time = time.fromisoformat(time_text)
    except ValueError:
        raise StepError([_("Please choose one of the times in the list.")]) from None
    slot = datetime.combine(chosen_day, chosen_time)
    try:
        return check_callback(step.visit.loaded.scene, slot, step.now())
    except RuleError:
        text = _("We cannot call you on {day} at {time}. Please choose another time.")
        shown = day_label(chosen_day, step.visit.language)
        raise StepError([text.format(day=shown, time=f"{chosen_time:%H:%M}")]) from None


def _integer(step: Step, name: str) -> int:
    try:
        return int(step.form.get(name, ""))
    except ValueError:
        raise StepError([step._("Please choose a number.")]) from None


HANDLERS: dict[str, Callable[[Step], Any]] = {
    "pay": start_payment,
    "arrangement": _arrangement,
    "later": _later,
    "help": _help,
    "dispute": _dispute,
    "paid": paid,
    "callback": _callback,
}
