"""Group commit for player events: one writer thread, many events per transaction.

Every debtor's player reports a handful of events a minute; a campaign of 20,000 debtors
opening their links at once makes that hundreds a second. One transaction per event means
as many commits, and on SQLite a queue of threads sleeping on the database lock. Here the
requests hand their event to one writer thread, which stores whatever has arrived in a single
transaction and only then answers each request: an acknowledged event is a committed event,
and a commit carries as many events as arrived while the last one was written.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from app.models import Event

MAX_BATCH = 500


@dataclass
class _Pending:
    values: dict[str, Any]
    future: asyncio.Future[bool]
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

    async def write(self, values: dict[str, Any]) -> bool:
        """Store one event; True when it is new (False: the same id was stored before)."""
        self.start()  # normally started with the app; never leave a request waiting
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
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
            stored = self._insert([p.values for p in batch])
        except Exception as exc:  # the requests answer 503 and the players send again
            for pending in batch:
                pending.loop.call_soon_threadsafe(_fail, pending.future, exc)
            return
        seen: set[tuple[int, str]] = set()
        for pending in batch:
            key = (pending.values["debtor_id"], pending.values["client_id"])
            new = key in stored and key not in seen  # the same id twice in one batch: once
            seen.add(key)
            pending.loop.call_soon_threadsafe(_succeed, pending.future, new)

    def _insert(self, rows: list[dict[str, Any]]) -> set[tuple[int, str]]:
        with self.sessions() as session, session.begin():
            insert = (
                postgresql_insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite_insert
            )
            statement = (
                insert(Event)
                .on_conflict_do_nothing(index_elements=["debtor_id", "client_id"])
                .returning(Event.debtor_id, Event.client_id)
            )
            result = session.execute(statement, rows)
            return {(row[0], row[1]) for row in result}


def _succeed(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[bool], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
