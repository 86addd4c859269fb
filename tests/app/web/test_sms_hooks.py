"""Sinch's callbacks, signed as Sinch signs them (``tests.fake_sinch``): delivery reports move
a sent text on, a STOP opts the sender out; nothing unsigned changes anything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Campaign, Debtor, Message
from app.models.base import as_utc
from app.outreach.worker import SMS_DELIVERY_PATH, SMS_INBOUND_PATH
from tests.factories import make_message
from tests.fake_sinch import FakeSinch

SECRET = "sinch-callback-secret"
DELIVERY = SMS_DELIVERY_PATH.format(provider="sinch")
INBOUND = SMS_INBOUND_PATH.format(provider="sinch")
SANNE = "+31612345678"  # DEMO-NL-1's mobile, as the import stored it
BATCH = "01HW2FAKEBATCH000000000001"
OUR_NUMBER = "+3197010000000"


@pytest.fixture
def hooks(settings: Settings, campaign: dict[str, str]) -> Iterator[TestClient]:
    """The app as it runs with Sinch's callback secret set."""
    from app.main import create_app

    signed = settings.model_copy(update={"sinch_callback_secret": SECRET})
    with TestClient(create_app(signed), follow_redirects=False) as client:
        yield client


def _sent(db: Session, reference: str = "DEMO-NL-1", batch: str = BATCH) -> Message:
    """A text that went to Sinch as ``batch``."""
    debtor = db.scalar(select(Debtor).where(Debtor.reference == reference))
    assert debtor is not None and debtor.phone is not None
    message = make_message(
        db,
        debtor,
        channel="sms",
        sent_at=datetime.now(UTC),
        address=debtor.phone,
        provider_id=batch,
        parts=1,
    )
    db.commit()
    return message


def _post(client: TestClient, path: str, body: bytes, secret: str = SECRET) -> int:
    headers = {"content-type": "application/json", **FakeSinch.sign(body, secret)}
    return client.post(path, content=body, headers=headers).status_code


def _reload(db: Session, message: Message) -> Message:
    db.expire_all()
    found = db.get(Message, message.id)
    assert found is not None
    return found


def _opted_out(db: Session, reference: str) -> datetime | None:
    db.expire_all()
    return db.scalar(select(Debtor.sms_opt_out_at).where(Debtor.reference == reference))


def test_a_delivered_report_moves_a_sent_text_to_delivered(hooks: TestClient, db: Session) -> None:
    message = _sent(db)
    body = FakeSinch.recipient_report(BATCH, SANNE, client_reference=message.key)
    assert _post(hooks, DELIVERY, body) == 200
    found = _reload(db, message)
    assert found.status == "delivered"
    assert found.delivered_at is not None
    assert abs((as_utc(found.delivered_at) - datetime.now(UTC)).total_seconds()) < 60


def test_a_failed_report_bounces_it_and_says_why(hooks: TestClient, db: Session) -> None:
    message = _sent(db)
    body = FakeSinch.recipient_report(BATCH, SANNE, status="Rejected", code=402)
    assert _post(hooks, DELIVERY, body) == 200
    found = _reload(db, message)
    assert (found.status, found.last_error) == ("bounced", "not delivered: Rejected (code 402)")
    assert found.delivered_at is None


def test_reports_only_move_forward(hooks: TestClient, db: Session) -> None:
    message = _sent(db)
    pending = FakeSinch.recipient_report(BATCH, SANNE, status="Dispatched", code=401)
    assert _post(hooks, DELIVERY, pending) == 200
    assert _reload(db, message).status == "sent"
    failed = FakeSinch.recipient_report(BATCH, SANNE, status="Expired", code=406)
    assert _post(hooks, DELIVERY, failed) == 200
    for late in (FakeSinch.recipient_report(BATCH, SANNE), pending, failed):
        assert _post(hooks, DELIVERY, late) == 200
    found = _reload(db, message)
    assert (found.status, found.delivered_at) == ("bounced", None)
    assert found.last_error == "not delivered: Expired (code 406)"


