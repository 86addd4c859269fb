"""The sender thread as the server runs it: it sends what is due, looks for reminders, and
stops when asked, closing its connection."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, session_factory
from app.models import Message
from app.outreach.outbox import schedule_links
from app.outreach.rules import ContactRules
from app.outreach.worker import Sender, postage, sms_callback_url, start_sender
from tests.smtp_server import smtp_server

MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _sent(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return len(session.scalars(select(Message).where(Message.status == "sent")).all())


def test_the_thread_sends_and_later_queues_reminders(
    settings: Settings, web: TestClient, campaign: dict[str, str]
) -> None:
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        schedule_links(session, 1, channels=["email", "sms"], at=MONDAY, rules=ContactRules())
    now = [MONDAY]
    with smtp_server() as server:
        configured = settings.model_copy(
            update={
                "smtp_url": server.url,
                "mail_from": "incasso@energie-noord.example",
                "messages_per_week": 10,
            }
        )
        sender = Sender(postage(configured, sessions), interval=0.05, remind_every=0.2,
                        clock=lambda: now[0])  # fmt: skip
        sender.start()
        deadline = time.monotonic() + 30
        while _sent(sessions) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)  # recorded, not only received: sent_at is read after the send
        now[0] = MONDAY + timedelta(days=3)  # three days on, nobody opened: reminders
        texts = settings.outbox_dir
        while (
            len(server.received) < 6 or len(list(texts.glob("*.json"))) < 4
        ) and time.monotonic() < deadline:  # the e-mails and the texts go in one round each
            time.sleep(0.05)
        sender.stop()
        received = server.received
    with sessions() as session:
        purposes = sorted(m.purpose for m in session.scalars(select(Message)))
    engine.dispose()
    assert len(received) == 6
    assert purposes == ["link"] * 5 + ["not_opened"] * 5  # 3 e-mails and 2 texts of each
    assert len(list(settings.outbox_dir.glob("*.json"))) == 4


def test_the_servers_sender_is_idle_in_tests_and_asks_for_reports_only_when_signed(
    settings: Settings,
) -> None:
    engine = make_engine(settings.database)
    idle = start_sender(settings, session_factory(engine))
    assert idle._thread is None  # no thread: tests call send_due themselves
    idle.stop()
    engine.dispose()
    assert sms_callback_url(settings) is None
    sinch = settings.model_copy(update={"sms_provider": "sinch", "sinch_service_plan_id": "p",
                                        "sinch_api_token": "t", "sinch_callback_secret": "s"})  # fmt: skip
    assert sms_callback_url(sinch) == "http://127.0.0.1:8000/hooks/sms/sinch/delivery"
