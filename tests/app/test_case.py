"""Where a case stands, derived from what is stored, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case import case_of, untouched_case
from app.models import Debtor
from tests.factories import make_outcome, make_payment, make_plan

TODAY = date(2026, 12, 1)
NL = "DEMO-NL-1"  # owes € 148.20


def _debtor(db: Session) -> Debtor:
    return db.scalars(select(Debtor).where(Debtor.reference == NL)).one()


def test_a_new_case_is_open(web: TestClient, campaign: dict[str, str], db: Session) -> None:
    case = case_of(db, _debtor(db), TODAY)
    assert (case.status, case.open_cents, case.paid_cents) == ("open", 14820, 0)
    # what a campaign render assumes, without the queries, for a debtor who has done nothing
    assert untouched_case(_debtor(db), TODAY) == case


@pytest.mark.parametrize(("days", "status"), [(5, "promised"), (0, "promised"), (-1, "open")])
def test_a_promise_stands_until_its_date_has_passed(
    web: TestClient, campaign: dict[str, str], db: Session, days: int, status: str
) -> None:
    debtor = _debtor(db)
    make_outcome(db, debtor, "later", {"date": (TODAY + timedelta(days=days)).isoformat()})
    db.flush()
    assert case_of(db, debtor, TODAY).status == status


def test_a_plan_falls_behind_when_an_instalment_due_is_unpaid(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    debtor = _debtor(db)
    make_plan(db, debtor, TODAY, 7410)
    db.flush()
    assert case_of(db, debtor, TODAY).status == "plan"  # due today: not behind yet
    later = TODAY + timedelta(days=1)
    case = case_of(db, debtor, later)
    assert (case.status, case.behind_cents) == ("behind", 7410)
    make_payment(db, debtor, 7410)
    db.flush()
    case = case_of(db, debtor, later)
    assert (case.status, case.open_cents) == ("plan", 7410)  # partly paid, on schedule


def test_paid_in_full_comes_first(web: TestClient, campaign: dict[str, str], db: Session) -> None:
    debtor = _debtor(db)
    make_plan(db, debtor, TODAY - timedelta(days=40), 7410)
    make_outcome(db, debtor, "paid", {"date": TODAY.isoformat()})
    make_payment(db, debtor, 10000)
    make_payment(db, debtor, 4820)
    db.flush()
    case = case_of(db, debtor, TODAY)
    assert (case.status, case.open_cents, case.paid_cents) == ("paid", 0, 14820)


@pytest.mark.parametrize(("action", "status"), [("paid", "review"), ("help", "help")])
def test_reported_payments_go_to_review_and_referrals_to_help(
    web: TestClient, campaign: dict[str, str], db: Session, action: str, status: str
) -> None:
    debtor = _debtor(db)
    make_outcome(db, debtor, action, {"date": TODAY.isoformat()})
    db.flush()
    assert case_of(db, debtor, TODAY).status == status


def test_a_dispute_pauses_everything_but_paid(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    debtor = _debtor(db)
    make_plan(db, debtor, TODAY, 7410)
    debtor.disputed = True
    callback = make_outcome(db, debtor, "callback", {"phone": "+31 6 1234 5678"})
    db.flush()
    case = case_of(db, debtor, TODAY)
    assert (case.status, case.callback) == ("disputed", callback)


def test_the_statuses_the_scene_validator_knows_are_the_cases_statuses() -> None:
    """``render`` cannot import the app, so it keeps its own list for ``entry:``; the two agree."""
    from app.case import STATUSES
    from render.scene import CASE_STATUSES

    assert CASE_STATUSES == STATUSES
