"""Telling when a case's status moves.

The status is derived (``app.case``); ``Debtor.case_status`` keeps the one last announced, so
a commitment, a payment or an operator's resolution that moves it writes a ``StatusChange``
and queues a ``case.status_changed`` webhook in the same transaction. ``debtor_locked`` does
this at the end of every block given a ``today``. Time moves cases too (a promised date
passes, an instalment falls due unpaid): ``app.background`` sweeps those once a day.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.case import case_of
from app.models import Debtor, StatusChange
from app.webhooks import enqueue_status_change

# the statuses that change by the calendar alone
TIMED = ("promised", "plan")


def announce(session: Session, debtor: Debtor, today: date) -> StatusChange | None:
    """Write down and queue the change when the status now differs from the one last
    announced; the caller holds the debtor's lock and commits."""
    session.flush()  # what the block added counts
    case = case_of(session, debtor, today)
    if case.status == debtor.case_status:
        return None
    change = StatusChange(
        debtor_id=debtor.id,
        previous=debtor.case_status,
        status=case.status,
        open_cents=case.open_cents,
        paid_cents=case.paid_cents,
    )
    debtor.case_status = case.status
    session.add(change)
    enqueue_status_change(session, change, debtor)
    return change
