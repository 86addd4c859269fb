"""Reminders by the campaign's rules, on SQLite and PostgreSQL: not opened, the day before a
promise or an instalment, a promise broken; none once the case no longer needs it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.models import Campaign, Debtor, Event, Message, StatusChange
from app.models.base import as_utc
from app.outreach.email import Mailer
from app.outreach.outbox import schedule_links
from app.outreach.reminders import queue_reminders
from app.outreach.rules import ContactRules
from app.outreach.sending import Postage, send_due
from app.outreach.sms import FileProvider
from tests.factories import make_outcome, make_payment, make_plan
from tests.outreach_fixtures import sessions as sessions
from tests.outreach_fixtures import smtp as smtp
from tests.smtp_server import SmtpServer

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=AMS)
RULES = ContactRules(per_week=10)


def _send(settings: Settings, sessions: sessionmaker[Session], url: str, now: datetime) -> int:
    postage = Postage(
        sessions=sessions, rules=RULES, key=settings.key, base_url="https://pay.example.org",
        creditor="Energie Noord", mail_from="incasso@energie-noord.example",
        mailer=Mailer(url), sms=FileProvider(settings.outbox_dir),
    )  # fmt: skip
    try:
        return send_due(postage, now=now).sent
    finally:
        postage.close()


def _remind(sessions: sessionmaker[Session], now: datetime) -> int:
    with sessions() as session, session.begin():
        return queue_reminders(session, today=now.astimezone(AMS).date(), now=now, rules=RULES)


def _links_sent(settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer) -> None:
    with sessions() as session, session.begin():
        schedule_links(session, 1, channels=["email"], at=MONDAY, rules=RULES)
    assert _send(settings, sessions, smtp.url, MONDAY) == 3


def _debtor(session: Session, email: str) -> Debtor:
    return session.scalars(select(Debtor).where(Debtor.email == email)).one()


def _reminders(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(Message.purpose, Debtor.email, Message.status)
            .join(Debtor, Debtor.id == Message.debtor_id)
            .where(Message.purpose != "link")
            .order_by(Message.id)
        )
        return [(purpose, email or "", status) for purpose, email, status in rows]


def test_who_did_not_open_is_reminded_twice_at_most(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _links_sent(settings, sessions, smtp)
    assert _remind(sessions, MONDAY + timedelta(days=2)) == 0
    assert _remind(sessions, MONDAY + timedelta(days=3)) == 3
    assert _remind(sessions, MONDAY + timedelta(days=3, hours=2)) == 0  # found again: no more
    assert _send(settings, sessions, smtp.url, MONDAY + timedelta(days=3)) == 3
    english = next(r.message for r in smtp.received if r.recipients == ["james@example.org"]
                   and "waiting" in r.message["Subject"])  # fmt: skip
    assert english["Subject"] == "Energie Noord: your video is still waiting for you"
    with sessions() as session, session.begin():  # Sanne opens her link
        sanne = _debtor(session, "sanne@example.org")
        session.add(Event(debtor_id=sanne.id, client_id="o-1", type="open", data={}))
    assert _remind(sessions, MONDAY + timedelta(days=6)) == 2
    assert _remind(sessions, MONDAY + timedelta(days=12)) == 0  # two is the most
    assert sorted(e for p, e, _ in _reminders(sessions) if p == "not_opened") == [
        "ayse@example.org", "ayse@example.org", "james@example.org", "james@example.org",
        "sanne@example.org",
    ]  # fmt: skip


def test_a_reminder_found_but_no_longer_needed_is_not_sent(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _links_sent(settings, sessions, smtp)
    assert _remind(sessions, MONDAY + timedelta(days=3)) == 3
    with sessions() as session, session.begin():  # James pays in full before it goes
        james = _debtor(session, "james@example.org")
        make_payment(session, james, 8995, provider_id="demo_1")
    assert _send(settings, sessions, smtp.url, MONDAY + timedelta(days=3)) == 2
    assert ("not_opened", "james@example.org", "cancelled") in _reminders(sessions)


def test_the_day_before_a_promise_and_an_instalment(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _links_sent(settings, sessions, smtp)
    tomorrow = date(2026, 12, 2)
    with sessions() as session, session.begin():
        james, ayse = _debtor(session, "james@example.org"), _debtor(session, "ayse@example.org")
        make_outcome(session, james, "later", {"date": tomorrow.isoformat()}, submission="later-1")
        make_plan(session, ayse, tomorrow, 61728, every=30, node="plan",
                  details={"installments": 2}, submission="plan-1")  # fmt: skip
        campaign = session.get(Campaign, 1)
        assert campaign is not None
        campaign.reminders = {"not_opened_days": 0}
    tuesday = MONDAY + timedelta(days=1)
    assert _remind(sessions, tuesday) == 2
    assert _send(settings, sessions, smtp.url, tuesday) == 2
    subjects = {r.recipients[0]: r.message for r in smtp.received[3:]}
    promise = subjects["james@example.org"]
    assert promise["Subject"] == "Energie Noord: a reminder of your payment tomorrow"
    body = promise.get_body(("plain",))
    assert body is not None
    assert "As agreed, you will pay €89.95 tomorrow, 2 December 2026." in str(
        body.get_content()
    ).replace("\xa0", " ")
    instalment = subjects["ayse@example.org"].get_body(("plain",))
    assert instalment is not None and "617,28" in str(instalment.get_content())


def test_a_broken_promise_is_followed_up_once(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _links_sent(settings, sessions, smtp)
    wednesday = MONDAY + timedelta(days=2)
    with sessions() as session, session.begin():
        james = _debtor(session, "james@example.org")
        session.add(StatusChange(debtor_id=james.id, previous="promised", status="open",
                                 open_cents=8995, paid_cents=0,
                                 created_at=as_utc(wednesday)))  # fmt: skip
        campaign = session.get(Campaign, 1)
        assert campaign is not None
        campaign.reminders = {"not_opened_days": 0}
    assert _remind(sessions, wednesday) == 1
    assert _remind(sessions, wednesday + timedelta(days=1)) == 0
    assert _send(settings, sessions, smtp.url, wednesday) == 1
    assert (
        smtp.received[-1].message["Subject"] == "Energie Noord: we have not received your payment"
    )


def test_rules_switched_off_and_quiet_cases_get_none(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _links_sent(settings, sessions, smtp)
    with sessions() as session, session.begin():
        campaign = session.get(Campaign, 1)
        assert campaign is not None
        campaign.reminders = {"not_opened_days": 0, "before_due": False, "broken": False}
    assert _remind(sessions, MONDAY + timedelta(days=3)) == 0
    with sessions() as session, session.begin():
        campaign = session.get(Campaign, 1)
        assert campaign is not None
        campaign.reminders = None  # the defaults again
        _debtor(session, "sanne@example.org").disputed = True
    assert _remind(sessions, MONDAY + timedelta(days=3)) == 2  # not Sanne: she disputes it
