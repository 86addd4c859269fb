"""The events API: each event stored once, the scene's rules enforced, bad input refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, session_factory
from app.models import Campaign, Event
from app.retention import purge_campaign

NL = "DEMO-NL-1"


def _event(**fields: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "type": "play",
        "node": "intro",
        "language": "nl",
        "position": 0.0,
        **fields,
    }


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Event)) or 0


def test_a_retried_event_is_stored_once(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    url = f"/api/v1/sessions/{campaign[NL]}/events"
    event = _event(type="choice", node="menu", data={"target": "more_time"})
    first, again = web.post(url, json=event), web.post(url, json=event)
    assert (first.status_code, first.json()) == (201, {"id": event["id"], "stored": True})
    assert (again.status_code, again.json()) == (200, {"id": event["id"], "stored": False})
    (stored,) = db.scalars(select(Event))
    assert (stored.type, stored.node, stored.data) == ("choice", "menu", {"target": "more_time"})


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (_event(type="teleport"), 422),
        (_event(node="nowhere"), 422),
        (_event(language="fr"), 422),
        (_event(type="choice", node="menu", data={"target": "goodbye"}), 422),  # not offered there
        (_event(type="choice", node="menu"), 422),
        (_event(position=-1), 422),
        (_event(id="x"), 422),
        (_event(extra="field"), 422),
        (_event(data={f"k{i}": i for i in range(30)}), 422),
    ],
)
def test_bad_events_are_refused_and_nothing_is_stored(
    web: TestClient, campaign: dict[str, str], db: Session, event: dict[str, object], status: int
) -> None:
    response = web.post(f"/api/v1/sessions/{campaign[NL]}/events", json=event)
    assert response.status_code == status
    assert _count(db) == 0


def test_malformed_and_oversized_bodies_are_refused(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    url = f"/api/v1/sessions/{campaign[NL]}/events"
    assert (
        web.post(
            url, content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    assert web.post(url, json=_event(data={"note": "x" * 100_000})).status_code == 413
    assert _count(db) == 0


def test_an_unknown_or_tampered_token_is_a_plain_404(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, "short", "x" * 32, "../../etc/passwd"):
        response = web.post(f"/api/v1/sessions/{bad}/events", json=_event())
        assert response.status_code == 404
        assert response.text == "Not found"
    assert _count(db) == 0


def test_another_debtors_choice_rules_apply_to_their_own_amount(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    # DEMO-ES-1 owes € 56,10: a payment plan (from € 50,00, two of at least € 25,00) is on offer;
    # DEMO-EN-1 owes € 89,95: also on offer. Both may choose it; a choice is checked per debtor.
    for reference in ("DEMO-ES-1", "DEMO-EN-1"):
        event = _event(type="choice", node="more_time", data={"target": "plan"})
        assert (
            web.post(f"/api/v1/sessions/{campaign[reference]}/events", json=event).status_code
            == 201
        )
    assert _count(db) == 2


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(
    web: TestClient, campaign: dict[str, str], db: Session, number: str
) -> None:
    url = f"/api/v1/sessions/{campaign[NL]}/events"
    for body in (
        f'{{"id": "{uuid.uuid4()}", "type": "play", "position": {number}}}',
        f'{{"id": "{uuid.uuid4()}", "type": "play", "data": {{"x": {number}}}}}',
    ):
        response = web.post(url, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, body
    assert _count(db) == 0


def test_a_purge_by_another_process_is_seen_by_the_next_event(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    url = f"/api/v1/sessions/{campaign[NL]}/events"
    assert web.post(url, json=_event()).status_code == 201  # the server now knows the link
    engine = make_engine(settings.database)  # the CLI's purge: its own engine, no cache to clear
    (campaign_id,) = db.scalars(select(Campaign.id))
    purge_campaign(
        session_factory(engine), campaign_id, settings.media_dir, documents=settings.documents_dir
    )
    engine.dispose()
    assert web.post(url, json=_event()).status_code == 404
    assert _count(db) == 1


def test_an_ended_campaign_takes_no_more_events(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    url = f"/api/v1/sessions/{campaign[NL]}/events"
    assert web.post(url, json=_event()).status_code == 201
    db.execute(update(Campaign).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.commit()
    assert web.post(url, json=_event()).status_code == 404
    assert _count(db) == 1
