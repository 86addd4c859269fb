"""Sending links by e-mail (to a real SMTP server) and SMS (the file provider), on SQLite and
PostgreSQL: the debtor's language, the contact rules at the moment of sending, retries."""

from __future__ import annotations

import io
import json
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import zxingcpp
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.models import Debtor, Message
from app.models.base import as_utc
from app.outreach.email import Mailer
from app.outreach.outbox import SendPlan, schedule_links
from app.outreach.rules import ContactRules
from app.outreach.sending import Postage, SendReport, Throttle, send_due
from app.outreach.sms import FileProvider
from app.tokens import token_hash
from tests.outreach_fixtures import sessions as sessions
from tests.outreach_fixtures import smtp as smtp
from tests.smtp_server import SmtpServer, smtp_server

AMS = ZoneInfo("Europe/Amsterdam")
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=AMS)
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=AMS)
EMAILS = {"sanne@example.org": "nl", "james@example.org": "en", "ayse@example.org": "tr"}


def _postage(
    settings: Settings,
    sessions: sessionmaker[Session],
    url: str | None,
    *,
    rules: ContactRules | None = None,
) -> Postage:
    return Postage(
        sessions=sessions,
        rules=rules or ContactRules(),
        key=settings.key,
        base_url="https://pay.example.org",
        creditor="Energie Noord",
        mail_from="incasso@energie-noord.example",
        mailer=Mailer(url) if url else None,
        sms=FileProvider(settings.outbox_dir),
    )


def _send(postage: Postage, now: datetime) -> SendReport:
    try:
        return send_due(postage, now=now)
    finally:
        postage.close()


