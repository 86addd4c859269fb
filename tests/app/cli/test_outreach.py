"""``vidpay campaign send``, ``campaign reminders`` and ``outbox run`` against a real database
and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings
from app.models import Campaign, Message
from app.models.base import utcnow
from app.outreach.plans import moment
from app.outreach.rules import ContactRules
from tests.smtp_server import SmtpServer, smtp_server

runner = CliRunner()
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def smtp(
    settings: Settings,
    web: TestClient,
    campaign: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        monkeypatch.setenv("DATABASE_URL", settings.database)
        monkeypatch.setenv("VIDPAY_VAR", str(settings.var))
        monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
        monkeypatch.setenv("VIDPAY_SMTP_URL", server.url)
        monkeypatch.setenv("VIDPAY_MAIL_FROM", "incasso@energie-noord.example")
        yield server


def _sunday() -> date:
    """The next Sunday at least two days ahead whose Monday is a working day."""
    day = datetime.now(AMS).date() + timedelta(days=2)
    while day.isoweekday() != 7 or ContactRules().quiet_day(day + timedelta(days=1)):
        day += timedelta(days=1)
    return day


def test_send_on_a_sunday_says_when_they_go_and_a_dry_run_queues_nothing(
    smtp: SmtpServer, db: Session
) -> None:
    sunday = _sunday()
    at = f"{sunday.isoformat()}T10:00"
    monday = datetime.combine(sunday + timedelta(days=1), time(7, 0), tzinfo=AMS)
    dry = runner.invoke(app, ["campaign", "send", "1", "--at", at, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        "E-mail: 3 would be queued, 2 skipped (2 without an e-mail address)",
        "SMS: 2 would be queued, 3 skipped (2 without a phone number, 1 whose number is not a "
        "mobile number)",
        f"They would go on {moment(monday, AMS)} (no messages on Sundays and public holidays, "
        "nor between 20:00 and 07:00).",
        "Dry run: nothing was queued.",
    ]
    assert moment(monday, AMS).startswith("Monday ") and moment(monday, AMS).endswith(" at 07:00")
    assert db.scalars(select(Message)).all() == []
    sent = runner.invoke(app, ["campaign", "send", "1", "--channel", "email", "--at", at])
    assert sent.exit_code == 0, sent.output
    again = runner.invoke(app, ["campaign", "send", "1", "--channel", "email"])
    assert (
        again.stdout.splitlines()[0]
        == "E-mail: 0 queued, 3 already sent or queued before, 2 skipped (2 without an e-mail "
        "address)"
    )
    assert again.stdout.splitlines()[1] == "Nothing new to send."
    assert len(db.scalars(select(Message)).all()) == 3


def test_usage_errors_say_what_is_wrong(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["campaign", "send", "99"]).exit_code == 2
    bad = runner.invoke(app, ["campaign", "send", "1", "--at", "monday"])
    assert bad.exit_code == 2 and "is not a date and time like 2026-12-07T09:00" in bad.stderr
    monkeypatch.delenv("VIDPAY_SMTP_URL")
    no_mail = runner.invoke(app, ["campaign", "send", "1", "--channel", "email"])
    assert no_mail.exit_code == 2 and "set VIDPAY_SMTP_URL" in no_mail.stderr
    assert runner.invoke(app, ["campaign", "send", "1", "--channel", "sms"]).exit_code == 0


def test_outbox_run_once_sends_what_the_rules_allow_now(smtp: SmtpServer, db: Session) -> None:
    assert runner.invoke(app, ["campaign", "send", "1", "--channel", "email"]).exit_code == 0
    ran = runner.invoke(app, ["outbox", "run", "--once"])
    assert ran.exit_code == 0, ran.output
    if ContactRules().allowed(utcnow()):
        assert ran.stdout.startswith("3 sent, 0 moved") and len(smtp.received) == 3
    else:  # in the evening, at night, on a Sunday: queued for the next allowed morning
        assert ran.stdout.startswith("0 sent, 0 moved") and not smtp.received
    statuses = {m.status for m in db.scalars(select(Message))}
    assert statuses == ({"sent"} if smtp.received else {"scheduled"})


def test_reminder_rules_are_shown_and_changed(smtp: SmtpServer, db: Session) -> None:
    shown = runner.invoke(app, ["campaign", "reminders", "1"])
    assert shown.stdout.splitlines() == [
        "not opened: after 3 days, at most 2 times",
        "the day before a date to pay: yes",
        "after a broken promise: yes",
    ]
    changed = runner.invoke(
        app, ["campaign", "reminders", "1", "--not-opened-days", "0", "--no-broken"]
    )
    assert changed.exit_code == 0, changed.output
    assert changed.stdout.splitlines()[0] == "not opened: no reminder"
    campaign = db.get(Campaign, 1)
    assert campaign is not None and campaign.reminders == {
        "not_opened_days": 0, "not_opened_max": 2, "before_due": True, "broken": False,
    }  # fmt: skip
