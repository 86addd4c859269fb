"""Everything that happened on a debtor's case, in the order it happened, for the operator's
debtor page: the link opened, the parts of the video watched, the choices, the steps, the
payments, the documents sent, the operators' notes and the status changes.

A playing video reports many small events (play, pause, progress); the timeline keeps the ones
an operator acts on, and shows a part of the video watched once, however often it was seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CaseNote, Debtor, Document, Event, Outcome, Payment, StatusChange, User
from app.models.base import as_utc

# the player's events an operator cares about, and how they read
SHOWN_EVENTS = ("open", "language", "choice", "segment_end", "step_open")
MAX_EVENTS = 500  # the newest, on a debtor who played the video very many times


@dataclass(frozen=True)
class Entry:
    at: datetime  # UTC
    kind: str  # event, outcome, payment, document, note, status
    label: str
    detail: str = ""
    document_id: int | None = None


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
