"""The funnel numbers, for events sent through the real events API and steps taken over HTTP."""

from __future__ import annotations

import time as clock
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.funnel import Funnel, NodeFunnel, funnels, node_funnels, total_funnel
from app.models import Campaign, Debtor, Event, Variant
from app.reports import (
    OutcomeFilter,
    campaign_summaries,
    count_outcomes,
    filter_choices,
    outcome_counts,
    outcome_rows,
)
from tests.factories import make_campaign

ZONE = ZoneInfo("Europe/Amsterdam")
FIRM = ("DEMO-DE-1", "DEMO-TR-1", "DEMO-ES-1")  # the other variant: arrears-firm


def _today() -> date:
    return datetime.now(ZONE).date()


def _send(web: TestClient, token: str, type: str, node: str, language: str, **data: str) -> str:
    event = {
        "id": str(uuid.uuid4()),
        "type": type,
        "node": node,
        "language": language,
        "data": data,
    }
    response = web.post(f"/api/v1/sessions/{token}/events", json=event)
    assert response.status_code == 201, response.text
    return str(event["id"])


def _watch(web: TestClient, token: str, language: str, *nodes: str) -> None:
    for node in nodes:
        _send(web, token, "segment_end", node, language)


def _step(web: TestClient, token: str, node: str, language: str, fields: dict[str, str]) -> None:
    form = {"submission": str(uuid.uuid4()), **fields}
    response = web.post(f"/v/{token}/step/{node}?lang={language}", data=form)
    assert response.status_code == 303, response.text


@pytest.fixture
def played(web: TestClient, campaign: dict[str, str], db: Session) -> int:
    """An A/B campaign of five debtors, and what they did:

    - NL (arrears): watched to the menu, chose more time, then pay later, and took that step;
    - EN (arrears): opened, watched the greeting, left;
    - DE (arrears-firm): watched to the menu, chose "already paid" and took that step;
    - TR (arrears-firm): opened and left at once;
    - ES (arrears-firm): never opened the link.
    """
    campaign_id = db.scalars(select(Campaign.id)).one()
    db.execute(update(Debtor).where(Debtor.reference.in_(FIRM)).values(scene_id="arrears-firm"))
    db.add(Variant(campaign_id=campaign_id, scene_id="arrears-firm", weight=1))
    db.commit()
    nl, en, de, tr = (campaign[f"DEMO-{c}-1"] for c in ("NL", "EN", "DE", "TR"))
    intro = ("intro", "welcome", "situation", "not_paid", "menu")

    _send(web, nl, "open", "intro", "nl", start="intro")
    _watch(web, nl, "nl", *intro)
    _watch(web, nl, "nl", "menu")  # watched the menu twice: still one debtor
    _send(web, nl, "choice", "menu", "nl", target="more_time")
    _watch(web, nl, "nl", "more_time")
    _send(web, nl, "choice", "more_time", "nl", target="later")
    _watch(web, nl, "nl", "later")
    _send(web, nl, "step_open", "later", "nl")
    _step(web, nl, "later", "nl", {"date": (_today() + timedelta(days=5)).isoformat()})

    _send(web, en, "open", "intro", "en", start="intro")
    _watch(web, en, "en", "intro")
    retried = {"id": "retried-event-1", "type": "segment_end", "node": "welcome", "language": "en"}
    for _ in range(2):  # the player sent it twice: stored once
        web.post(f"/api/v1/sessions/{en}/events", json=retried)

    _send(web, de, "open", "intro", "de", start="intro")
    _watch(web, de, "de", *intro)
    _send(web, de, "choice", "menu", "de", target="already_paid")
    _step(
        web,
        de,
        "already_paid",
        "de",
        {"amount": "12,50", "date": _today().isoformat(), "reference": "=HYPERLINK(1)"},
    )

    _send(web, tr, "open", "intro", "tr", start="intro")
    db.rollback()  # read afresh
    return campaign_id


def test_the_funnel_per_variant_and_for_the_whole_campaign(db: Session, played: int) -> None:
    assert funnels(db, played, "variant") == [
        # key, debtors, opened, watched, chose, completed, converted
        Funnel("arrears", 2, 2, 2, 1, 1, 1),
        Funnel("arrears-firm", 3, 2, 1, 1, 1, 0),
    ]
    overall = total_funnel(db, played)
    assert overall == Funnel("", 5, 4, 3, 2, 2, 1)
    assert overall.conversion == 0.25
    stages = overall.stages
    assert [(s.key, s.count) for s in stages] == [
        ("debtors", 5), ("opened", 4), ("watched", 3), ("chose", 2), ("completed", 2),
    ]  # fmt: skip
    assert stages[0].drop_off is None
    assert [s.drop_off for s in stages[1:]] == pytest.approx([0.2, 0.25, 1 / 3, 0.0])
    assert [s.share for s in stages] == [1.0, 0.8, 0.6, 0.4, 0.4]


def test_the_funnel_per_language(db: Session, played: int) -> None:
    assert funnels(db, played, "language") == [
        Funnel("de", 1, 1, 1, 1, 1, 0),
        Funnel("en", 1, 1, 1, 0, 0, 0),
        Funnel("es", 1, 0, 0, 0, 0, 0),
        Funnel("nl", 1, 1, 1, 1, 1, 1),
        Funnel("tr", 1, 1, 0, 0, 0, 0),
    ]


