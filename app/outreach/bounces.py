"""Bounces: a delivery status notification (RFC 3464) that says an e-mail did not arrive.

An SMTP server that refuses an address at once is answered in ``email.Mailer.send``; one that
accepts and fails later mails a report to the envelope sender. The operator's mail server
hands such reports to ``vidpay outbox bounce`` (a Postfix ``pipe``, a procmail rule, a file):
each report names the original message by its ``Message-ID`` (in its ``text/rfc822-headers``
or ``message/rfc822`` part), and a ``failed`` action marks that message bounced. A
``delayed`` report changes nothing: the server is still trying.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message as MailMessage

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.models import Message

MAX_BYTES = 10_000_000  # a report with the whole original attached stays far below


@dataclass(frozen=True)
class Bounce:
    message_id: str  # of the original message, <...@...>
    status: str  # the DSN's Status, e.g. 5.1.1
    diagnostic: str  # what the remote server said, if anything


def parse_bounce(raw: bytes) -> list[Bounce]:
    """The failed recipients' reports in a delivery status notification; ``ValueError`` when
    the mail is not one (so the mail server can keep it for a person to read)."""
    if len(raw) > MAX_BYTES:
        raise ValueError(f"the report is larger than {MAX_BYTES} bytes")
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    if report.get_content_type() != "multipart/report":
        raise ValueError("not a delivery status notification (no multipart/report)")
    original = _original_message_id(report)
    if original is None:
        raise ValueError("the report does not quote the original message's Message-ID")
    return [
        Bounce(original, fields.get("status", ""), fields.get("diagnostic-code", "")[:300])
        for fields in _recipient_fields(report)
        if fields.get("action", "").lower() == "failed"
    ]


def _recipient_fields(report: MailMessage) -> list[dict[str, str]]:
    """The per-recipient field groups of the ``message/delivery-status`` part."""
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        groups = payload if isinstance(payload, list) else []
        found = []
        for group in groups[1:]:  # the first group is about the reporting server
            if isinstance(group, MailMessage):
                found.append({k.lower(): " ".join(str(v).split()) for k, v in group.items()})
        return found
    raise ValueError("the report has no message/delivery-status part")


def _original_message_id(report: MailMessage) -> str | None:
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            text = part.get_payload(decode=True) or b""
            headers = email.message_from_bytes(bytes(text), policy=email.policy.compat32)
            return _clean(headers.get("Message-ID"))
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], MailMessage):
                return _clean(inner[0].get("Message-ID"))
    return None


def _clean(value: object) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def record_bounces(session: Session, bounces: list[Bounce]) -> int:
    """Mark the bounced e-mails (sent or delivered ones only: a later report of an older
    attempt never undoes anything else); the caller commits. Returns how many changed."""
    changed = 0
    for bounce in bounces:
        why = f"bounced: {bounce.status} {bounce.diagnostic}".strip()[:500]
        result = session.execute(
            update(Message)
            .where(
                Message.channel == "email",
                Message.provider_id == bounce.message_id,
                Message.status.in_(("sent", "delivered")),
            )
            .values(status="bounced", last_error=why)
            .execution_options(synchronize_session=False)
        )
        changed += int(getattr(result, "rowcount", 0) or 0)
    return changed
