"""The outbox: messages asked for, claimed one batch at a time, and what became of each.

Asking (``schedule_links``) writes one row per debtor and channel, keyed so asking again adds
nothing. A sender claims due rows for a lease (status ``sending``, ``send_at`` moved to the
lease's end), hands each over, and writes the result at once. A sender killed mid-batch
leaves its rows ``sending``; once the lease ends another claims them again. So no message is
missed; the one message in flight at the crash may reach the server twice, with the same
Message-ID (``app.outreach.email.message_id``), which mail programs show once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.contacts import is_mobile
from app.db import insert_new
from app.models import Debtor, Message
from app.models.base import as_utc, utcnow
from app.outreach.rules import ContactRules

CHANNELS = ("email", "sms")
LEASE = timedelta(minutes=5)  # a claimed message is out of other senders' reach this long
MAX_ATTEMPTS = 10
RETRY_BASE = timedelta(minutes=1)  # after the n-th failure wait base * 2**(n-1), at most...
RETRY_MAX = timedelta(hours=6)


def link_key(channel: str, debtor_id: int) -> str:
    """A debtor is sent their link once per channel, however often it is asked for."""
    return f"link/{channel}/{debtor_id}"


def skip_reason(debtor: Debtor, channel: str) -> str | None:
    """Why this debtor gets nothing on this channel, or None."""
    if channel == "email":
        if not debtor.email:
            return "no e-mail address"
        if debtor.email_opt_out_at is not None:
            return "unsubscribed"
    else:
        if not debtor.phone:
            return "no phone number"
        if not is_mobile(debtor.phone):
            return "not a mobile number"
        if debtor.sms_opt_out_at is not None:
            return "unsubscribed"
    if debtor.case_status == "paid":
        return "already paid"
    return None


@dataclass
class SendPlan:
    """What asking to send a campaign's links did (or, dry, would do), per channel."""

    asked_at: datetime
    send_at: datetime  # the first allowed moment: ``asked_at`` or later
    queued: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)  # asked for before
    skipped: dict[str, Counter[str]] = field(default_factory=dict)  # channel -> reason -> n

    @property
    def moved(self) -> bool:
        """The contact rules moved the send to a later moment."""
        return self.send_at > self.asked_at


def schedule_links(
    session: Session,
    campaign_id: int,
    *,
    channels: Sequence[str],
    at: datetime,
    rules: ContactRules,
    dry_run: bool = False,
) -> SendPlan:
    """Queue every debtor's link on these channels for the first allowed moment from ``at``
    (in the caller's transaction; ``dry_run`` counts and writes nothing)."""
    plan = SendPlan(asked_at=as_utc(at), send_at=rules.next_allowed(at))
    asked = set(
        session.scalars(
            select(Message.key).where(Message.campaign_id == campaign_id, Message.purpose == "link")
        )
    )
    rows: list[dict[str, Any]] = []
    debtors = session.scalars(select(Debtor).where(Debtor.campaign_id == campaign_id))
    for debtor in debtors:
        for channel in channels:
            key = link_key(channel, debtor.id)
            reason = skip_reason(debtor, channel)
            if key in asked:
                plan.already[channel] += 1
            elif reason is not None:
                plan.skipped.setdefault(channel, Counter())[reason] += 1
            else:
                plan.queued[channel] += 1
                rows.append(_row(campaign_id, debtor.id, channel, key, plan.send_at))
    if not dry_run:
        for start in range(0, len(rows), 2000):
            session.execute(insert_new(session, Message, ["key"]), rows[start : start + 2000])
    return plan


def _row(campaign_id: int, debtor_id: int, channel: str, key: str, at: datetime) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "debtor_id": debtor_id,
        "channel": channel,
        "purpose": "link",
        "key": key,
        "status": "scheduled",
        "send_at": at,
        "attempts": 0,
        "created_at": utcnow(),
    }


@dataclass(frozen=True)
class Claim:
    id: int
    debtor_id: int
    channel: str
    purpose: str
    key: str
    attempts: int  # including this one


def claim(
    sessions: sessionmaker[Session],
    at: datetime,
    *,
    limit: int,
    channels: Sequence[str] = CHANNELS,
) -> list[Claim]:
    """Take up to ``limit`` due messages for a lease, oldest first.

    One statement: ``UPDATE ... WHERE id IN (SELECT ... LIMIT n [FOR UPDATE SKIP LOCKED])``
    with the due condition repeated, so on SQLite (one writer at a time) it is a
    compare-and-set and on PostgreSQL a second sender skips the rows the first one holds.
    """
    if not channels:
        return []
    due = and_(
        or_(Message.status == "scheduled", Message.status == "sending"),
        Message.send_at <= at,
        Message.channel.in_(channels),
    )
    with sessions() as session, session.begin():
        candidates = select(Message.id).where(due).order_by(Message.send_at, Message.id)
        candidates = candidates.limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        statement = (
            update(Message)
            .where(Message.id.in_(candidates.scalar_subquery()), due)
            .values(status="sending", attempts=Message.attempts + 1, send_at=at + LEASE)
            .returning(
                Message.id,
                Message.debtor_id,
                Message.channel,
                Message.purpose,
                Message.key,
                Message.attempts,
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(statement).all()
    return sorted((Claim(*row) for row in rows), key=lambda c: c.id)


def finish(session: Session, claim: Claim, **values: Any) -> bool:
    """Write what became of a claimed message, if it is still ours (no other sender took it
    after our lease ended); the caller commits. True when written."""
    result = session.execute(
        update(Message)
        .where(
            Message.id == claim.id,
            Message.status == "sending",
            Message.attempts == claim.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def sent(address: str, provider_id: str, at: datetime, parts: int | None = None) -> dict[str, Any]:
    return {
        "status": "sent",
        "sent_at": at,
        "address": address,
        "provider_id": provider_id,
        "parts": parts,
        "last_error": None,
    }


def later(at: datetime, *, why: str | None = None, undo_attempt: bool = False) -> dict[str, Any]:
    """Back to waiting until ``at``: a failure to try again (``why``), or a move by the
    contact rules, which is no attempt (``undo_attempt``)."""
    values: dict[str, Any] = {"status": "scheduled", "send_at": at, "last_error": why}
    if undo_attempt:
        values["attempts"] = Message.attempts - 1
    return values


def retry_at(claim: Claim, at: datetime) -> datetime:
    return at + min(RETRY_MAX, RETRY_BASE * int(2 ** max(0, claim.attempts - 1)))


def ended(status: str, why: str) -> dict[str, Any]:
    """``failed`` (it will not go) or ``cancelled`` (it should not go)."""
    return {"status": status, "last_error": why[:500]}


def sent_times(session: Session, debtor_id: int, since: datetime) -> list[datetime]:
    """When the debtor was sent messages since ``since``, every channel: for the weekly cap."""
    query = select(Message.sent_at).where(
        Message.debtor_id == debtor_id, Message.sent_at.is_not(None), Message.sent_at > since
    )
    return [as_utc(at) for at in session.scalars(query) if at is not None]