def test_the_funnel_per_node(db: Session, played: int) -> None:
    found = {(n.scene_id, n.node): n for n in node_funnels(db, played)}
    assert found == {
        ("arrears", "intro"): NodeFunnel("arrears", "intro", 2, 2, 0, 0),
        ("arrears", "welcome"): NodeFunnel("arrears", "welcome", 2, 2, 0, 0),
        ("arrears", "situation"): NodeFunnel("arrears", "situation", 1, 1, 0, 0),
        ("arrears", "not_paid"): NodeFunnel("arrears", "not_paid", 1, 1, 0, 0),
        ("arrears", "menu"): NodeFunnel("arrears", "menu", 1, 1, 1, 0),
        ("arrears", "more_time"): NodeFunnel("arrears", "more_time", 1, 1, 1, 0),
        ("arrears", "later"): NodeFunnel("arrears", "later", 1, 1, 0, 1),
        ("arrears-firm", "intro"): NodeFunnel("arrears-firm", "intro", 2, 1, 0, 0),
        ("arrears-firm", "welcome"): NodeFunnel("arrears-firm", "welcome", 1, 1, 0, 0),
        ("arrears-firm", "situation"): NodeFunnel("arrears-firm", "situation", 1, 1, 0, 0),
        ("arrears-firm", "not_paid"): NodeFunnel("arrears-firm", "not_paid", 1, 1, 0, 0),
        ("arrears-firm", "menu"): NodeFunnel("arrears-firm", "menu", 1, 1, 1, 0),
        ("arrears-firm", "already_paid"): NodeFunnel("arrears-firm", "already_paid", 1, 0, 0, 1),
    }
    menu = found["arrears", "intro"].stages
    assert [(s.key, s.count, s.drop_off) for s in menu] == [
        ("reached", 2, None), ("watched", 2, 0.0), ("chose", 0, 1.0), ("completed", 0, None),
    ]  # fmt: skip


def test_outcomes_are_counted_and_filtered(db: Session, played: int) -> None:
    counts = outcome_counts(db, played)
    assert [(c.action, c.outcomes, c.debtors, c.label) for c in counts] == [
        ("later", 1, 1, "Pay later"),
        ("paid", 1, 1, "Already paid"),
    ]
    everything = outcome_rows(db, played, OutcomeFilter())
    assert [(r.reference, r.language, r.variant, r.action, r.node) for r in everything] == [
        ("DEMO-DE-1", "de", "arrears-firm", "paid", "already_paid"),
        ("DEMO-NL-1", "nl", "arrears", "later", "later"),
    ]  # the newest first
    assert everything[0].details == {
        "amount_cents": 1250, "date": _today().isoformat(), "reference": "=HYPERLINK(1)"
    }  # fmt: skip

    def references(**given: object) -> list[str]:
        chosen = OutcomeFilter(**given)  # type: ignore[arg-type]
        rows = [r.reference for r in outcome_rows(db, played, chosen)]
        assert count_outcomes(db, played, chosen) == len(rows)
        return rows

    assert references(action="later") == ["DEMO-NL-1"]
    assert references(language="de") == ["DEMO-DE-1"]
    assert references(variant="arrears") == ["DEMO-NL-1"]
    assert references(variant="arrears", action="paid") == []
    today = datetime.combine(_today(), time.min, ZONE)
    assert len(references(start=today, end=today + timedelta(days=1))) == 2
    assert references(start=today + timedelta(days=1)) == []
    assert references(end=today) == []
    choices = filter_choices(db, played)
    assert (choices.actions, choices.languages, choices.variants) == (
        ["later", "paid"],
        ["de", "en", "es", "nl", "tr"],
        ["arrears", "arrears-firm"],
    )


def test_campaign_summaries_count_per_campaign(
    db: Session, played: int, settings: Settings, web: TestClient
) -> None:
    clock.sleep(0.01)
    other = make_campaign(db, settings.content, key=settings.key, name="Second")
    debtor = db.scalars(select(Debtor).where(Debtor.campaign_id == other.id)).first()
    assert debtor is not None
    db.add(Event(debtor_id=debtor.id, client_id="other-campaign", type="segment_end", node="intro"))
    db.commit()
    second, first = campaign_summaries(db)  # the newest first
    assert (second.name, second.debtors, second.opened, second.with_outcome) == ("Second", 5, 1, 0)
    assert (first.name, first.scenes, first.debtors, first.opened) == (
        "Test",
        ["arrears", "arrears-firm"],
        5,
        4,
    )
    assert (first.with_outcome, first.outcomes) == (2, 2)
    # The other campaign's events do not leak into this one's funnel.
    assert total_funnel(db, played) == Funnel("", 5, 4, 3, 2, 2, 1)
    assert campaign_summaries(db, played) == [first]


def test_an_empty_campaign_has_an_empty_funnel(db: Session, campaign: dict[str, str]) -> None:
    campaign_id = db.scalars(select(Campaign.id)).one()
    assert total_funnel(db, campaign_id) == Funnel("", 5, 0, 0, 0, 0, 0)
    assert node_funnels(db, campaign_id) == []
    assert outcome_counts(db, campaign_id) == []
    assert total_funnel(db, campaign_id + 1) == Funnel("", 0, 0, 0, 0, 0, 0)
    assert [s.share for s in total_funnel(db, campaign_id + 1).stages] == [None] * 5
