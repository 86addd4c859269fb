"""A sender in its own process, for the crash test and the mail benchmark: the real
``send_due`` loop on a fixed clock (a weekday morning, so the contact rules let everything
go whenever the test runs), until nothing is due.

    python -m tests.outbox_run DATABASE_URL SMTP_URL VAR ISO_MOMENT [PER_MINUTE]
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.campaigns import import_campaign, read_rows
from app.config import Settings
from app.db import make_engine, session_factory, transaction, upgrade
from app.outreach.email import Mailer
from app.outreach.rules import ContactRules
from app.outreach.sending import Postage, send_due
from app.outreach.sms import FileProvider
from render.validate import load_scene
from tests.conftest import REPO

MORNING = "2026-12-02T10:00:00+01:00"  # a Wednesday, Amsterdam


def mail_campaign(settings: Settings, folder: Path, count: int) -> int:
    """``count`` debtors with an e-mail address each in a new campaign; returns its id."""
    upgrade(settings.database)
    path = folder / "mail.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["reference", "name", "language", "email", "phone", "amount_due",
                         "due_date", "invoice_number"])  # fmt: skip
        for n in range(1, count + 1):
            language = ("nl", "en", "de", "tr", "es")[n % 5]
            writer.writerow([f"M-{n}", f"Debtor {n}", language, f"debtor{n}@example.org", "",
                             "120.00", "2026-10-15", f"INV-{n}"])  # fmt: skip
    scene = load_scene(settings.content.find_scene("arrears"), settings.content)
    engine = make_engine(settings.database, pooled=False)
    with transaction(session_factory(engine)) as session:
        campaign = import_campaign(
            session, scene=scene, rows=read_rows(path, scene), name="Mail", key=settings.key
        )
        campaign_id = campaign.id
    engine.dispose()
    return campaign_id


def postage(settings: Settings, sessions: sessionmaker[Session], smtp_url: str) -> Postage:
    return Postage(
        sessions=sessions,
        rules=ContactRules(per_week=100),
        key=settings.key,
        base_url="https://pay.example.org",
        creditor="Energie Noord",
        mail_from="incasso@energie-noord.example",
        mailer=Mailer(smtp_url),
        sms=FileProvider(settings.outbox_dir),
        per_minute=settings.messages_per_minute,
    )


def main(database_url: str, smtp_url: str, var: str, moment: str, per_minute: str = "0") -> None:
    settings = Settings(
        root=REPO,
        var=Path(var),
        database_url=database_url,
        secret_key="test-secret",
        env="test",
        messages_per_minute=int(per_minute),
    )
    engine = make_engine(settings.database)
    sending = postage(settings, session_factory(engine), smtp_url)
    try:
        while send_due(sending, now=datetime.fromisoformat(moment)).handled:
            pass
    finally:
        sending.close()
        engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