def test_a_report_for_another_batch_or_reference_is_acknowledged_and_ignored(
    hooks: TestClient, db: Session
) -> None:
    message = _sent(db)
    assert _post(hooks, DELIVERY, FakeSinch.recipient_report("01UNKNOWN", SANNE)) == 200
    other = FakeSinch.recipient_report(BATCH, SANNE, client_reference="link/sms/999")
    assert _post(hooks, DELIVERY, other) == 200
    assert _reload(db, message).status == "sent"


def test_a_bad_signature_or_no_secret_is_401_and_changes_nothing(
    hooks: TestClient, web: TestClient, db: Session
) -> None:
    message = _sent(db)
    body = FakeSinch.recipient_report(BATCH, SANNE)
    assert _post(hooks, DELIVERY, body, secret="not-our-secret") == 401
    assert hooks.post(DELIVERY, content=body).status_code == 401  # not signed at all
    headers = FakeSinch.sign(body, SECRET)
    assert hooks.post(DELIVERY, content=body + b" ", headers=headers).status_code == 401
    assert _post(web, DELIVERY, body) == 401  # the secret is not configured
    stop = FakeSinch.inbound_text(SANNE, OUR_NUMBER, "STOP")
    assert _post(web, INBOUND, stop) == 401
    assert _post(hooks, INBOUND, stop, secret="not-our-secret") == 401
    assert _reload(db, message).status == "sent"
    assert _opted_out(db, "DEMO-NL-1") is None


def test_stop_opts_the_sender_out_of_texts(hooks: TestClient, db: Session) -> None:
    assert _post(hooks, INBOUND, FakeSinch.inbound_text(SANNE, OUR_NUMBER, "Stop alles")) == 200
    moment = _opted_out(db, "DEMO-NL-1")
    assert moment is not None
    assert _opted_out(db, "DEMO-TR-1") is None  # another number
    debtor = db.scalar(select(Debtor).where(Debtor.reference == "DEMO-NL-1"))
    assert debtor is not None and debtor.email_opt_out_at is None  # e-mails go on
    assert _post(hooks, INBOUND, FakeSinch.inbound_text(SANNE, OUR_NUMBER, "STOP")) == 200
    assert _opted_out(db, "DEMO-NL-1") == moment  # the first moment stays


def test_other_texts_change_nothing(hooks: TestClient, db: Session) -> None:
    for text in ("hello", "please stop", "2 stop"):
        assert _post(hooks, INBOUND, FakeSinch.inbound_text(SANNE, OUR_NUMBER, text)) == 200
    assert _opted_out(db, "DEMO-NL-1") is None


def test_stop_leaves_purged_campaigns_alone(hooks: TestClient, db: Session) -> None:
    db.execute(update(Campaign).values(purged_at=datetime.now(UTC)))
    db.commit()
    assert _post(hooks, INBOUND, FakeSinch.inbound_text(SANNE, OUR_NUMBER, "STOP")) == 200
    assert _opted_out(db, "DEMO-NL-1") is None


def test_an_oversized_body_is_413(hooks: TestClient, db: Session) -> None:
    body = b'{"type": "mo_text", "body": "' + b"x" * 70_000 + b'"}'
    assert _post(hooks, INBOUND, body) == 413
    assert _post(hooks, DELIVERY, body) == 413


def test_a_malformed_callback_is_400_and_says_what_is_wrong(hooks: TestClient, db: Session) -> None:
    for path, body, problem in (
        (DELIVERY, b"not json", "delivery report: the body is not JSON"),
        (DELIVERY, b"[]", "delivery report: expected a JSON object, got list"),
        (DELIVERY, b'{"type": "mo_text"}', "not an SMS delivery report: type 'mo_text'"),
        (DELIVERY, b'{"type": "recipient_delivery_report_sms"}', "batch_id must be"),
        (INBOUND, b'{"type": "mo_binary"}', "not an inbound text message"),
        (INBOUND, b'{"type": "mo_text", "body": 5}', "inbound message: body must be a string"),
    ):
        headers = {"content-type": "application/json", **FakeSinch.sign(body, SECRET)}
        answer = hooks.post(path, content=body, headers=headers)
        assert answer.status_code == 400, body
        assert answer.text.startswith(problem), answer.text
