"""Where a debtor's case stands, derived from what is stored: never from what a browser says.

One place computes it, so the pay step, the plan step and the payment pages agree on what is
still open and on what the debtor has already agreed to. Read it under the debtor's lock
(``app.locks``) before committing anything that depends on it.

The status, first that applies: ``paid`` (nothing open: paid, or the claim corrected to what
was paid when an operator upheld a dispute), ``disputed`` (collection paused until an operator
resolves it), ``review`` (they say they paid; until an operator confirms or rejects it), ``behind`` (a plan whose instalments due
so far are not all paid), ``plan``, ``promised`` (pay later, the date still to come),
``help`` (referred to debt help), else ``open``. A callback asked for is shown beside it until an operator marks it done. Operators' resolutions
are ``CaseNote`` rows naming the outcome they resolve (``app.resolutions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from app.models import CaseNote, Debtor, Outcome, Payment
from app.models.base import as_utc

# A payment row waits in ``creating`` while the provider is asked for a checkout; one older
# than this was left by a request that died, and no longer stands in the way of a new one.
CREATING_FOR = timedelta(minutes=2)
PENDING = ("creating", "open", "pending", "authorized")
STATUSES = ("open", "promised", "plan", "behind", "paid", "disputed", "review", "help")


@dataclass(frozen=True)
class Due:
    """One date to pay: an instalment of the plan, or the promised date."""

    number: int
    day: date
    cents: int
    paid_cents: int  # what has come in for this one (payments count towards the earliest)

    @property
    def paid(self) -> bool:
        return self.paid_cents >= self.cents

    @property
    def left_cents(self) -> int:
        return self.cents - self.paid_cents


@dataclass(frozen=True)
class Case:
    owed_cents: int  # what the campaign says is owed
    paid_cents: int  # what payments through the link have settled
    pending: Payment | None  # a payment started and not yet final
    plan: Outcome | None  # the payment plan agreed, if any
    promise: Outcome | None  # the latest "pay later" whose date has not passed
    disputed: bool = False
    reported_paid: Outcome | None = None  # "I already paid", for an operator to check
    referred: bool = False  # sent to debt help
    callback: Outcome | None = None  # the latest call-back asked for, not yet done
    corrected: bool = False  # an operator upheld a dispute and set what is owed
    today: date | None = None

    @property
    def open_cents(self) -> int:
        return max(self.owed_cents - self.paid_cents, 0)

    @property
    def status(self) -> str:
        if self.open_cents == 0 and (self.owed_cents > 0 or self.corrected):
            return "paid"
        if self.disputed:
            return "disputed"
        if self.reported_paid is not None:
            return "review"
        if self.plan is not None:
            return "behind" if self.behind_cents > 0 else "plan"
        if self.promise is not None:
            return "promised"
        return "help" if self.referred else "open"

    def refusal(self, action: str | None) -> str | None:
        """Why the case does not allow this step now (``paid``, ``plan``, ``promise``), or
        None: nothing is agreed or paid twice. The step refuses it; no choice offers it."""
        if action not in ("pay", "arrangement", "later"):
            return None
        if self.open_cents <= 0:
            return "paid"
        if action == "pay":
            return None
        if self.plan is not None:
            return "plan"
        if action == "later" and self.promise is not None:
            return "promise"
        return None

    @property
    def dues(self) -> list[Due]:
        """The dates to pay: the plan's instalments, paid in order from what has come in, or
        the one promised date; none without a plan or a promise."""
        if self.plan is not None:
            left, dues = self.paid_cents, []
            for instalment in self.plan.installments:
                paid = min(left, instalment.amount_cents)
                left -= paid
                dues.append(Due(instalment.number, instalment.due, instalment.amount_cents, paid))
            return dues
        if self.promise is not None:
            promised = date.fromisoformat(str(self.promise.details.get("date")))
            return [Due(1, promised, self.open_cents, 0)]
        return []

    @property
    def payable_cents(self) -> int:
        """What the pay step asks for: the next instalment (what is left of it) under a plan,
        else everything that is open."""
        if self.plan is not None:
            coming = next((due for due in self.dues if not due.paid), None)
            return min(coming.left_cents, self.open_cents) if coming else 0
        return self.open_cents

    @property
    def behind_cents(self) -> int:
        """What the plan's instalments due before today add up to, less what has been paid."""
        if self.plan is None or self.today is None:
            return 0
        due = sum(i.amount_cents for i in self.plan.installments if i.due < self.today)
        return max(due - self.paid_cents, 0)