def _schedule(
    sessions: sessionmaker[Session],
    channels: list[str],
    at: datetime,
    rules: ContactRules | None = None,
) -> SendPlan:
    with sessions() as session, session.begin():
        return schedule_links(session, 1, channels=channels, at=at, rules=rules or ContactRules())


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def _messages(sessions: sessionmaker[Session]) -> list[Message]:
    with sessions() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_links_go_by_email_in_the_debtors_language(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    plan = _schedule(sessions, ["email"], WEDNESDAY)
    assert (plan.queued["email"], dict(plan.skipped["email"]), plan.moved) == (
        3, {"no e-mail address": 2}, False,
    )  # fmt: skip
    report = _send(_postage(settings, sessions, smtp.url), WEDNESDAY)
    assert (report.sent, report.failed, report.errors) == (3, 0, [])
    by_address = {r.recipients[0]: r.message for r in smtp.received}
    assert set(by_address) == set(EMAILS)
    nl = by_address["sanne@example.org"]
    assert nl["Subject"] == "Energie Noord: een korte video over uw betaling"
    assert str(nl["From"]) == "Energie Noord <incasso@energie-noord.example>"
    assert nl["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert nl["List-Unsubscribe"].strip().startswith("<https://pay.example.org/v/")
    assert nl["Message-ID"].endswith("@energie-noord.example>")
    text, html = _body(nl, "plain"), _body(nl, "html")
    assert "Beste Sanne de Vries," in text and "€\xa0148,20" in text
    assert '<html lang="nl">' in html and "Bekijk uw video" in html and 'src="cid:qr-code"' in html
    images = [part for part in nl.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<qr-code>"
    assert "Merhaba Ayşe Yılmaz," in _body(by_address["ayse@example.org"], "plain")
    # the plain part reads as it is in the raw message (quoted-printable, not base64)
    raw = next(r.data for r in smtp.received if r.recipients == ["sanne@example.org"])
    assert b"Content-Transfer-Encoding: quoted-printable" in raw and b"Beste Sanne de Vries," in raw
    # the link in the message is the debtor's own
    link = next(word for word in text.split() if word.startswith("https://pay.example.org/v/"))
    # the QR code beside it reads as the same link
    png = images[0].get_payload(decode=True)
    assert isinstance(png, bytes)
    assert zxingcpp.read_barcode(Image.open(io.BytesIO(png))).text == link  # type: ignore[union-attr]
    with sessions() as session:
        debtor = session.scalars(
            select(Debtor).where(Debtor.token_hash == token_hash(link.rsplit("/", 1)[1]))
        ).one()
        assert debtor.email == "sanne@example.org"
    messages = _messages(sessions)
    assert {(m.status, m.address) for m in messages} == {("sent", a) for a in EMAILS}
    assert all(m.provider_id and m.provider_id.startswith("<") for m in messages)


def test_asking_again_sends_nobody_twice(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _schedule(sessions, ["email"], WEDNESDAY)
    _send(_postage(settings, sessions, smtp.url), WEDNESDAY)
    again = _schedule(sessions, ["email"], WEDNESDAY)
    assert (again.queued["email"], again.already["email"]) == (0, 3)
    report = _send(_postage(settings, sessions, smtp.url), WEDNESDAY + timedelta(hours=1))
    assert report.handled == 0 and len(smtp.received) == 3


def test_a_send_on_sunday_at_ten_goes_on_monday_at_seven(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    plan = _schedule(sessions, ["email"], SUNDAY)
    monday = datetime(2026, 12, 7, 7, 0, tzinfo=AMS)
    assert plan.moved and plan.send_at == monday
    postage = _postage(settings, sessions, smtp.url)
    assert send_due(postage, now=SUNDAY).handled == 0
    assert send_due(postage, now=monday - timedelta(seconds=1)).handled == 0
    assert _send(postage, monday).sent == 3


def test_a_message_due_in_the_evening_waits_for_the_morning(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    """A sender that was down all afternoon does not catch up at 21:00."""
    _schedule(sessions, ["email"], WEDNESDAY)
    evening = WEDNESDAY.replace(hour=21)
    report = _send(_postage(settings, sessions, smtp.url), evening)
    assert (report.moved, report.sent, smtp.received) == (3, 0, [])
    assert {as_utc(m.send_at) for m in _messages(sessions)} == {
        datetime(2026, 12, 3, 7, 0, tzinfo=AMS)
    }
    assert {m.attempts for m in _messages(sessions)} == {0}  # a move is not an attempt


def test_who_unsubscribed_or_paid_after_the_send_was_asked_gets_nothing(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _schedule(sessions, ["email"], WEDNESDAY)
    with sessions() as session, session.begin():
        debtors = {d.email: d for d in session.scalars(select(Debtor))}
        debtors["sanne@example.org"].email_opt_out_at = as_utc(WEDNESDAY)
        debtors["james@example.org"].case_status = "paid"
    report = _send(_postage(settings, sessions, smtp.url), WEDNESDAY)
    assert (report.sent, report.cancelled) == (1, 2)
    assert [r.recipients for r in smtp.received] == [["ayse@example.org"]]
    reasons = [m.last_error or "" for m in _messages(sessions) if m.status == "cancelled"]
    assert sorted(reasons) == ["already paid", "unsubscribed"]


def test_the_weekly_cap_counts_every_channel(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    rules = ContactRules(per_week=1)
    _schedule(sessions, ["email", "sms"], WEDNESDAY, rules)
    report = _send(_postage(settings, sessions, smtp.url, rules=rules), WEDNESDAY)
    # Sanne and Ayşe have both: one of their two messages waits a week; Jürgen's number is a
    # landline (no SMS), Lucía has neither
    assert (report.sent, report.moved) == (3, 2)
    waiting = [m for m in _messages(sessions) if m.status == "scheduled"]
    assert {as_utc(m.send_at) for m in waiting} == {as_utc(WEDNESDAY) + timedelta(days=7)}


def test_texts_go_as_files_with_the_file_provider(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    plan = _schedule(sessions, ["sms"], WEDNESDAY)
    assert plan.queued["sms"] == 2
    assert dict(plan.skipped["sms"]) == {"not a mobile number": 1, "no phone number": 2}
    report = _send(_postage(settings, sessions, None), WEDNESDAY)
    assert report.sent == 2
    files = [json.loads(p.read_text()) for p in sorted(settings.outbox_dir.glob("*.json"))]
    by_number = {f["to"]: f for f in files}
    assert set(by_number) == {"+31612345678", "+31687654321"}
    turkish = by_number["+31687654321"]
    # Turkish is UCS-2 (134 characters in two parts): only the short form fits
    assert turkish["text"].startswith("Energie Noord: ödemeniz hakkında kısa bir video: https://")
    assert (turkish["alphabet"], turkish["parts"]) == ("UCS-2", 2)
    assert by_number["+31612345678"]["text"].startswith("Energie Noord: Beste Sanne de Vries,")
    assert {m.parts for m in _messages(sessions)} == {by_number["+31612345678"]["parts"], 2}


def test_an_smtp_server_that_is_down_is_tried_again_later(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from tests.smtp_server import free_port

    _schedule(sessions, ["email"], WEDNESDAY)
    report = _send(_postage(settings, sessions, f"smtp://127.0.0.1:{free_port()}"), WEDNESDAY)
    # the first failure tells the channel is down: the others are not tried in this run
    assert (report.retried, report.sent, report.handled) == (1, 0, 1)
    messages = _messages(sessions)
    retried = [m for m in messages if m.attempts == 1]
    assert len(retried) == 1 and "cannot reach 127.0.0.1" in (retried[0].last_error or "")
    assert as_utc(retried[0].send_at) == as_utc(WEDNESDAY) + timedelta(minutes=1)
    assert {m.status for m in messages} == {"scheduled"}
    with smtp_server() as server:
        later = WEDNESDAY + timedelta(minutes=2)
        assert _send(_postage(settings, sessions, server.url), later).sent == 3


def test_a_refused_address_fails_and_the_others_go(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    smtp.handler.refuse["james@example.org"] = "550 5.1.1 No such user"
    _schedule(sessions, ["email"], WEDNESDAY)
    report = _send(_postage(settings, sessions, smtp.url), WEDNESDAY)
    assert (report.sent, report.failed) == (2, 1)
    failed = [m for m in _messages(sessions) if m.status == "failed"]
    assert failed[0].last_error == "SMTP 550: 5.1.1 No such user"


def test_starttls_with_a_login(
    tmp_path: Path, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    with smtp_server(tls_folder=tmp_path, user="mailer", password="p@ss w0rd") as server:
        context = ssl.create_default_context(cafile=tmp_path / "smtp.crt")
        postage = _postage(settings, sessions, None)
        postage.mailer = Mailer(
            f"smtp://mailer:p%40ss%20w0rd@127.0.0.1:{server.port}", context=context
        )
        _schedule(sessions, ["email"], WEDNESDAY)
        assert _send(postage, WEDNESDAY).sent == 3
        assert len(server.received) == 3


def test_a_password_is_not_sent_without_tls(
    settings: Settings, sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    _schedule(sessions, ["email"], WEDNESDAY)
    url = f"smtp://user:secret@127.0.0.1:{smtp.port}"
    report = _send(_postage(settings, sessions, url), WEDNESDAY)
    assert report.retried == 1 and "not sent in the clear" in report.errors[0]
    assert smtp.received == []


def test_the_throttle_spaces_messages() -> None:
    throttle = Throttle(per_minute=1200)  # one every 50 ms
    import time

    started = time.monotonic()
    for _ in range(5):
        throttle.wait()
    assert time.monotonic() - started >= 4 * 0.05 * 0.95


def test_texts_go_through_sinch_with_our_reference_and_the_delivery_callback(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from app.outreach.sinch import SinchProvider
    from tests.fake_sinch import TEST_API_TOKEN, TEST_SERVICE_PLAN_ID, serve_fake_sinch

    _schedule(sessions, ["sms"], WEDNESDAY)
    with serve_fake_sinch() as fake:
        postage = _postage(settings, sessions, None)
        postage.sms = SinchProvider(service_plan_id=TEST_SERVICE_PLAN_ID, api_token=TEST_API_TOKEN,
                                    sender="EnergieNrd", base_url=fake.url)  # fmt: skip
        postage.sms_callback_url = "https://pay.example.org/hooks/sms/sinch/delivery"
        fake.fail_next(503)  # the first attempt meets a provider that is down
        report = _send(postage, WEDNESDAY)
        assert (report.sent, report.retried) == (1, 1)
        postage.sms = SinchProvider(service_plan_id=TEST_SERVICE_PLAN_ID, api_token=TEST_API_TOKEN,
                                    sender="EnergieNrd", base_url=fake.url)  # fmt: skip
        assert _send(postage, WEDNESDAY + timedelta(minutes=5)).sent == 1
        bodies = [r.json for r in fake.requests if r.method == "POST"]
        batches = set(fake.batches)
    sent = {m.key: m for m in _messages(sessions) if m.status == "sent"}
    assert len(sent) == 2 and len(bodies) == 3
    for body in bodies[1:]:
        message = sent[body["client_reference"]]
        assert body["callback_url"] == "https://pay.example.org/hooks/sms/sinch/delivery"
        assert body["delivery_report"] == "per_recipient" and body["from"] == "EnergieNrd"
        assert message.provider_id in batches and message.address in {
            "+" + to for to in body["to"]
        } | set(body["to"])
