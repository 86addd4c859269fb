"""A payment's status as the providers report it, in whatever order the reports arrive."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Outcome, Payment
from app.payments.records import settle

NL = "DEMO-NL-1"


def test_a_late_open_never_undoes_a_payment_already_paid(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    form = {"submission": str(uuid.uuid4()), "amount_cents": "14820"}
    assert web.post(f"/v/{campaign[NL]}/step/pay_how?lang=nl", data=form).status_code == 303
    payment_id = db.scalars(select(Payment.id)).one()
    today = settings.today()
    settle(db, payment_id, "pending", today)
    settle(db, payment_id, "paid", today)
    settle(db, payment_id, "open", today)  # the way back asked the bank before it had paid
    settle(db, payment_id, "pending", today)
    settle(db, payment_id, "paid", today)
    db.expire_all()
    assert db.get(Payment, payment_id).status == "paid"  # type: ignore[union-attr]
    pay = select(func.count(Outcome.id)).where(Outcome.action == "pay")
    assert db.scalar(pay) == 1
