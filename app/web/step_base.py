"""What every self-service step shares: the step being taken, its errors, and the rules of
the case that no form may break (nothing is agreed or paid twice).

``app.web.steps`` takes the steps; ``app.payments.records`` starts payments with the same
``Step`` and refuses what the case does not allow with the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy.orm import Session

from app.case import Case, case_of
from app.deps import AppState, Visit
from app.documents import Incoming
from app.events import EventIn, record
from app.i18n import Gettext, day, money
from app.models import Installment, Outcome
from app.selfservice import RuleError
from app.webhooks import enqueue


class StepError(ValueError):
    """The form is not acceptable; ``messages`` are already in the debtor's language."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class ConflictError(StepError):
    """The case already holds what this step would agree to (all paid, a plan, a promise):
    the debtor is told what stands instead of the form (409)."""


@dataclass
class Step:
    """One step being taken: who, where, and the form they sent."""

    visit: Visit
    token: str
    node: str
    form: dict[str, str]
    session: Session
    state: AppState
    case: Case | None = None  # read under the debtor's lock before anything is stored
    upload: Incoming | None = None  # a file sent with the form (the proof of a payment)

    @property
    def _(self) -> Gettext:
        return self.visit._

    def today(self) -> date:
        return self.now().date()

    def now(self) -> datetime:
        return self.state.settings.now()


def held_case(step: Step) -> Case:
    """The case as read under the debtor's lock, for a handler about to store something."""
    assert step.case is not None, "the case is read under the lock before a handler runs"
    return step.case


def current_case(step: Step) -> Case:
    """The case for a page that shows the form (read now when not read yet)."""
    if step.case is None:
        step.case = case_of(step.session, step.visit.debtor, step.today())
    return step.case


def refuse_conflicts(step: Step, action: str, case: Case) -> None:
    """Nothing is agreed or paid twice: say what already stands instead."""
    _, language = step._, step.visit.language
    refusal = case.refusal(action)
    if refusal == "paid":
        raise ConflictError([_("Everything is paid. Thank you!")])
    if refusal == "plan" and case.plan is not None:
        details = case.plan.details
        first = date.fromisoformat(str(details.get("first_date")))
        text = _("You already have a payment plan: {count} payments, the first on {date}.")
        raise ConflictError(
            [text.format(count=details.get("installments"), date=day(first, language))]
        )
    if refusal == "promise" and case.promise is not None:
        promised = date.fromisoformat(str(case.promise.details.get("date")))
        text = _("You have already told us you will pay on {date}.")
        raise ConflictError([text.format(date=day(promised, language))])


def check_amount(step: Step, cents: int) -> None:
    """The amount the debtor saw is still what is asked (a payment may have come in since)."""
    if step.form.get("amount_cents") != str(cents):
        raise StepError([step._("The amount does not match what you owe. Please start again.")])


def store_outcome(
    step: Step, action: str, details: dict[str, Any], installments: list[Installment] | None = None
) -> Outcome:
    """Store the step's outcome with its event and webhooks, in the caller's transaction."""
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


def date_field(step: Step, name: str) -> date:
    try:
        return date.fromisoformat(step.form.get(name, ""))
    except ValueError:
        raise StepError([step._("Please choose a date.")]) from None


def rule_message(step: Step, error: RuleError) -> str:
    """A broken rule (``app.selfservice``), told in the debtor's language."""
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
    if error.code == "amount_format":
        return _("Please enter the amount you paid in euros, like 25,00.")
    if error.code == "amount_zero":
        return _("The amount you paid must be more than zero.")
    if error.code == "amount_over":
        return _("The amount cannot be more than what you owe: {amount}.").format(
            amount=money(cast(int, error.values["open_cents"]), language)
        )
    return _("Please check your answer.")
