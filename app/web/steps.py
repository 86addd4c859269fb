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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deps import AppState, SessionDep, StateDep, Visit, VisitDep
from app.events import EventIn, record
from app.i18n import Gettext, day, money
from app.models import Installment, Outcome
from app.payments.records import start_payment
from app.selfservice import (
    RuleError,
    callback_slots,
    check_callback,
    check_later,
    check_paid_date,
    eligible,
    first_date_window,
    installment_counts,
    later_window,
    plan,
)
from app.web.debtor_route import DebtorRoute
from app.web.player import page_context
from app.web.urls import node_url
from app.webhooks import enqueue

router = APIRouter(route_class=DebtorRoute)
_PHONE = re.compile(r"^\+?[0-9 ().-]{6,25}$")


class StepError(ValueError):
    """The form is not acceptable; ``messages`` are already in the debtor's language."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class Step:
    """One step being taken: who, where, and the form they sent."""

    visit: Visit
    token: str
    node: str
    form: dict[str, str]
    session: Session
    state: AppState

    @property
    def _(self) -> Gettext:
        return self.visit._

    def today(self) -> date:
        return self.now().date()

    def now(self) -> datetime:
        return datetime.now(ZoneInfo(self.state.settings.timezone)).replace(tzinfo=None)


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
    return _render(request, token, step, action, mode)


@router.post("/v/{token}/step/{node}", response_class=HTMLResponse)
async def submit_step(
    request: Request,
    token: str,
    node: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    mode: str = "video",
) -> Response:
    action = _node_and_action(visit, node)
    form = {key: str(value)[:4000] for key, value in (await request.form()).items()}
    step = Step(visit, token, node, form, session, state)
    submission = form.get("submission", "")
    if not re.fullmatch(r"[A-Za-z0-9-]{8,64}", submission):
        raise HTTPException(
            status_code=422, detail=visit._("The form is incomplete. Please try again.")
        )
    if _already_stored(session, visit, submission):
        return _continue(token, visit, node, mode)
    try:
        result = HANDLERS[action](step)
    except StepError as exc:
        return _render(request, token, step, action, mode, errors=exc.messages, status=422)
    if isinstance(result, Response):  # a payment: off to the provider's checkout
        return result
    if result is not None:  # an arrangement shown for confirmation
        return _render(request, token, step, action, mode, preview=result)
    return _continue(token, visit, node, mode)


def _already_stored(session: Session, visit: Visit, submission: str) -> bool:
    query = select(Outcome.id).where(
        Outcome.debtor_id == visit.debtor.id, Outcome.submission == submission
    )
    return session.scalar(query) is not None


def _continue(token: str, visit: Visit, node: str, mode: str) -> Response:
    """On to the node after the step, in the player or in the text version."""
    after = visit.loaded.scene.nodes[node].next or node
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
    visit = step.visit
    context = page_context(
        request,
        visit,
        token,
        title=TITLES[action](step._),
        action=action,
        node=step.node,
        mode="text" if mode == "text" else "video",
        form=step.form,
        errors=errors or [],
        preview=preview,
        submission=step.form.get("submission") or str(uuid.uuid4()),
        back=_back_link(token, visit, step.node, mode),
        **FIELDS[action](step),
    )
    return step.state.templates.TemplateResponse(
        request, f"steps/{action}.html", context, status_code=status
    )


def _back_link(token: str, visit: Visit, node: str, mode: str) -> str:
    """Back to the choices that led here: the node with a choice to this one, else the start."""
    scene = visit.loaded.scene
    parents = (n for n, body in scene.nodes.items() for c in body.choices or [] if c.goto == node)
    return node_url(token, visit.language, next(parents, scene.start), mode=mode)


def _store(
    step: Step, action: str, details: dict[str, Any], installments: list[Installment] | None = None
) -> Outcome:
    outcome = Outcome(
        debtor_id=step.visit.debtor.id,
        submission=step.form["submission"],
        action=action,
        node=step.node,
        details=details,
        installments=installments or [],
    )
    step.session.add(outcome)
    event = EventIn(
        id=step.form["submission"],
        type="action_completed",
        node=step.node,
        language=step.visit.language,
        data={"action": action},
    )
    record(step.session, step.visit.debtor, event)
    enqueue(step.session, outcome)  # the webhooks, in this transaction
    return outcome


# --- the steps ---------------------------------------------------------------------------


def _pay(step: Step) -> Response:
    _check_amount(step)
    return start_payment(step)


def _check_amount(step: Step) -> None:
    owed = step.visit.debtor.amount_cents
    if step.form.get("amount_cents") != str(owed):
        raise StepError([step._("The amount does not match what you owe. Please start again.")])


def _arrangement(step: Step) -> Any:
    _check_amount(step)
    owed = step.visit.debtor.amount_cents or 0
    count = _integer(step, "installments")
    first = _date(step, "first_date")
    try:
        schedule = plan(step.visit.loaded.scene, owed, count, first, step.today())
    except RuleError as exc:
        raise StepError([_rule_message(step, exc)]) from exc
    if step.form.get("confirm") != "yes":
        return [
            (i.number, day(i.due, step.visit.language), money(i.cents, step.visit.language))
            for i in schedule
        ]
    rows = [Installment(number=i.number, due=i.due, amount_cents=i.cents) for i in schedule]
    _store(
        step,
        "arrangement",
        {"installments": count, "first_date": first.isoformat(), "total_cents": owed},
        rows,
    )
    return None


def _later(step: Step) -> None:
    chosen = _date(step, "date")
    try:
        check_later(step.visit.loaded.scene, chosen, step.today())
    except RuleError as exc:
        raise StepError([_rule_message(step, exc)]) from exc
    _store(
        step, "later", {"date": chosen.isoformat(), "amount_cents": step.visit.debtor.amount_cents}
    )


def _help(step: Step) -> None:
    details: dict[str, Any] = {"referred": True}
    if step.form.get("phone") or step.form.get("slot"):
        details |= _callback_details(step)
    _store(step, "help", details)


def _dispute(step: Step) -> None:
    reason = step.form.get("reason", "").strip()
    problems = []
    if not 5 <= len(reason) <= 2000:
        problems.append(step._("Please tell us in a few words why you do not agree."))
    phone = step.form.get("phone", "").strip()
    if phone and not _PHONE.match(phone):
        problems.append(step._("Please enter a phone number, like 06 1234 5678."))
    if problems:
        raise StepError(problems)
    step.visit.debtor.disputed = True
    _store(step, "dispute", {"reason": reason, "phone": phone or None})


def _paid(step: Step) -> None:
    paid_on = _date(step, "date")
    reference = step.form.get("reference", "").strip()
    try:
        check_paid_date(paid_on, step.today())
    except RuleError as exc:
        raise StepError([_rule_message(step, exc)]) from exc
    if len(reference) > 100:
        raise StepError([step._("The payment reference is too long.")])
    _store(step, "paid", {"date": paid_on.isoformat(), "reference": reference or None})


def _callback(step: Step) -> None:
    _store(step, "callback", _callback_details(step))


def _callback_details(step: Step) -> dict[str, Any]:
    phone = step.form.get("phone", "").strip()
    problems = []
    if not _PHONE.match(phone):
        problems.append(step._("Please enter a phone number, like 06 1234 5678."))
    try:
        slot = datetime.fromisoformat(step.form.get("slot", ""))
        check_callback(step.visit.loaded.scene, slot, step.now())
    except (ValueError, RuleError):
        problems.append(step._("Please choose one of the times in the list."))
    if problems:
        raise StepError(problems)
    return {"phone": phone, "slot": slot.isoformat(timespec="minutes")}


def _integer(step: Step, name: str) -> int:
    try:
        return int(step.form.get(name, ""))
    except ValueError:
        raise StepError([step._("Please choose a number.")]) from None


def _date(step: Step, name: str) -> date:
    try:
        return date.fromisoformat(step.form.get(name, ""))
    except ValueError:
        raise StepError([step._("Please choose a date.")]) from None


def _rule_message(step: Step, error: RuleError) -> str:
    _, language = step._, step.visit.language
    if error.code == "date_window":
        earliest, latest = cast(date, error.values["earliest"]), cast(date, error.values["latest"])
        return _("Please choose a date from {earliest} to {latest}.").format(
            earliest=day(earliest, language), latest=day(latest, language)
        )
    if error.code == "installments":
        return _("Please choose one of the numbers of payments offered.")
    if error.code == "paid_future":
        return _("The payment date cannot be in the future.")
    if error.code == "paid_too_old":
        return _("Please choose a date in the past year.")
    return _("Please check your answer.")


HANDLERS: dict[str, Callable[[Step], Any]] = {
    "pay": _pay,
    "arrangement": _arrangement,
    "later": _later,
    "help": _help,
    "dispute": _dispute,
    "paid": _paid,
    "callback": _callback,
}

TITLES: dict[str, Callable[[Gettext], str]] = {
    "pay": lambda _: _("Pay now"),
    "arrangement": lambda _: _("Payment plan"),
    "later": lambda _: _("Pay later"),
    "help": lambda _: _("Help with debts"),
    "dispute": lambda _: _("I do not agree"),
    "paid": lambda _: _("I already paid"),
    "callback": lambda _: _("Call me back"),
}


def _fields(step: Step) -> dict[str, Any]:
    """What every step's page shows."""
    debtor, language = step.visit.debtor, step.visit.language
    return {
        "amount": money(debtor.amount_cents or 0, language),
        "amount_cents": debtor.amount_cents,
    }


