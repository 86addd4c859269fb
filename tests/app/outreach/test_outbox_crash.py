"""A sender killed with SIGKILL in the middle of 1,000 e-mails, then started again: every
debtor gets their message, and at most the one in flight at the kill reaches the server
twice, under the same Message-ID (so the debtor's mail program shows it once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.db import make_engine, session_factory
from app.models import Message
from app.outreach.outbox import schedule_links
from app.outreach.rules import ContactRules
from tests.conftest import REPO
from tests.outbox_run import MORNING, mail_campaign
from tests.smtp_server import smtp_server

COUNT = 1000


def _sender(settings: Settings, smtp_url: str, moment: datetime) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.outbox_run", settings.database, smtp_url,
               str(settings.var), moment.isoformat()]  # fmt: skip
    return subprocess.Popen(command, cwd=REPO, env={**os.environ, "VIDPAY_ENV": "test"})


@pytest.mark.slow
def test_a_kill_mid_send_then_a_restart_sends_each_debtor_one_message(
    settings: Settings, tmp_path: Path
) -> None:
    campaign_id = mail_campaign(settings, tmp_path, COUNT)
    morning = datetime.fromisoformat(MORNING)
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        schedule_links(session, campaign_id, channels=["email"], at=morning, rules=ContactRules())
    with smtp_server() as server:
        first = _sender(settings, server.url, morning)
        deadline = time.monotonic() + 120
        while len(server.received) < COUNT // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        at_kill = len(server.received)
        assert COUNT // 3 <= at_kill < COUNT, "the kill came too late to test anything"
        with sessions() as session:
            left = session.scalar(select(func.count()).where(Message.status != "sent"))
        assert left and left > 0
        # started again once the killed sender's lease has ended
        second = _sender(settings, server.url, morning + timedelta(minutes=6))
        assert second.wait(timeout=300) == 0
        received = server.received
    per_debtor = Counter(r.recipients[0] for r in received)
    assert set(per_debtor) == {f"debtor{n}@example.org" for n in range(1, COUNT + 1)}
    twice = [address for address, copies in per_debtor.items() if copies > 1]
    assert len(twice) <= 1 and max(per_debtor.values()) <= 2
    for address in twice:
        ids = {r.message["Message-ID"] for r in received if r.recipients[0] == address}
        assert len(ids) == 1
    with sessions() as session:
        statuses = Counter(session.scalars(select(Message.status)))
    engine.dispose()
    assert statuses == {"sent": COUNT}
