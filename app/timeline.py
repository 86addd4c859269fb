"""Everything that happened on a debtor's case, in the order it happened, for the operator's
debtor page: the link opened, the parts of the video watched, the choices, the steps, the
payments, the documents sent, the operators' notes and the status changes; and the messages
sent to them (or not sent, and why), and when they unsubscribed.

A playing video reports many small events (play, pause, progress); the timeline keeps the ones
an operator acts on, and shows a part of the video watched once, however often it was seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    CaseNote,
    Debtor,
    Document,
    Event,
    Message,
    Outcome,
    Payment,
    StatusChange,
    User,
)
from app.models.base import as_utc
from app.outreach.plans import CHANNEL_NAMES

# the player's events an operator cares about, and how they read
SHOWN_EVENTS = ("open", "language", "choice", "segment_end", "step_open")
MAX_EVENTS = 500  # the newest, on a debtor who played the video very many times


@dataclass(frozen=True)
class Entry:
    at: datetime  # UTC
    kind: str  # event, outcome, payment, document, note, status, message, opt-out
    label: str
    detail: str = ""
    document_id: int | None = None
    when: datetime | None = None  # UTC: the moment the label ends with (scheduled for ...)
    channel: str | None = None  # a message's or an opt-out's: email, sms


def timeline(
    session: Session,
    debtor: Debtor,
    *,
    title: Callable[[str], str],
    outcome_text: Callable[[Outcome], tuple[str, str]],
    money: Callable[[int], str],
) -> list[Entry]:
    """The debtor's case, newest first. ``title`` names a node, ``outcome_text`` gives an
    outcome's label and details, ``money`` formats cents: the page's own formatting."""
    entries = _events(session, debtor, title)
    for outcome in session.scalars(select(Outcome).where(Outcome.debtor_id == debtor.id)):
        label, detail = outcome_text(outcome)
        entries.append(Entry(as_utc(outcome.created_at), "outcome", label, detail))
    for payment in session.scalars(select(Payment).where(Payment.debtor_id == debtor.id)):
        how = "confirmed by an operator" if payment.provider == "operator" else payment.provider
        label = f"Payment {money(payment.amount_cents)}: {payment.status}"
        entries.append(Entry(as_utc(payment.created_at), "payment", label, how))
    for document in session.scalars(select(Document).where(Document.debtor_id == debtor.id)):
        label = f"Document sent: {document.filename}"
        size = f"{document.media_type}, {max(document.size_bytes // 1024, 1)} KB"
        entries.append(Entry(as_utc(document.created_at), "document", label, size, document.id))
    entries += _notes(session, debtor)
    entries += _messages(session, debtor) + _opt_outs(debtor)
    for change in session.scalars(select(StatusChange).where(StatusChange.debtor_id == debtor.id)):
        label = f"Status: {change.previous} → {change.status}"
        entries.append(Entry(as_utc(change.created_at), "status", label, ""))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _events(session: Session, debtor: Debtor, title: Callable[[str], str]) -> list[Entry]:
    query = (
        select(Event.type, Event.node, Event.language, Event.data, Event.received_at)
        .where(Event.debtor_id == debtor.id, Event.type.in_(SHOWN_EVENTS))
        .order_by(Event.id.desc())
        .limit(MAX_EVENTS)
    )
    entries, watched = [], set()
    for kind, node, language, data, at in reversed(session.execute(query).all()):
        if kind == "segment_end":
            if node in watched:
                continue
            watched.add(node)
        label = _event_label(kind, node, language, data or {}, title)
        entries.append(Entry(as_utc(at), "event", label))
    return entries


def _event_label(
    kind: str,
    node: str | None,
    language: str | None,
    data: dict[str, object],
    title: Callable[[str], str],
) -> str:
    where = title(node) if node else ""
    if kind == "open":
        return "Opened the link" + (f" ({language})" if language else "")
    if kind == "language":
        return f"Chose the language {language or data.get('language') or '—'}"
    if kind == "choice":
        target = data.get("target")
        return f"At “{where}” chose “{title(str(target)) if target else '—'}”"
    if kind == "segment_end":
        return f"Watched “{where}”"
    return f"Opened the step “{where}”"


def _notes(session: Session, debtor: Debtor) -> list[Entry]:
    query = (
        select(CaseNote, User.email)
        .outerjoin(User, User.id == CaseNote.user_id)
        .where(CaseNote.debtor_id == debtor.id)
    )
    entries = []
    for note, email in session.execute(query):
        label = NOTE_LABELS.get((note.topic, note.verdict), "Note")
        who = email or "an operator"
        entries.append(Entry(as_utc(note.created_at), "note", f"{label} ({who})", note.text))
    return entries


NOTE_LABELS = {
    ("note", None): "Note",
    ("dispute", "rejected"): "Dispute rejected: the claim stands",
    ("dispute", "upheld"): "Dispute upheld: the claim corrected",
    ("review", "confirmed"): "Reported payment confirmed",
    ("review", "rejected"): "Reported payment not found",
    ("callback", "done"): "Called back",
}


PURPOSES = {  # what a message was for, as its entry says it
    "link": "your link",
    "not_opened": "reminder, the link not opened yet",
    "promise": "reminder of the promised payment",
    "instalment": "reminder of an instalment",
    "broken": "reminder, the plan is behind",
}


def _messages(session: Session, debtor: Debtor) -> list[Entry]:
    """A message where it stands: scheduled (for when), sent (then delivered or not), failed
    or not sent, and why; each at the moment it happened."""
    query = select(Message).where(Message.debtor_id == debtor.id).order_by(Message.id)
    return [
        Entry(at, "message", label, detail, when=when, channel=message.channel)
        for message in session.scalars(query)
        for at, label, detail, when in _message_steps(message)
    ]


def _message_steps(message: Message) -> list[tuple[datetime, str, str, datetime | None]]:
    name = CHANNEL_NAMES.get(message.channel, message.channel)
    what = PURPOSES.get(message.purpose, message.purpose.replace("_", " "))
    why, asked = message.last_error or "", as_utc(message.created_at)
    steps: list[tuple[datetime, str, str, datetime | None]] = []
    if message.status == "scheduled":
        steps.append((asked, f"{name} scheduled for", what, as_utc(message.send_at)))
    elif message.status == "sending":
        steps.append((asked, f"{name} being sent", what, None))
    elif message.status == "failed":
        steps.append((asked, f"{name} failed: {why or 'not sent'}", what, None))
    elif message.status == "cancelled":
        steps.append((asked, f"{name} not sent: {why or 'cancelled'}", what, None))
    if message.sent_at is not None:
        sent_at = as_utc(message.sent_at)
        parts = f" ({message.parts} parts)" if (message.parts or 0) > 1 else ""
        steps.append((sent_at, f"{name} sent: {what}{parts}", message.address or "", None))
        reported = as_utc(message.delivered_at) if message.delivered_at else sent_at
        if message.status == "delivered":
            steps.append((reported, f"{name} delivered", "", None))
        elif message.status == "bounced":
            steps.append((reported, f"{name} did not arrive", why, None))
    return steps


def _opt_outs(debtor: Debtor) -> list[Entry]:
    """When the debtor stopped a channel's messages (an unsubscribe link, a STOP by SMS)."""
    found = [("email", debtor.email_opt_out_at, "e-mails"), ("sms", debtor.sms_opt_out_at, "SMS")]
    return [
        Entry(as_utc(at), "opt-out", f"Unsubscribed from {what}", channel=channel)
        for channel, at, what in found
        if at is not None
    ]
