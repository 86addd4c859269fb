"""Bounce reports (RFC 3464) mark the e-mail they name bounced; anything else changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings
from app.models import Debtor, Message
from app.outreach.bounces import parse_bounce
from tests.factories import make_message

MESSAGE_ID = "<3f2a9c@energie-noord.example>"


def report(action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464 section 6)."""
    return f"""From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: incasso@energie-noord.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: Wed,  2 Dec 2026 10:00:01 +0100 (CET)

Final-Recipient: rfc822; sanne@example.org
Original-Recipient: rfc822;sanne@example.org
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <sanne@example.org>: Recipient address
    rejected: User unknown

--B1
Content-Type: text/rfc822-headers

From: Energie Noord <incasso@energie-noord.example>
To: sanne@example.org
Subject: Energie Noord: een korte video over uw betaling
Message-ID: {MESSAGE_ID}

--B1--
""".replace("\n", "\r\n").encode()


def test_a_failed_report_names_the_original_and_what_the_server_said() -> None:
    (bounce,) = parse_bounce(report())
    assert bounce.message_id == MESSAGE_ID and bounce.status == "5.1.1"
    assert bounce.diagnostic.endswith("Recipient address rejected: User unknown")
    assert parse_bounce(report(action="delayed", status="4.4.1")) == []
    with pytest.raises(ValueError, match="not a delivery status notification"):
        parse_bounce(b"Subject: hello\r\n\r\nAre you there?\r\n")


def test_the_command_marks_the_message_bounced(
    settings: Settings, web: TestClient, campaign: dict[str, str], db: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    sanne = db.scalars(select(Debtor).where(Debtor.email == "sanne@example.org")).one()
    make_message(db, sanne, provider_id=MESSAGE_ID)
    db.commit()
    monkeypatch.setenv("DATABASE_URL", settings.database)
    monkeypatch.setenv("VIDPAY_VAR", str(settings.var))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    runner = CliRunner()
    done = runner.invoke(app, ["outbox", "bounce"], input=report())
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "1 failed recipients reported, 1 messages marked bounced"
    db.expire_all()
    message = db.scalars(select(Message)).one()
    assert message.status == "bounced" and (message.last_error or "").startswith("bounced: 5.1.1")
    refused = runner.invoke(app, ["outbox", "bounce"], input=b"Subject: hi\r\n\r\nhi\r\n")
    assert refused.exit_code == 1 and "not a delivery status notification" in refused.stderr
