"""Paying through Mollie (a faithful fake on loopback): the webhook, idempotent and unforgeable."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Outcome, Payment
from tests.conftest import REPO
from tests.fake_mollie import TEST_API_KEY, FakeMollie, serve_fake_mollie

NL = "DEMO-NL-1"


@pytest.fixture
def mollie() -> Iterator[FakeMollie]:
    with serve_fake_mollie() as fake:
        yield fake


@pytest.fixture
def settings(database_url: str, tmp_path: Path, mollie: FakeMollie) -> Settings:
    return Settings(
        root=REPO,
        var=tmp_path / "var",
        database_url=database_url,
        secret_key="test-secret",
        env="test",
        base_url="https://pay.example.org",
        payment_provider="mollie",
        mollie_api_key=TEST_API_KEY,
        mollie_api_url=mollie.url,
    )


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def _start(web: TestClient, token: str) -> str:
    form = {"submission": str(uuid.uuid4()), "amount_cents": "14820"}
    response = web.post(f"/v/{token}/step/pay_how?lang=nl", data=form)
    assert response.status_code == 303
    return str(response.headers["location"])


def test_a_paid_webhook_stores_one_outcome(
    web: TestClient, campaign: dict[str, str], db: Session, mollie: FakeMollie
) -> None:
    checkout = _start(web, campaign[NL])
    (payment,) = db.scalars(select(Payment))
    assert payment.provider_id is not None
    assert checkout == mollie.checkout_url(payment.provider_id)
    sent = mollie.requests[-1].json
    assert sent["amount"] == {"currency": "EUR", "value": "148.20"}
    assert sent["webhookUrl"] == "https://pay.example.org/webhooks/payments/mollie"
    assert sent["locale"] == "nl_NL"
    assert (
        web.post("/webhooks/payments/mollie", data={"id": payment.provider_id}).status_code == 200
    )
    db.expire_all()
    assert list(db.scalars(select(Outcome))) == []  # still open: nothing to record
    mollie.set_status(payment.provider_id, "paid")
    for _ in range(3):  # Mollie may call more than once
        assert (
            web.post("/webhooks/payments/mollie", data={"id": payment.provider_id}).status_code
            == 200
        )
    db.expire_all()
    (outcome,) = db.scalars(select(Outcome))
    assert (outcome.action, outcome.details["amount_cents"]) == ("pay", 14820)
    back = web.get(f"/v/{campaign[NL]}/step/pay_how/return?lang=nl&mode=video")
    assert "Bedankt voor uw betaling" in back.text


def test_forged_webhooks_change_nothing(
    web: TestClient, campaign: dict[str, str], db: Session, mollie: FakeMollie
) -> None:
    _start(web, campaign[NL])
    (payment,) = db.scalars(select(Payment))
    for forged in ("tr_doesnotexist", "tr_" + "x" * 100, "../admin"):
        response = web.post("/webhooks/payments/mollie", data={"id": forged})
        assert response.status_code in (200, 422)
    # the body claims nothing: the status comes from Mollie, which still says "open"
    web.post("/webhooks/payments/mollie", data={"id": payment.provider_id, "status": "paid"})
    assert web.post("/webhooks/payments/demo", data={"id": payment.provider_id}).status_code == 404
    db.expire_all()
    assert list(db.scalars(select(Outcome))) == []
    assert db.scalars(select(Payment)).one().status == "open"


def test_mollie_down_is_a_clear_message_and_nothing_stored(
    web: TestClient, campaign: dict[str, str], db: Session, mollie: FakeMollie
) -> None:
    mollie.fail_next(500)
    form = {"submission": str(uuid.uuid4()), "amount_cents": "14820"}
    response = web.post(f"/v/{campaign[NL]}/step/pay_how?lang=nl", data=form)
    assert response.status_code == 422
    assert list(db.scalars(select(Payment))) == []
