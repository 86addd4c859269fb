"""Sending what is due: each claimed message checked against the rules once more, written in
the debtor's language, handed over, and its result written down before the next.

The rules are checked again at the moment of sending, not only when the send was asked for:
a sender that was down all evening must not catch up at 23:00, a debtor who unsubscribed
after the campaign was queued gets nothing more, and one who paid is not sent their link.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.contacts import phone_zone
from app.models import Campaign, Debtor
from app.models.base import as_utc, utcnow
from app.outreach import outbox
from app.outreach.email import Envelope, Mailer, MailError, build_email
from app.outreach.outbox import Claim
from app.outreach.reminders import KINDS, about_id, reminder_now
from app.outreach.rules import WEEK, ContactRules
from app.outreach.sms import SmsError, SmsProvider
from app.outreach.texts import Addressee, link_letter, link_sms
from app.outreach.wording import LINK, Occasion
from app.tokens import token_for
from app.web.urls import link_url, unsubscribe_url


@dataclass
class Postage:
    """What sending needs: where to send from, the rules, and the channels' connections
    (``mailer`` None: e-mail is not set up, and e-mail messages wait)."""

    sessions: sessionmaker[Session]
    rules: ContactRules
    key: bytes  # the server's secret: links are derived from it
    base_url: str
    creditor: str
    mail_from: str | None
    mailer: Mailer | None
    sms: SmsProvider | None
    per_minute: int = 0  # at most this many messages a minute (0: as fast as they go)
    sms_callback_url: str | None = None  # where the SMS provider reports delivery
    # the creditor a debtor's messages come from: the name in their scene's brand
    creditor_for: Callable[[str], str] | None = None

    def creditor_of(self, scene_id: str) -> str:
        return self.creditor_for(scene_id) if self.creditor_for else self.creditor

    @property
    def channels(self) -> list[str]:
        ready = {"email": self.mailer is not None and bool(self.mail_from), "sms": bool(self.sms)}
        return [channel for channel in outbox.CHANNELS if ready[channel]]

    def close(self) -> None:
        if self.mailer is not None:
            self.mailer.close()
        if self.sms is not None:
            self.sms.close()


@dataclass
class SendReport:
    sent: int = 0
    moved: int = 0  # the contact rules moved it to a later moment
    retried: int = 0  # failed; another attempt is scheduled
    failed: int = 0
    cancelled: int = 0  # no longer to be sent (unsubscribed, paid, the campaign ended)
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.moved + self.retried + self.failed + self.cancelled


class Throttle:
    """At most ``per_minute`` messages a minute, evenly spaced (0: no limit)."""

    def __init__(self, per_minute: int, stop: threading.Event | None = None) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.stop = stop or threading.Event()
        self._next = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        delay = self._next - time.monotonic()
        if delay > 0:
            self.stop.wait(delay)
        self._next = max(self._next, time.monotonic()) + self.interval


def send_due(
    postage: Postage,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    stop: threading.Event | None = None,
    batch: int = 50,
    clock: Callable[[], datetime] | None = None,
) -> SendReport:
    """Send every due message (at most ``limit``), a batch of claims at a time. ``now`` fixes
    the time, ``clock`` tells it (default: the wall clock); a channel that is down is left
    alone for the rest of the run."""
    report = SendReport()
    told = clock or ((lambda: now) if now else utcnow)

    def utc() -> datetime:  # in UTC: SQLite keeps what it is given, without its zone
        return as_utc(told())

    stop = stop or threading.Event()
    throttle = Throttle(postage.per_minute, stop)
    channels = postage.channels
    while channels and not stop.is_set() and (limit is None or report.handled < limit):
        size = batch if limit is None else min(batch, limit - report.handled)
        claims = outbox.claim(postage.sessions, utc(), limit=size, channels=channels)
        if not claims:
            break
        with postage.sessions() as session:
            for index, claimed in enumerate(claims):
                if stop.is_set() or claimed.channel not in channels:
                    _release(session, claims[index:], utc())
                    break
                result = _handle(postage, session, claimed, utc, throttle)
                setattr(report, result.outcome, getattr(report, result.outcome) + 1)
                if result.error:
                    report.errors.append(
                        f"message {claimed.id} ({claimed.channel}): {result.error}"
                    )
                if result.down:
                    channels = [c for c in channels if c != claimed.channel]
    return report


def _release(session: Session, claims: list[Claim], at: datetime) -> None:
    """Give back claims not sent (stopping, or their channel went down): due again at once."""
    for claimed in claims:
        outbox.finish(session, claimed, **outbox.later(at, undo_attempt=True))
    session.commit()


@dataclass(frozen=True)
class _Result:
    outcome: str  # a SendReport counter
    error: str | None = None
    down: bool = False


def _handle(
    postage: Postage,
    session: Session,
    claimed: Claim,
    clock: Callable[[], datetime],
    throttle: Throttle,
) -> _Result:
    """Check, send and write down one message; committed before the next."""
    row = session.execute(
        select(Debtor, Campaign)
        .join(Campaign, Campaign.id == Debtor.campaign_id)
        .where(Debtor.id == claimed.debtor_id)
    ).first()
    decided = _decide(postage, session, claimed, row, clock())
    if isinstance(decided, _Result):
        result = decided
    else:
        assert row is not None
        throttle.wait()
        result = _deliver(postage, session, claimed, row[0], decided, clock)
    session.commit()
    return result


def _decide(
    postage: Postage,
    session: Session,
    claimed: Claim,
    row: tuple[Debtor, Campaign] | None,
    now: datetime,
) -> _Result | tuple[Occasion, int | None]:
    """The outcome when the message is not to go now, else what it says (its occasion and
    what is open)."""
    if row is None or row[1].purged_at is not None or row[1].links_ended(now):
        outbox.finish(session, claimed, **outbox.ended("cancelled", "the campaign has ended"))
        return _Result("cancelled")
    debtor = row[0]
    reason = outbox.skip_reason(debtor, claimed.channel)
    if reason is not None:
        outbox.finish(session, claimed, **outbox.ended("cancelled", reason))
        return _Result("cancelled")
    said: tuple[Occasion, int | None] | None = (LINK, debtor.amount_cents)
    if claimed.purpose in KINDS:
        today = _today(postage, now)
        said = reminder_now(session, debtor, claimed.purpose, about_id(claimed.key), today)
    if said is None:
        outbox.finish(session, claimed, **outbox.ended("cancelled", "no longer needed"))
        return _Result("cancelled")
    rules = _rules_for(postage.rules, phone_zone(debtor.phone))
    when = rules.when(now, outbox.sent_times(session, debtor.id, now - WEEK))
    if when > now:
        outbox.finish(session, claimed, **outbox.later(when, undo_attempt=True))
        return _Result("moved")
    return said


def _today(postage: Postage, now: datetime) -> date:
    """The creditor's date: promises and instalments fall due by it."""
    return now.astimezone(ZoneInfo(postage.rules.timezone)).date()


