"""Retention: a campaign's personal data is removed once it is no longer needed.

``purge_campaign`` (``vidpay campaign purge ID``, and automatically ``Campaign.retention_days``
after a campaign was created, from the dispatcher's daily ``purge_expired``) removes:

- from each debtor: name, e-mail, phone, the scene's variables (the CSV values), and the
  reference, which becomes ``purged-<debtor id>``; the link's token hash is replaced by a
  random one and its salt emptied, so the links answer 404 and cannot be printed again;
- from outcomes: every detail but the structural ones (dates, amounts, counts, the callback
  slot): dispute reasons, phone numbers and payment references go;
- from player events: every data field but the structural ones (choice targets, action,
  language switches), so error texts the browser sent go;
- from messages to debtors (e-mails, SMS): the address each went to, the provider's id and
  the error text (a refusal quotes the address); messages not yet sent are cancelled;
- the stored bodies of webhook deliveries for the campaign's outcomes (pending ones are
  given up);
- the documents debtors sent (proofs of payment): their rows, and the campaign's folder of
  them (``<documents>/<campaign id>/``) with every file in it;
- the debtors' folders in the media store (``debtors/d<debtor id>/``): their voice tracks and
  the manifests that list them. No video needs purging: the pictures are the same for
  everyone and hold no debtor data.

What stays is anonymous: the debtors' languages and variants, outcomes per action and node
(with installment dates and amounts), events per type and node, and ``Campaign.purged_at``.
The funnel and ``vidpay campaign outcomes`` keep working on it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import IMMEDIATE
from app.documents import delete_rows, remove_folder
from app.media import media_reference
from app.models import Campaign, CaseNote, Debtor, Event, Message, Outcome, StatusChange
from app.models.base import as_utc
from app.webhooks import scrub_deliveries
from render.debtors import debtor_folder

log = logging.getLogger("vidpay.retention")

# What is kept of outcome details and event data: structure, never free text.
OUTCOME_DETAILS = frozenset(
    {"installments", "first_date", "total_cents", "amount_cents", "date", "slot", "referred"}
)
EVENT_DATA = frozenset({"target", "action", "auto", "on", "from", "to", "start"})
_IDENTIFIER = re.compile(r"[A-Za-z0-9_:.-]{1,64}")


@dataclass
class PurgeReport:
    campaign_id: int
    debtors: int = 0
    outcomes: int = 0
    events: int = 0
    deliveries: int = 0
    messages: int = 0
    documents: int = 0
    files: list[Path] = field(default_factory=list)


def _structural(value: Any) -> bool:
    if isinstance(value, bool | int | float) or value is None:
        return True
    return isinstance(value, str) and _IDENTIFIER.fullmatch(value) is not None


def scrub_details(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k in OUTCOME_DETAILS and _structural(v)}


def scrub_event_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in EVENT_DATA and _structural(v)}


def scrub(session: Session, campaign: Campaign, *, now: datetime | None = None) -> PurgeReport:
    """Remove the campaign's personal data from the database, in the caller's transaction."""
    report = PurgeReport(campaign.id)
    debtor_ids = list(session.scalars(select(Debtor.id).where(Debtor.campaign_id == campaign.id)))
    report.debtors = len(debtor_ids)
    if debtor_ids:
        session.execute(
            update(Debtor),
            [
                {
                    "id": debtor_id,
                    "reference": f"purged-{debtor_id}",
                    "name": "",
                    "email": None,
                    "phone": None,
                    "values": {},
                    "token_salt": "",
                    "token_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                    "verify_hash": None,
                    "verify_locked_until": None,
                }
                for debtor_id in debtor_ids
            ],
        )
    in_campaign = select(Debtor.id).where(Debtor.campaign_id == campaign.id)
    outcomes = session.execute(
        select(Outcome.id, Outcome.submission, Outcome.details).where(
            Outcome.debtor_id.in_(in_campaign)
        )
    ).all()
    changed = [
        {"id": oid, "details": scrub_details(details or {})}
        for oid, _, details in outcomes
        if scrub_details(details or {}) != (details or {})
    ]
    if changed:
        session.execute(update(Outcome), changed)
    report.outcomes = len(changed)
    events = session.execute(
        select(Event.id, Event.data).where(Event.debtor_id.in_(in_campaign))
    ).all()
    changed = [
        {"id": eid, "data": scrub_event_data(data or {})}
        for eid, data in events
        if scrub_event_data(data or {}) != (data or {})
    ]
    if changed:
        session.execute(update(Event), changed)
    report.events = len(changed)
    report.deliveries = _scrub_case_file(session, in_campaign, [(o, sub) for o, sub, _ in outcomes])
    report.messages = _scrub_messages(session, campaign.id)
    campaign.purged_at = now or datetime.now(UTC)
    session.flush()
    return report


def _scrub_messages(session: Session, campaign_id: int) -> int:
    """Where messages went and what the servers said; the status stays for the funnel."""
    base = update(Message).where(Message.campaign_id == campaign_id)
    session.execute(
        base.where(Message.status.in_(("scheduled", "sending")))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        base.values(address=None, provider_id=None, last_error=None).execution_options(
            synchronize_session=False
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _scrub_case_file(
    session: Session, in_campaign: Select[int], outcomes: list[tuple[int, str]]
) -> int:
    """Empty the webhook bodies of the outcomes and status changes, and the operators' notes
    (what they wrote about a person is personal too); returns the deliveries changed."""
    changes = session.scalars(
        select(StatusChange.id).where(StatusChange.debtor_id.in_(in_campaign))
    ).all()
    session.execute(
        update(CaseNote)
        .where(CaseNote.debtor_id.in_(in_campaign))
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    return scrub_deliveries(session, outcomes, changes)


def remove_personal_media(media_dir: Path, debtor_ids: set[int]) -> list[Path]:
    """Delete these debtors' folders (their voice tracks and manifests); returns the files.
    Nothing else in the media folder is personal: no video is made per debtor."""
    removed: list[Path] = []
    for debtor_id in sorted(debtor_ids):
        folder = debtor_folder(media_dir, media_reference(debtor_id))
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                removed += _unlink(media_dir, path)
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def _unlink(media_dir: Path, path: Path) -> list[Path]:
    """Remove a file inside the media folder (never outside it, whatever a manifest says)."""
    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(media_dir.resolve()) or not resolved.is_file():
            return []
        resolved.unlink()
    except OSError:
        log.warning("could not remove %s", path)
        return []
    return [path]


def purge_campaign(
    sessions: sessionmaker[Session],
    campaign_id: int,
    media_dir: Path,
    *,
    documents: Path,
    now: datetime | None = None,
) -> PurgeReport | None:
    """Purge one campaign: the database first (committed), then its personal files and the
    documents its debtors sent. Running it again on a purged campaign removes any files left
    behind. None for an unknown campaign."""
    with sessions() as session, session.begin():
        # the write lock first (SQLite), the campaign's row lock (PostgreSQL): an event being
        # stored for one of its debtors is either in before the purge scrubs, or refused
        session.connection(execution_options={IMMEDIATE: True})
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None:
            return None
        if campaign.purged_at is None:
            report = scrub(session, campaign, now=now)
        else:
            report = PurgeReport(campaign_id)
        report.documents = delete_rows(session, campaign_id)
        debtor_ids = set(
            session.scalars(select(Debtor.id).where(Debtor.campaign_id == campaign_id))
        )
    report.files = remove_personal_media(media_dir, debtor_ids)
    report.files += remove_folder(documents, campaign_id)
    return report


def expired(campaign: Campaign, now: datetime) -> bool:
    return as_utc(campaign.created_at) + timedelta(days=campaign.retention_days) <= now


def purge_expired(
    sessions: sessionmaker[Session],
    media_dir: Path,
    *,
    documents: Path,
    now: datetime | None = None,
) -> list[int]:
    """Purge every campaign past its retention period; returns their ids."""
    moment = as_utc(now) if now else datetime.now(UTC)
    with sessions() as session:
        candidates = session.scalars(select(Campaign).where(Campaign.purged_at.is_(None))).all()
        due = [c.id for c in candidates if expired(c, moment)]
    for campaign_id in due:
        purge_campaign(sessions, campaign_id, media_dir, documents=documents, now=moment)
    return due