def case_of(session: Session, debtor: Debtor, today: date) -> Case:
    """The debtor's case as the database holds it now."""
    paid = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.debtor_id == debtor.id, Payment.status == "paid"
        )
    )
    return Case(
        owed_cents=debtor.amount_cents or 0,
        paid_cents=int(paid or 0),
        pending=pending_payment(session, debtor.id),
        plan=_latest(session, debtor.id, "arrangement"),
        promise=_promise(session, debtor.id, today),
        disputed=debtor.disputed,
        reported_paid=_latest(session, debtor.id, "paid", unresolved="review"),
        referred=_latest(session, debtor.id, "help") is not None,
        callback=_latest(session, debtor.id, "callback", unresolved="callback"),
        corrected=_upheld(session, debtor.id),
        today=today,
    )


def untouched_case(debtor: Debtor, today: date) -> Case:
    """The case of a debtor with no payment, outcome or operator's note yet: what ``case_of``
    reads for them, without the five queries (a campaign render plans thousands of them)."""
    return Case(
        owed_cents=debtor.amount_cents or 0, paid_cents=0, pending=None, plan=None, promise=None,
        disputed=debtor.disputed, reported_paid=None, referred=False, callback=None,
        corrected=False, today=today,
    )  # fmt: skip


def pending_payment(session: Session, debtor_id: int) -> Payment | None:
    """The payment started and not final, which a second "pay" reuses instead of a new one."""
    query = (
        select(Payment)
        .where(Payment.debtor_id == debtor_id, Payment.status.in_(PENDING))
        .order_by(Payment.id.desc())
        .execution_options(populate_existing=True)
    )
    cutoff = datetime.now(UTC) - CREATING_FOR
    for payment in session.scalars(query):
        created = as_utc(payment.created_at)  # SQLite hands back naive UTC
        if payment.status != "creating" or created > cutoff:
            return payment
    return None


def _latest(
    session: Session, debtor_id: int, action: str, *, unresolved: str | None = None
) -> Outcome | None:
    """The debtor's latest outcome of this action; with ``unresolved``, None when an
    operator's note of that topic has resolved it (or a later one of the same action)."""
    query = (
        select(Outcome)
        .where(Outcome.debtor_id == debtor_id, Outcome.action == action)
        .order_by(Outcome.id.desc())
        .limit(1)
    )
    if unresolved is not None:
        query = query.where(~resolved(unresolved))
    return session.scalar(query)


def resolved(topic: str) -> ColumnElement[bool]:
    """Whether an operator's note of ``topic`` resolved the outcome in the query: a note names
    the outcome it resolves, and settles the debtor's earlier ones of that kind with it."""
    return exists().where(
        CaseNote.debtor_id == Outcome.debtor_id,
        CaseNote.topic == topic,
        CaseNote.outcome_id >= Outcome.id,
    )


def _upheld(session: Session, debtor_id: int) -> bool:
    query = select(CaseNote.id).where(
        CaseNote.debtor_id == debtor_id, CaseNote.topic == "dispute", CaseNote.verdict == "upheld"
    )
    return session.scalar(query.limit(1)) is not None


def _promise(session: Session, debtor_id: int, today: date) -> Outcome | None:
    promise = _latest(session, debtor_id, "later")
    if promise is None:
        return None
    promised = date.fromisoformat(str(promise.details.get("date")))
    return promise if promised >= today else None
