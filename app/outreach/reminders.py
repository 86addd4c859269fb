"""Reminders, as rules per campaign: a debtor who did not open their link, a pay-later date or
an instalment due tomorrow, a promise broken.

A reminder goes only on the channels the debtor's link went by, and only while the case
needs it: who paid, disputes the claim, says they already paid or was referred to debt help
gets none (checked again when it is sent, by ``reminder_now``). Each is keyed by what it is
about, so finding it again on the next round adds nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.case import Case, Due, case_of
from app.db import insert_new
from app.models import Campaign, Debtor, Event, Installment, Message, Outcome, StatusChange
from app.models.base import as_utc, utcnow
from app.outreach.outbox import skip_reason
from app.outreach.rules import ContactRules
from app.outreach.wording import Occasion

KINDS = ("not_opened", "promise", "instalment", "broken")
QUIET_STATUSES = ("paid", "disputed", "review", "help")  # no reminder while the case is so
BROKEN_WITHIN = timedelta(days=3)  # a broken promise found later than this is left alone


@dataclass(frozen=True)
class ReminderRules:
    """A campaign's reminders (``Campaign.reminders``; None there means these defaults)."""

    not_opened_days: int = 3  # a reminder this many days after the link, and again (0: none)
    not_opened_max: int = 2  # at most this many of them
    before_due: bool = True  # the day before a pay-later date or an instalment
    broken: bool = True  # after a pay-later date passed unpaid or a plan fell behind

    @classmethod
    def of(cls, campaign: Campaign) -> ReminderRules:
        stored = campaign.reminders or {}
        return cls(**{k: v for k, v in stored.items() if k in cls.__dataclass_fields__})

    def stored(self) -> dict[str, Any]:
        return asdict(self)

    def described(self) -> list[str]:
        """The rules in words, for the command line and the campaign page."""
        if self.not_opened_days and self.not_opened_max:
            days, most = self.not_opened_days, self.not_opened_max
            first = f"not opened: after {days} days, at most {most} times"
        else:
            first = "not opened: no reminder"
        return [
            first,
            f"the day before a date to pay: {'yes' if self.before_due else 'no'}",
            f"after a broken promise: {'yes' if self.broken else 'no'}",
        ]


def reminder_key(kind: str, about: int, channel: str, debtor_id: int) -> str:
    """``not_opened/2/email/17``: the second not-opened reminder; else the id of what it is
    about (the promise, the instalment, the status change)."""
    return f"{kind}/{about}/{channel}/{debtor_id}"


def about_id(key: str) -> int:
    return int(key.split("/")[1])


@dataclass(frozen=True)
class Found:
    debtor_id: int
    kind: str
    about: int


def queue_reminders(session: Session, *, today: date, now: datetime, rules: ContactRules) -> int:
    """Queue every reminder due now in the live campaigns (the caller commits); returns how
    many messages were added."""
    added = 0
    campaigns = session.scalars(select(Campaign).where(Campaign.purged_at.is_(None)))
    for campaign in list(campaigns):
        if campaign.links_ended(now):
            continue
        found = _found(session, campaign, ReminderRules.of(campaign), today, now)
        added += _queue(session, campaign.id, found, today, rules.next_allowed(now))
    return added


def _found(
    session: Session, campaign: Campaign, rules: ReminderRules, today: date, now: datetime
) -> list[Found]:
    found: list[Found] = []
    if rules.not_opened_days > 0 and rules.not_opened_max > 0:
        found += _not_opened(session, campaign.id, rules, now)
    if rules.before_due:
        found += _due_tomorrow(session, campaign.id, today)
    if rules.broken:
        found += _broken(session, campaign.id, now)
    return found


def _link_sent(campaign_id: int) -> Any:
    return (
        select(Message.debtor_id, func.min(Message.sent_at).label("first"))
        .where(Message.campaign_id == campaign_id, Message.purpose == "link")
        .where(Message.sent_at.is_not(None))
        .group_by(Message.debtor_id)
        .subquery()
    )