@cache
def _rules_for(rules: ContactRules, zone: str | None) -> ContactRules:
    """The rules in the debtor's own time zone, when their number tells it."""
    return rules if zone is None else replace(rules, timezone=zone)


def _deliver(
    postage: Postage,
    session: Session,
    claimed: Claim,
    debtor: Debtor,
    said: tuple[Occasion, int | None],
    clock: Callable[[], datetime],
) -> _Result:
    occasion, open_cents = said
    token = token_for(postage.key, debtor.token_salt)
    link = link_url(postage.base_url, token)
    to = Addressee(
        name=debtor.name,
        language=debtor.language,
        amount_cents=open_cents,
        link=link,
        unsubscribe=postage.base_url.rstrip("/") + unsubscribe_url(token, claimed.channel),
        creditor=postage.creditor_of(debtor.scene_id),
    )
    try:
        if claimed.channel == "email":
            values = _email(postage, claimed, debtor, to, occasion, clock)
        else:
            values = _sms(postage, claimed, debtor, to, occasion, clock)
    except (MailError, SmsError) as exc:
        return _failed(session, claimed, exc, clock())
    outbox.finish(session, claimed, **values)
    return _Result("sent")


def _email(
    postage: Postage,
    claimed: Claim,
    debtor: Debtor,
    to: Addressee,
    occasion: Occasion,
    clock: Callable[[], datetime],
) -> dict[str, object]:
    assert postage.mailer is not None and postage.mail_from and debtor.email
    envelope = Envelope(postage.mail_from, to.creditor, debtor.email, claimed.key, to.unsubscribe)
    message = build_email(link_letter(to, occasion), envelope, to.link)
    postage.mailer.send(message, postage.mail_from, debtor.email)
    return outbox.sent(debtor.email, str(message["Message-ID"]), clock())


def _sms(
    postage: Postage,
    claimed: Claim,
    debtor: Debtor,
    to: Addressee,
    occasion: Occasion,
    clock: Callable[[], datetime],
) -> dict[str, object]:
    assert postage.sms is not None and debtor.phone
    receipt = postage.sms.send(
        to=debtor.phone,
        text=link_sms(to, occasion),
        reference=claimed.key,
        callback_url=postage.sms_callback_url,
    )
    return outbox.sent(debtor.phone, receipt.provider_id, clock(), receipt.parts)


def _failed(session: Session, claimed: Claim, exc: MailError | SmsError, now: datetime) -> _Result:
    down = isinstance(exc, MailError) and exc.down
    if exc.transient and claimed.attempts < outbox.MAX_ATTEMPTS:
        wait = getattr(exc, "retry_after", None)
        at = outbox.retry_at(claimed, now)
        if wait:
            at = max(at, now + timedelta(seconds=float(wait)))
        outbox.finish(session, claimed, **outbox.later(at, why=str(exc)[:500]))
        return _Result("retried", str(exc), down)
    outbox.finish(session, claimed, **outbox.ended("failed", str(exc)))
    return _Result("failed", str(exc), down)