def _arrangement_fields(step: Step) -> dict[str, Any]:
    scene, debtor, language = step.visit.loaded.scene, step.visit.debtor, step.visit.language
    earliest, latest = first_date_window(scene, step.today())
    counts = installment_counts(scene, debtor.amount_cents or 0)
    options = [(n, money((debtor.amount_cents or 0) // n, language)) for n in counts]
    return _fields(step) | {"counts": options, "earliest": earliest, "latest": latest}


def _later_fields(step: Step) -> dict[str, Any]:
    earliest, latest = later_window(step.visit.loaded.scene, step.today())
    return _fields(step) | {"earliest": earliest, "latest": latest}


def _slot_fields(step: Step) -> dict[str, Any]:
    language = step.visit.language
    slots = callback_slots(step.visit.loaded.scene, step.now())
    shown = [
        (s.isoformat(timespec="minutes"), f"{day(s.date(), language)}, {s:%H:%M}") for s in slots
    ]
    return _fields(step) | {"slots": shown, "help_url": step.visit.loaded.scene.contact.help_url}


FIELDS: dict[str, Callable[[Step], dict[str, Any]]] = {
    "pay": _fields,
    "arrangement": _arrangement_fields,
    "later": _later_fields,
    "help": _slot_fields,
    "dispute": _fields,
    "paid": lambda step: _fields(step) | {"today": step.today()},
    "callback": _slot_fields,
}
