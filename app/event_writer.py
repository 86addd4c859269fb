"""Group commit for player events: one writer thread, many events per transaction.

Every debtor's player reports a handful of events a minute; a campaign of 20,000 debtors
opening their links at once makes that hundreds a second. One transaction per event means
as many commits, and on SQLite a queue of threads sleeping on the database lock. Here the
requests hand their event to one writer thread, which stores whatever has arrived in a single
transaction and only then answers each request: an acknowledged event is a committed event,
and a commit carries as many events as arrived while the last one was written.

Whether a link still works is read in the same transaction, from the database: an event for a
purged or ended campaign is refused at once, whichever process purged it. A batch that fails
is written again one event at a time, so one bad event fails only its own request.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import IMMEDIATE, insert_new
from app.models import Campaign, Debtor, Event

MAX_BATCH = 500
Written = Literal["new", "seen", "gone"]  # stored now, stored before, the link no longer works


@dataclass
class _Pending:
    values: dict[str, Any]
    future: asyncio.Future[Written]
    loop: asyncio.AbstractEventLoop


class EventWriter:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="vidpay-event-writer", daemon=True)
        self._starting = threading.Lock()

    def start(self) -> None:
        with self._starting:
            if self._thread.is_alive():
                return
            if self._thread.ident is not None:  # stopped before: a thread runs only once
                self._thread = threading.Thread(
                    target=self._run, name="vidpay-event-writer", daemon=True
                )
            self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=30)

    async def write(self, values: dict[str, Any]) -> Written:
        """Store one event: ``new``, ``seen`` (the same id was stored before) or ``gone``."""
        self.start()  # normally started with the app; never leave a request waiting
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Written] = loop.create_future()
        self._queue.put(_Pending(values, future, loop))
        return await future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._store(batch)
            if stopping:
                return

    def _store(self, batch: list[_Pending]) -> None:
        try:
            stored, live = self._insert([p.values for p in batch])
        except Exception as exc:
            if len(batch) > 1:  # find the one that fails: the others are stored all the same
                for pending in batch:
                    self._store([pending])
                return
            # the request answers 503 (the player sends again) or 422 for an event it made bad
            batch[0].loop.call_soon_threadsafe(_fail, batch[0].future, exc)
            return
        seen: set[tuple[int, str]] = set()
        for pending in batch:
            key = (pending.values["debtor_id"], pending.values["client_id"])
            written: Written = "gone" if key[0] not in live else "seen"
            if key in stored and key not in seen:  # the same id twice in one batch: once
                written = "new"
            seen.add(key)
            pending.loop.call_soon_threadsafe(_succeed, pending.future, written)

    def _insert(self, rows: list[dict[str, Any]]) -> tuple[set[tuple[int, str]], set[int]]:
        """Store the rows of debtors whose link still works; (what was stored, those debtors)."""
        with self.sessions() as session:
            session.connection(execution_options={IMMEDIATE: True})  # serialised with a purge
            live = _live_debtors(session, {row["debtor_id"] for row in rows})
            rows = [row for row in rows if row["debtor_id"] in live]
            if not rows:
                return set(), live
            statement = insert_new(session, Event, ["debtor_id", "client_id"]).returning(
                Event.debtor_id, Event.client_id
            )
            result = session.execute(statement, rows)
            stored = {(row[0], row[1]) for row in result}
            session.commit()
            return stored, live


def _live_debtors(session: Session, debtor_ids: set[int]) -> set[int]:
    """Those debtors whose campaign is neither purged nor ended, read under a share lock of
    the campaign on PostgreSQL (a purge locks it for update first, so one waits for the other)."""
    query = (
        select(Debtor.id, Campaign.expires_at, Campaign.purged_at)
        .join(Campaign, Campaign.id == Debtor.campaign_id)
        .where(Debtor.id.in_(debtor_ids))
        .with_for_update(read=True, of=Campaign)
    )
    now = datetime.now(UTC)
    live = set()
    for debtor_id, expires_at, purged_at in session.execute(query):
        ends = expires_at.replace(tzinfo=expires_at.tzinfo or UTC) if expires_at else None
        if purged_at is None and (ends is None or ends > now):
            live.add(debtor_id)
    return live


def _succeed(future: asyncio.Future[Written], value: Written) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Written], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
