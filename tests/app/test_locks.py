"""A debtor's lock: what a block stores is committed, or nothing when it raises; an ended
link stores nothing; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, session_factory
from app.locks import LinkEndedError, debtor_locked
from app.models import Campaign, Debtor, Outcome


def _outcome(debtor: Debtor, submission: str) -> Outcome:
    return Outcome(debtor_id=debtor.id, submission=submission, action="callback", node="x")


def test_the_block_is_committed_or_rolled_back(
    settings: Settings, web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    engine = make_engine(settings.database)
    with session_factory(engine)() as session:
        debtor_id = session.scalars(select(Debtor.id)).first()
        assert debtor_id is not None
        with debtor_locked(session, debtor_id) as debtor:
            session.add(_outcome(debtor, "kept-0001"))
        with pytest.raises(ValueError), debtor_locked(session, debtor_id) as debtor:
            session.add(_outcome(debtor, "refused-01"))
            session.flush()
            raise ValueError("the form is refused")
    engine.dispose()
    assert list(db.scalars(select(Outcome.submission))) == ["kept-0001"]


@pytest.mark.parametrize("how", ["purged", "ended"])
def test_a_purged_or_ended_campaign_stores_nothing_for_its_debtors(
    settings: Settings, web: TestClient, campaign: dict[str, str], db: Session, how: str
) -> None:
    change = (
        {"purged_at": datetime.now(UTC)}
        if how == "purged"
        else {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}
    )
    db.execute(update(Campaign).values(**change))
    db.commit()
    engine = make_engine(settings.database)
    with session_factory(engine)() as session:
        debtor_id = session.scalars(select(Debtor.id)).first()
        assert debtor_id is not None
        with pytest.raises(LinkEndedError), debtor_locked(session, debtor_id) as debtor:
            session.add(_outcome(debtor, "too-late-1"))
        with debtor_locked(session, debtor_id, link_alive=False):  # a payment is still taken
            pass
    engine.dispose()
    assert db.scalar(select(func.count(Outcome.id))) == 0
