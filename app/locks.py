"""One debtor's commitments, one at a time.

A double click, two tabs, the payment provider's webhook and the debtor's return from the
checkout can all arrive at once for the same debtor. Each reads what stands (is this form
stored? what is still open? is a payment pending?) and then writes; two of them reading
before either writes would both act. So a transaction that commits something for a debtor
first takes that debtor's lock, then reads, then writes, then commits before it answers:
``SELECT ... FOR UPDATE`` on the debtor's row on PostgreSQL, the database's write lock
(``BEGIN IMMEDIATE``) on SQLite. Both wait a bounded time (``app.db``), never forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.case_status import announce
from app.db import IMMEDIATE
from app.models import Campaign, Debtor
from app.models.base import as_utc, utcnow


class LinkEndedError(LookupError):
    """The debtor's campaign was purged or its links ended while the request was on its way:
    nothing is stored (the purge has scrubbed what there was)."""


class BusyError(RuntimeError):
    """The lock could not be had in time (another request holds it, or the database is
    away): nothing was stored, and the same request may be sent again."""


@contextmanager
def debtor_locked(
    session: Session, debtor_id: int, *, link_alive: bool = True, today: date | None = None
) -> Iterator[Debtor]:
    """The debtor, read afresh under their lock; what the block adds is committed at its end,
    or rolled back when it raises. Given ``today``, a change of the case's status that the
    block made is announced before the commit (``app.case_status``).

    With ``link_alive`` (what a debtor does), a purged or ended campaign raises
    ``LinkEndedError``; the provider's word on a payment is taken all the same.

    Whatever the session read before is committed first (a read transaction on SQLite cannot
    take the write lock once another writer has committed), and what it holds is read again.
    """
    session.commit()
    try:
        connection = session.connection(execution_options={IMMEDIATE: True})
        if connection.dialect.name == "sqlite":
            # the write lock before anything is read, whatever began the transaction: a
            # write as the first statement waits its turn and then reads what is committed
            connection.execute(update(Debtor).where(Debtor.id == debtor_id).values(id=Debtor.id))
        query = (
            select(Debtor)
            .where(Debtor.id == debtor_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        debtor = session.scalars(query).one()
        ended = link_alive and _link_ended(session, debtor.campaign_id)
    except OperationalError as exc:
        session.rollback()
        raise BusyError(str(exc.orig)) from exc
    if ended:
        session.rollback()
        raise LinkEndedError(f"debtor {debtor_id}: the campaign is purged or its links ended")
    try:
        yield debtor
        if today is not None:
            announce(session, debtor, today)
    except BaseException:
        session.rollback()  # a refused form stores nothing, and the lock is let go at once
        raise
    try:
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise BusyError(str(exc.orig)) from exc


def _link_ended(session: Session, campaign_id: int) -> bool:
    """Whether the campaign is purged or past its links' end, read under a share lock of its
    row on PostgreSQL: a purge locks it for update first, so one waits for the other."""
    query = (
        select(Campaign.purged_at, Campaign.expires_at)
        .where(Campaign.id == campaign_id)
        .with_for_update(read=True)
    )
    purged_at, expires_at = session.execute(query).one()
    if purged_at is not None:
        return True
    if expires_at is None:
        return False
    return bool(as_utc(expires_at) <= utcnow())