def _not_opened(
    session: Session, campaign_id: int, rules: ReminderRules, now: datetime
) -> list[Found]:
    """Debtors whose link went out and who never opened it: reminder n is due
    ``n * not_opened_days`` after the first link."""
    sent = _link_sent(campaign_id)
    opened = select(Event.debtor_id).where(Event.debtor_id == sent.c.debtor_id)
    opened = opened.where(Event.type == "open")
    query = select(sent.c.debtor_id, sent.c.first).where(~opened.exists())
    found = []
    for debtor_id, first in session.execute(query):
        elapsed = now - as_utc(first)
        due = min(rules.not_opened_max, elapsed // timedelta(days=rules.not_opened_days))
        found += [Found(debtor_id, "not_opened", n) for n in range(1, due + 1)]
    return found


def _due_tomorrow(session: Session, campaign_id: int, today: date) -> list[Found]:
    """Pay-later dates and instalments that fall tomorrow (whether still unpaid is for
    ``reminder_now``, which reads the case)."""
    tomorrow = today + timedelta(days=1)
    in_campaign = select(Debtor.id).where(Debtor.campaign_id == campaign_id)
    promises = session.execute(
        select(Outcome.id, Outcome.debtor_id, Outcome.details).where(
            Outcome.action == "later", Outcome.debtor_id.in_(in_campaign)
        )
    )
    found = [
        Found(debtor_id, "promise", outcome_id)
        for outcome_id, debtor_id, details in promises
        if str((details or {}).get("date")) == tomorrow.isoformat()
    ]
    instalments = session.execute(
        select(Installment.id, Outcome.debtor_id)
        .join(Outcome, Outcome.id == Installment.outcome_id)
        .where(Installment.due == tomorrow, Outcome.debtor_id.in_(in_campaign))
    )
    found += [Found(debtor_id, "instalment", about) for about, debtor_id in instalments]
    return found


def _broken(session: Session, campaign_id: int, now: datetime) -> list[Found]:
    """The calendar moved the case from a promise to open, or from a plan to behind."""
    query = (
        select(StatusChange.id, StatusChange.debtor_id)
        .join(Debtor, Debtor.id == StatusChange.debtor_id)
        .where(Debtor.campaign_id == campaign_id)
        .where(StatusChange.created_at >= now - BROKEN_WITHIN)
        .where(
            ((StatusChange.previous == "promised") & (StatusChange.status == "open"))
            | ((StatusChange.previous == "plan") & (StatusChange.status == "behind"))
        )
    )
    return [Found(debtor_id, "broken", about) for about, debtor_id in session.execute(query)]


def _queue(
    session: Session, campaign_id: int, found: list[Found], today: date, send_at: datetime
) -> int:
    if not found:
        return 0
    channels = _link_channels(session, campaign_id)
    debtors = {d.id: d for d in session.scalars(
        select(Debtor).where(Debtor.id.in_({f.debtor_id for f in found}))
    )}  # fmt: skip
    rows = []
    for item in found:
        debtor = debtors[item.debtor_id]
        if reminder_now(session, debtor, item.kind, item.about, today) is None:
            continue
        for channel in channels.get(item.debtor_id, ()):
            if skip_reason(debtor, channel) is None:
                key = reminder_key(item.kind, item.about, channel, debtor.id)
                rows.append(_row(campaign_id, debtor.id, channel, item.kind, key, send_at))
    if not rows:
        return 0
    statement = insert_new(session, Message, ["key"]).returning(Message.id)
    return len(session.execute(statement, rows).all())


def _link_channels(session: Session, campaign_id: int) -> dict[int, set[str]]:
    query = select(Message.debtor_id, Message.channel).where(
        Message.campaign_id == campaign_id,
        Message.purpose == "link",
        Message.sent_at.is_not(None),
    )
    channels: dict[int, set[str]] = {}
    for debtor_id, channel in session.execute(query):
        channels.setdefault(debtor_id, set()).add(channel)
    return channels


def _row(
    campaign_id: int, debtor_id: int, channel: str, kind: str, key: str, at: datetime
) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id, "debtor_id": debtor_id, "channel": channel,
        "purpose": kind, "key": key, "status": "scheduled", "send_at": at, "attempts": 0,
        "created_at": utcnow(),
    }  # fmt: skip


def reminder_now(
    session: Session, debtor: Debtor, kind: str, about: int, today: date
) -> tuple[Occasion, int] | None:
    """What the reminder says now (the date and amount it is about, and what is open), or
    None when the case no longer asks for it: asked when it is found, and when it goes."""
    case = case_of(session, debtor, today)
    if case.status in QUIET_STATUSES:
        return None
    if kind == "not_opened":
        opened = select(Event.id).where(Event.debtor_id == debtor.id, Event.type == "open")
        if session.scalar(opened.limit(1)) is not None:
            return None
        return Occasion(kind), case.open_cents
    if kind == "promise":
        if case.promise is None or case.promise.id != about or not case.dues:
            return None
        promised = case.dues[0]
        return Occasion(kind, promised.day, promised.left_cents), case.open_cents
    if kind == "instalment":
        due = _instalment_due(session, case, about)
        if due is None or due.paid:
            return None
        return Occasion(kind, due.day, due.left_cents, due.number), case.open_cents
    # broken: until it is mended
    return (Occasion(kind), case.open_cents) if case.status in ("open", "behind") else None


def _instalment_due(session: Session, case: Case, installment_id: int) -> Due | None:
    """The plan's due of this instalment, if it belongs to the plan that stands."""
    instalment = session.get(Installment, installment_id)
    if instalment is None or case.plan is None or instalment.outcome_id != case.plan.id:
        return None
    return next((d for d in case.dues if d.number == instalment.number), None)
