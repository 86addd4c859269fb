"""What an operator decides on a case, and what it changes.

Each decision is a ``CaseNote`` that names the outcome it resolves, written under the debtor's
lock with the status change it makes (``app.case_status``), so the webhook and the debtor's
next visit see it at once:

- a **dispute** is ``rejected`` (the claim stands: collection goes on) or ``upheld`` (the
  claim is corrected to the amount the operator gives, 0 when nothing is owed);
- a reported payment (**review**) is ``confirmed`` (the amount received is recorded as a
  payment, which lowers what is open) or ``rejected`` (we found no payment);
- a **callback** is ``done``;
- a plain **note** changes nothing.

Every rule is checked here, not in the page: a resolution of something already resolved, of
another debtor's outcome, or with an amount out of range is refused with a message that says
why, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case import Case, case_of
from app.locks import debtor_locked
from app.models import CaseNote, Debtor, Outcome, Payment

VERDICTS = {
    "note": (None,),
    "dispute": ("rejected", "upheld"),
    "review": ("confirmed", "rejected"),
    "callback": ("done",),
}
AMOUNTS = ("upheld", "confirmed")  # the verdicts that take an amount
MAX_TEXT = 3000  # the form's fields are cut at 4,000: longer is refused, never cut


class ResolutionError(ValueError):
    """The decision cannot be taken as asked; the message says why."""


@dataclass(frozen=True)
class Decision:
    """What the operator asked for, as the form sent it (checked by ``resolve``)."""

    topic: str
    verdict: str | None = None
    outcome_id: int | None = None
    amount_cents: int | None = None
    text: str = ""


def resolve(
    session: Session, debtor_id: int, decision: Decision, *, user_id: int | None, today: date
) -> CaseNote:
    """Take the decision for the debtor's case and commit it (or refuse it, storing nothing)."""
    if decision.topic not in VERDICTS or decision.verdict not in VERDICTS[decision.topic]:
        raise ResolutionError("Choose what you decided from the list.")
    text = decision.text.strip()
    if len(text) > MAX_TEXT:
        raise ResolutionError(f"The note is longer than {MAX_TEXT} characters.")
    if decision.topic == "note" and not text:
        raise ResolutionError("Write the note.")
    with debtor_locked(session, debtor_id, link_alive=False, today=today) as debtor:
        case = case_of(session, debtor, today)
        outcome = _resolved_outcome(session, debtor, case, decision)
        note = CaseNote(
            debtor_id=debtor.id,
            user_id=user_id,
            topic=decision.topic,
            outcome_id=outcome.id if outcome else None,
            verdict=decision.verdict,
            amount_cents=decision.amount_cents if decision.verdict in AMOUNTS else None,
            text=text,
        )
        session.add(note)
        session.flush()
        _apply(session, debtor, case, note, outcome)
    return note


def _resolved_outcome(
    session: Session, debtor: Debtor, case: Case, decision: Decision
) -> Outcome | None:
    """The outcome the decision resolves: the one still open for its topic (a dispute while
    the debtor is disputed, the reported payment under review, the pending callback)."""
    if decision.topic == "note":
        return None
    if decision.topic == "dispute":
        if not debtor.disputed:
            raise ResolutionError("This debtor has no open dispute.")
        query = (
            select(Outcome)
            .where(Outcome.debtor_id == debtor.id, Outcome.action == "dispute")
            .order_by(Outcome.id.desc())
            .limit(1)
        )
        outcome = session.scalar(query)
    else:
        outcome = case.reported_paid if decision.topic == "review" else case.callback
    if outcome is None:
        what = "reported payment" if decision.topic == "review" else "call-back request"
        raise ResolutionError(f"This debtor has no open {what} (it may just have been resolved).")
    if decision.outcome_id is not None and decision.outcome_id != outcome.id:
        raise ResolutionError("That one has been resolved already; the page shows what is open.")
    _check_amount(decision, case)
    return outcome


def _check_amount(decision: Decision, case: Case) -> None:
    if decision.verdict not in AMOUNTS:
        return
    cents = decision.amount_cents
    if decision.verdict == "upheld":
        if cents is None or not 0 <= cents <= case.owed_cents:
            raise ResolutionError("Give the corrected amount owed, from 0 up to what was owed.")
        if cents < case.paid_cents:
            raise ResolutionError("The corrected amount cannot be less than what was paid.")
    elif cents is None or not 0 < cents <= case.open_cents:
        raise ResolutionError("Give the amount received, more than 0 and at most what is open.")


def _apply(
    session: Session, debtor: Debtor, case: Case, note: CaseNote, outcome: Outcome | None
) -> None:
    """What the decision changes beside the note itself."""
    if note.topic == "dispute":
        debtor.disputed = False
        if note.verdict == "upheld":
            assert note.amount_cents is not None
            debtor.amount_cents = note.amount_cents
    elif note.topic == "review" and note.verdict == "confirmed" and outcome is not None:
        assert note.amount_cents is not None
        session.add(
            Payment(
                debtor_id=debtor.id,
                node=outcome.node,
                provider="operator",  # received elsewhere, confirmed by an operator
                provider_id=f"note-{note.id}",
                amount_cents=note.amount_cents,
                status="paid",
            )
        )
