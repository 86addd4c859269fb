"""Who is behind a link, remembered for a minute: the events API's hot path.

A playing video reports an event every few seconds; looking its debtor up in the database
each time would cost more than storing the event. A link's debtor rarely changes. Whether the
campaign is purged or ended is not taken from here: the event writer reads it in the
transaction that stores the event (``app.event_writer``), so every server sees a purge at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Campaign, Debtor
from app.models.base import as_utc
from app.tokens import looks_like_token, token_hash

TTL = 60.0
MAX_ENTRIES = 50_000


@dataclass(frozen=True)
class Caller:
    debtor_id: int
    scene_id: str
    amount_cents: int | None
    ends_at: datetime | None  # the campaign's link expiry


class CallerCache:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._entries: dict[str, tuple[float, Caller | None]] = {}
        self._lock = threading.Lock()

    async def get(self, token: str) -> Caller | None:
        """The debtor behind a token, or None for an unknown, expired or purged link."""
        if not looks_like_token(token):
            return None
        key = token_hash(token)
        now = time.monotonic()
        with self._lock:
            cached = self._entries.get(key)
        if cached is None or now - cached[0] > TTL:
            cached = (now, await run_in_threadpool(self._load, key))
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = cached
        caller = cached[1]
        if (
            caller is not None
            and caller.ends_at is not None
            and caller.ends_at <= datetime.now(UTC)
        ):
            return None
        return caller

    def forget(self) -> None:
        """After a purge or a change of expiry: look everything up again."""
        with self._lock:
            self._entries.clear()

    def _load(self, key: str) -> Caller | None:
        query = (
            select(
                Debtor.id,
                Debtor.scene_id,
                Debtor.amount_cents,
                Campaign.expires_at,
                Campaign.purged_at,
            )
            .join(Campaign, Campaign.id == Debtor.campaign_id)
            .where(Debtor.token_hash == key)
        )
        with self.sessions() as session:
            row = session.execute(query).first()
        if row is None or row.purged_at is not None:
            return None
        ends_at = as_utc(row.expires_at) if row.expires_at is not None else None
        return Caller(row.id, row.scene_id, row.amount_cents, ends_at)
