"""Operators' decisions on a case, and the status changes they make (both databases)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.background import sweep_statuses
from app.case import case_of
from app.config import Settings
from app.db import make_engine, session_factory
from app.models import CaseNote, Debtor, Outcome, Payment, StatusChange, WebhookDelivery
from app.resolutions import Decision, ResolutionError, resolve
from app.retention import purge_campaign
from app.webhooks import add_endpoint
from app.worklists import worklist
from tests.callback_slots import offered_slots, slot_fields
from tests.factories import make_outcome

NL = "DEMO-NL-1"  # owes € 148.20


def _debtor(db: Session) -> Debtor:
    db.expire_all()
    return db.scalars(select(Debtor).where(Debtor.reference == NL)).one()


def _post(web: TestClient, token: str, node: str, fields: dict[str, str]) -> int:
    form = {"submission": str(uuid.uuid4()), **fields}
    return web.post(f"/v/{token}/step/{node}?lang=nl", data=form).status_code


def _dispute(web: TestClient, token: str) -> None:
    assert _post(web, token, "dispute", {"reason": "Ik ben al lang verhuisd."}) == 303


def _reported(db: Session, debtor: Debtor, cents: int = 14820) -> Outcome:
    details = {"date": "2026-11-20", "amount_cents": cents, "reference": None}
    outcome = make_outcome(db, debtor, "paid", details, node="already_paid")
    db.commit()
    return outcome


def _changes(db: Session, debtor: Debtor) -> list[tuple[str, str]]:
    query = select(StatusChange).where(StatusChange.debtor_id == debtor.id)
    return [(c.previous, c.status) for c in db.scalars(query.order_by(StatusChange.id))]


def _resolve(db: Session, debtor: Debtor, settings: Settings, **decision: Any) -> CaseNote:
    return resolve(db, debtor.id, Decision(**decision), user_id=None, today=settings.today())


def test_a_dispute_pauses_collection_until_an_operator_rejects_it(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    add_endpoint(db, "https://collect.example.org/hooks", allow_private=True)
    db.commit()
    _dispute(web, campaign[NL])
    debtor = _debtor(db)
    assert (debtor.case_status, _changes(db, debtor)) == ("disputed", [("open", "disputed")])
    assert [i.reference for i in worklist(db, "disputes")] == [NL]
    _resolve(db, debtor, settings, topic="dispute", verdict="rejected", text="Checked the address.")
    debtor = _debtor(db)
    assert not debtor.disputed and debtor.case_status == "open"
    assert _changes(db, debtor)[-1] == ("disputed", "open")
    assert worklist(db, "disputes") == []
    bodies = [
        json.loads(d.payload)
        for d in db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        if d.event == "case.status_changed"
    ]
    assert [(b["data"]["previous_status"], b["data"]["status"]) for b in bodies] == [
        ("open", "disputed"), ("disputed", "open"),
    ]  # fmt: skip
    assert bodies[-1]["data"]["debtor_reference"] == NL
    assert bodies[-1]["data"]["open_cents"] == 14820


def test_an_upheld_dispute_corrects_what_is_owed(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    _dispute(web, campaign[NL])
    debtor = _debtor(db)
    with pytest.raises(ResolutionError, match="corrected amount"):
        _resolve(db, debtor, settings, topic="dispute", verdict="upheld", amount_cents=99999)
    assert _debtor(db).disputed  # nothing stored
    _resolve(db, _debtor(db), settings, topic="dispute", verdict="upheld", amount_cents=0)
    debtor = _debtor(db)
    assert (debtor.amount_cents, debtor.case_status) == (0, "paid")
    with pytest.raises(ResolutionError, match="no open dispute"):
        _resolve(db, debtor, settings, topic="dispute", verdict="rejected")


def test_a_confirmed_payment_lowers_what_is_open(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    debtor = _debtor(db)
    reported = _reported(db, debtor, 5000)
    assert case_of(db, debtor, settings.today()).status == "review"
    assert [i.outcome_id for i in worklist(db, "reviews")] == [reported.id]
    with pytest.raises(ResolutionError, match="amount received"):
        _resolve(db, debtor, settings, topic="review", verdict="confirmed", amount_cents=20000)
    note = _resolve(
        db, _debtor(db), settings, topic="review", verdict="confirmed", amount_cents=5000,
        outcome_id=reported.id,
    )  # fmt: skip
    debtor = _debtor(db)
    case = case_of(db, debtor, settings.today())
    assert (case.status, case.paid_cents, case.open_cents) == ("open", 5000, 9820)
    payment = db.scalars(select(Payment).where(Payment.debtor_id == debtor.id)).one()
    assert (payment.provider, payment.provider_id, payment.status) == (
        "operator", f"note-{note.id}", "paid",
    )  # fmt: skip
    assert _changes(db, debtor) == []  # stored beside the step here: it never read "review"
    assert worklist(db, "reviews") == []
    with pytest.raises(ResolutionError, match="no open reported payment"):
        _resolve(db, debtor, settings, topic="review", verdict="rejected")


def test_a_rejected_report_goes_back_to_what_stood_and_a_new_one_waits_again(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    debtor = _debtor(db)
    first = _reported(db, debtor)
    _resolve(db, debtor, settings, topic="review", verdict="rejected", outcome_id=first.id)
    assert case_of(db, _debtor(db), settings.today()).status == "open"
    second = _reported(db, _debtor(db))
    with pytest.raises(ResolutionError, match="resolved already"):
        _resolve(db, _debtor(db), settings, topic="review", verdict="rejected", outcome_id=first.id)
    assert case_of(db, _debtor(db), settings.today()).reported_paid == second


def test_a_callback_is_listed_by_its_slot_until_it_is_done(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    token = campaign[NL]
    page = web.get(f"/v/{token}/step/callback?lang=nl").text
    slots = offered_slots(page)
    assert (
        _post(web, token, "callback", {"phone": "+31 6 1234 5678", **slot_fields(slots[-1])}) == 303
    )
    other = campaign["DEMO-EN-1"]
    assert (
        _post(web, other, "callback", {"phone": "+31 6 8765 4321", **slot_fields(slots[0])}) == 303
    )
    listed = worklist(db, "callbacks")
    assert [i.details["slot"] for i in listed] == [slots[0], slots[-1]]
    _resolve(db, _debtor(db), settings, topic="callback", verdict="done", text="Spoke to her.")
    assert [i.details["slot"] for i in worklist(db, "callbacks")] == [slots[0]]
    assert case_of(db, _debtor(db), settings.today()).callback is None


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ({"topic": "review", "verdict": "upheld"}, "from the list"),
        ({"topic": "status", "verdict": "paid"}, "from the list"),
        ({"topic": "note", "text": "  "}, "Write the note"),
        ({"topic": "note", "text": "x" * 3001}, "longer than"),
    ],
)
def test_a_forged_decision_is_refused_and_nothing_is_stored(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings,
    decision: dict[str, Any], message: str,
) -> None:  # fmt: skip
    with pytest.raises(ResolutionError, match=message):
        _resolve(db, _debtor(db), settings, **decision)
    assert db.scalars(select(CaseNote)).all() == []


def test_the_daily_sweep_announces_a_promise_whose_date_has_passed(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    soon = settings.today() + timedelta(days=3)
    assert _post(web, campaign[NL], "later", {"date": soon.isoformat()}) == 303
    assert _debtor(db).case_status == "promised"
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    assert sweep_statuses(sessions, soon) == 0  # the promised day itself still stands
    assert sweep_statuses(sessions, soon + timedelta(days=1)) == 1
    assert sweep_statuses(sessions, soon + timedelta(days=1)) == 0
    engine.dispose()
    assert _changes(db, _debtor(db)) == [("open", "promised"), ("promised", "open")]


def test_today_is_where_the_creditor_works(settings: Settings) -> None:
    assert isinstance(settings.today(), date)


def test_the_purge_empties_what_operators_wrote(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    debtor = _debtor(db)
    _resolve(db, debtor, settings, topic="note", text="Jan de Vries belde: verhuisd naar Utrecht.")
    engine = make_engine(settings.database)
    purge_campaign(
        session_factory(engine), debtor.campaign_id, settings.media_dir,
        documents=settings.documents_dir,
    )  # fmt: skip
    engine.dispose()
    db.expire_all()
    assert [n.text for n in db.scalars(select(CaseNote))] == [""]
