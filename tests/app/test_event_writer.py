"""The group-committing event writer: one bad event fails only itself."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, session_factory
from app.event_writer import EventWriter
from app.models import Debtor, Event


def _row(debtor_id: int, **data: Any) -> dict[str, Any]:
    return {
        "debtor_id": debtor_id, "client_id": str(uuid.uuid4()), "type": "play",
        "node": "intro", "language": "nl", "position": 0.0, "data": data,
    }  # fmt: skip


def _write_all(writer: EventWriter, rows: list[dict[str, Any]]) -> list[object]:
    """Write the rows at once from a loop of their own, as the server's requests would (in a
    thread: a browser test may have left this thread's loop running)."""

    async def write() -> list[object]:
        return await asyncio.gather(*(writer.write(row) for row in rows), return_exceptions=True)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, write()).result()


def test_a_bad_event_fails_alone_and_its_batch_is_stored(
    settings: Settings, web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    engine = make_engine(settings.database)
    writer = EventWriter(session_factory(engine))
    debtor_id = db.scalars(select(Debtor.id)).first()
    assert debtor_id is not None
    good = [_row(debtor_id, n=n) for n in range(5)]
    bad = _row(debtor_id, cannot={"be", "json"})  # a set: the whole batch's INSERT fails
    writer.start()  # all six queued before the thread takes them: one batch
    results = _write_all(writer, [*good[:3], bad, *good[3:]])
    writer.stop()
    engine.dispose()
    assert results[:3] + results[4:] == ["new"] * 5
    assert isinstance(results[3], Exception)  # its own request answers 503
    stored = set(db.scalars(select(Event.client_id)))
    assert stored == {row["client_id"] for row in good}


def test_an_event_for_an_unknown_debtor_is_gone(settings: Settings, web: TestClient) -> None:
    engine = make_engine(settings.database)
    writer = EventWriter(session_factory(engine))
    writer.start()
    (result,) = _write_all(writer, [_row(999_999)])
    writer.stop()
    engine.dispose()
    assert result == "gone"
