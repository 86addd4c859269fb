"""Sending a campaign's links from its page, the message preview and the messages on the
debtor's timeline, over HTTP, signed in, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Campaign, Debtor, Message
from app.models.base import as_utc
from app.outreach.outbox import SendPlan
from app.outreach.plans import when_sentence
from app.outreach.rules import ContactRules
from app.outreach.sms import encoding
from app.outreach.texts import Addressee, link_sms
from tests.admin_session import csrf_of, sign_in
from tests.admin_session import users as users
from tests.factories import make_message

AMS = ZoneInfo("Europe/Amsterdam")
NL_SUBJECT = "Demo Energie: een korte video over uw betaling"
EMAIL_LINE = "E-mail: {} queued, 2 skipped (2 without an e-mail address)"
SMS_SKIPPED = "3 skipped (2 without a phone number, 1 whose number is not a mobile number)"


@pytest.fixture
def mail_web(settings: Settings) -> Iterator[TestClient]:
    """The web app with SMTP set up (the test sender is idle: nothing is sent)."""
    mail = settings.model_copy(
        update={"smtp_url": "smtp://127.0.0.1:2525", "mail_from": "incasso@example.org"}
    )
    with TestClient(create_app(mail), follow_redirects=False) as client:
        yield client


def _campaign_id(db: Session) -> int:
    return db.scalars(select(Campaign.id)).one()


def _messages(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Message)) or 0


def _day_after(first: date, *, weekday: int) -> date:
    """The first day from ``first`` on with this ISO weekday whose next day is a working day
    (and, but for a Sunday, itself too): 10:00 stays, or moves to the next morning at 07:00."""
    quiet, day = ContactRules().quiet_day, first
    while day.isoweekday() != weekday or quiet(day + timedelta(1)) or (weekday < 7 and quiet(day)):
        day += timedelta(days=1)
    return day


def _local(day: date) -> str:
    return f"{day.isoformat()}T10:00"


def _send(web: TestClient, campaign_id: int, **fields: str | list[str]) -> Response:
    page = web.get(f"/admin/campaigns/{campaign_id}").text
    return web.post(f"/admin/campaigns/{campaign_id}/send", data={"csrf": csrf_of(page), **fields})


def _report(web: TestClient, response: Response) -> str:
    """The campaign page a send redirected to, as text without tags."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("#send-title")
    page = web.get(location)
    assert page.status_code == 200
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


# --- sending ---------------------------------------------------------------------------------


def test_the_campaign_page_has_the_send_form(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    sign_in(web, "olga@example.org")
    page = web.get(f"/admin/campaigns/{_campaign_id(db)}").text
    for fragment in [
        '<h2 id="send-title">Send the links</h2>',
        "<fieldset>\n      <legend>Channels</legend>",
        '<label class="choice"><input type="checkbox" name="channel" value="email"',
        '<label class="choice"><input type="checkbox" name="channel" value="sms"',
        '<label for="send-at">',
        'type="datetime-local" id="send-at" name="at" value="" aria-describedby="send-at-hint"',
        '<p class="hint" id="send-at-hint">Empty: now. In Europe/Amsterdam time.',
        '<button type="submit" name="dry_run" value="1">Preview</button>',
        '<button type="submit" class="primary">Send</button>',
        "E-mail is not set up on this server (VIDPAY_SMTP_URL).",
        "No messages yet.",
    ]:
        assert fragment in page
    web.cookies.clear()
    sign_in(web, "dan@example.org")  # a designer sees the numbers, not the form
    page = web.get(f"/admin/campaigns/{_campaign_id(db)}").text
    assert "/send" not in page and "Send the links" in page


def test_preview_writes_nothing_send_queues_and_a_second_send_queues_none(
    mail_web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    web, campaign_id = mail_web, _campaign_id(db)
    tuesday = _day_after(date.today() + timedelta(days=1), weekday=2)
    when = _local(tuesday)
    moment = format_datetime(
        datetime.combine(tuesday, time(10, 0), AMS), "EEEE d MMMM y 'at' HH:mm", locale="en"
    )
    sign_in(web, "olga@example.org")
    both: dict[str, str | list[str]] = {"channel": ["email", "sms"], "at": when}

    preview = _report(web, _send(web, campaign_id, **both, dry_run="1"))
    assert "Preview: nothing was queued yet." in preview
    assert EMAIL_LINE.replace("queued", "would be queued").format(3) in preview
    assert f"SMS: 2 would be queued, {SMS_SKIPPED}" in preview
    assert f"They would go on {moment}." in preview
    assert _messages(db) == 0
    assert "Preview: nothing" not in web.get(f"/admin/campaigns/{campaign_id}").text  # once

    sent = _report(web, _send(web, campaign_id, **both))
    assert "Queued." in sent and EMAIL_LINE.format(3) in sent
    assert f"SMS: 2 queued, {SMS_SKIPPED}" in sent
    assert f"They go on {moment}." in sent
    assert _messages(db) == 5
    rows = db.execute(select(Message.channel, Message.status, Message.send_at)).all()
    assert Counter((c, s) for c, s, _ in rows) == {
        ("email", "scheduled"): 3,
        ("sms", "scheduled"): 2,
    }
    assert {as_utc(at) for _, _, at in rows} == {datetime.combine(tuesday, time(10, 0), AMS)}
    table = web.get(f"/admin/campaigns/{campaign_id}").text
    cells = r'<td class="num">{}</td><td class="num">0</td>'
    assert re.search(r'<th scope="row">E-mail</th>' + cells.format(3), table)
    assert re.search(r'<th scope="row">SMS</th>' + cells.format(2), table)
    assert f">{moment}</time>" in table  # the next scheduled moment
    assert '<th scope="col" class="num">Delivered</th>' in table

    again = _report(web, _send(web, campaign_id, **both))
    assert "E-mail: 0 queued, 3 already sent or queued before, 2 skipped" in again
    assert "SMS: 0 queued, 2 already sent or queued before" in again
    assert "Nothing new to send." in again
    assert _messages(db) == 5


def test_a_send_asked_for_on_a_sunday_goes_on_monday_morning(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    sunday = _day_after(max(date.today() + timedelta(days=1), date(2026, 12, 6)), weekday=7)
    monday = datetime.combine(sunday + timedelta(days=1), time(7, 0), AMS)
    sign_in(web, "olga@example.org")
    report = _report(web, _send(web, _campaign_id(db), channel="sms", at=_local(sunday)))
    moment = format_datetime(monday, "EEEE d MMMM y 'at' HH:mm", locale="en")
    assert (
        f"They go on {moment} (no messages on Sundays and public holidays, nor between 20:00 "
        "and 07:00)." in report
    )
    if sunday == date(2026, 12, 6):
        assert "They go on Monday 7 December 2026 at 07:00" in report
    db.expire_all()
    assert {as_utc(at) for at in db.scalars(select(Message.send_at))} == {monday}


def test_the_sentence_says_when_they_go() -> None:
    rules = ContactRules()
    sunday = datetime(2026, 12, 6, 10, 0, tzinfo=AMS)
    moved = SendPlan(asked_at=sunday, send_at=rules.next_allowed(sunday), queued=Counter(sms=2))
    assert when_sentence(moved, rules, later=True) == (
        "They go on Monday 7 December 2026 at 07:00 (no messages on Sundays and public "
        "holidays, nor between 20:00 and 07:00)."
    )
    now = datetime(2026, 12, 2, 10, 0, tzinfo=AMS)
    right_away = SendPlan(asked_at=now, send_at=now, queued=Counter(email=1))
    assert when_sentence(right_away, rules) == "They go now."
    assert when_sentence(right_away, rules, dry_run=True) == "They would go now."
    assert when_sentence(SendPlan(asked_at=now, send_at=now), rules) == "Nothing new to send."


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"at": ""}, "Choose how to send the links: by e-mail, by SMS or both."),
        ({"channel": "fax"}, "Choose how to send the links"),
        ({"channel": "sms", "at": "next Monday"}, "“When” is not a date and time"),
        ({"channel": "sms", "at": "2026-12-07T09:30+01:00"}, "“When” is not a date and time"),
        ({"channel": "sms", "at": "2020-01-06T10:00"}, "That moment has passed"),
        ({"channel": ["sms", "email"]}, "E-mail is not set up: VIDPAY_SMTP_URL is not set."),
    ],
)
def test_a_bad_send_says_what_is_wrong_and_writes_nothing(
    web: TestClient,
    users: None,
    campaign: dict[str, str],
    db: Session,
    fields: dict[str, str | list[str]],
    error: str,
) -> None:
    sign_in(web, "olga@example.org")
    campaign_id = _campaign_id(db)
    response = _send(web, campaign_id, **fields)
    page = web.get(response.headers["location"]).text
    assert '<div class="errors" role="alert"><p>Nothing was sent or queued:</p>' in page
    assert html.escape(error, quote=False) in page
    assert _messages(db) == 0
    if fields.get("channel") == "sms":  # what was asked for stays in the form
        assert 'value="sms" checked' in page


def test_sending_needs_a_signed_in_operator_and_the_csrf_token(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    campaign_id = _campaign_id(db)
    path = f"/admin/campaigns/{campaign_id}/send"
    token = csrf_of(web.get("/admin/login").text)
    anonymous = web.post(path, data={"csrf": token, "channel": "sms"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/admin/login?next=")
    preview = web.get(f"/admin/campaigns/{campaign_id}/messages/preview")
    assert preview.status_code == 303 and preview.headers["location"].startswith("/admin/login")
    sign_in(web, "olga@example.org")
    assert web.post(path, data={"channel": "sms"}).status_code == 403  # no token
    assert web.post(path, data={"channel": "sms", "csrf": "forged" * 8}).status_code == 403
    web.cookies.clear()
    sign_in(web, "dan@example.org")
    assert _send(web, campaign_id, channel="sms").status_code == 403  # designers may not send
    assert _messages(db) == 0


def test_a_purged_campaign_is_not_sent(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    campaign_id = _campaign_id(db)
    sign_in(web, "olga@example.org")
    token = csrf_of(web.get(f"/admin/campaigns/{campaign_id}").text)
    purge = web.post(
        f"/admin/campaigns/{campaign_id}/purge", data={"csrf": token, "confirm": "Test"}
    )
    assert purge.status_code == 303
    refused = web.post(
        f"/admin/campaigns/{campaign_id}/send", data={"csrf": token, "channel": "sms"}
    )
    assert refused.status_code == 409 and "can no longer be sent" in refused.text
    assert web.post("/admin/campaigns/999/send", data={"csrf": token}).status_code == 404
    assert web.get(f"/admin/campaigns/{campaign_id}/messages/preview").status_code == 404
    assert _messages(db) == 0


# --- the preview -------------------------------------------------------------------------------


def _style_hashes(letter_html: str) -> set[str]:
    styles = {html.unescape(s) for s in re.findall(r'style="([^"]*)"', letter_html)}
    return {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in styles}


def test_the_e_mail_preview_in_dutch(
    web: TestClient, users: None, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    sign_in(web, "olga@example.org")
    campaign_id = _campaign_id(db)
    response = web.get(
        f"/admin/campaigns/{campaign_id}/messages/preview", params={"language": "nl"}
    )
    assert response.status_code == 200
    page = response.text
    assert f'<p lang="nl" id="subject">{NL_SUBJECT}</p>' in page
    assert "Written for DEMO-NL-1" in page
    assert re.search(r'<pre lang="nl">Beste Sanne de Vries,', page)
    assert f"{settings.base_url}/v/EXAMPLE" in page
    assert not any(token in page for token in campaign.values())  # never a real link
    frame = re.search(r'<iframe sandbox srcdoc="([^"]*)"', page)
    assert frame is not None
    letter = html.unescape(frame.group(1))
    assert letter.startswith("<!doctype html>") and 'lang="nl"' in letter
    assert 'src="data:image/png;base64,' in letter  # the QR code, inline
    for code in ("nl", "en", "de", "tr", "es"):
        assert f'href="?language={code}&amp;channel=email"' in page
    assert 'href="?language=nl&amp;channel=sms"' in page
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert "style-src 'self' 'unsafe-hashes' " in csp
    assert all(f"'sha256-{digest}'" in csp for digest in _style_hashes(letter))
    assert "script-src 'nonce-" in csp and "default-src 'none'" in csp


def test_the_sms_preview_counts_its_parts(
    web: TestClient, users: None, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    sign_in(web, "olga@example.org")
    campaign_id = _campaign_id(db)
    debtor = db.scalars(select(Debtor).where(Debtor.reference == "DEMO-TR-1")).one()
    page = web.get(
        f"/admin/campaigns/{campaign_id}/messages/preview",
        params={"language": "tr", "channel": "sms"},
    ).text
    base = settings.base_url.rstrip("/")
    text = link_sms(
        Addressee(
            debtor.name,
            "tr",
            debtor.amount_cents,
            f"{base}/v/EXAMPLE",
            f"{base}/v/EXAMPLE/unsubscribe?channel=sms",
            settings.creditor_name,
        )
    )
    cost = encoding(text)
    assert cost.alphabet == "UCS-2"  # Ayşe
    plural = "" if cost.parts == 1 else "s"
    assert (
        f'<p id="sms-parts">UCS-2, {cost.units} characters, {cost.parts} part{plural}</p>' in page
    )
    assert f'<pre lang="tr">{html.escape(text, quote=False)}</pre>' in page


def test_designers_see_sample_values_and_names_are_escaped(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    campaign_id = _campaign_id(db)
    path = f"/admin/campaigns/{campaign_id}/messages/preview"
    sign_in(web, "dan@example.org")
    sample = web.get(path, params={"language": "de"}).text
    assert "Written with sample values: Sanne de Vries, who owes €148.20." in sample
    assert "Jürgen" not in sample
    debtor = db.scalars(select(Debtor).where(Debtor.reference == "DEMO-NL-1")).one()
    debtor.name = "<script>alert(1)</script>"
    db.commit()
    web.cookies.clear()
    sign_in(web, "olga@example.org")
    for channel in ("email", "sms"):
        page = web.get(path, params={"language": "nl", "channel": channel}).text
        assert "<script" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    letter = web.get(path, params={"language": "nl"}).text
    assert "&amp;lt;script&amp;gt;" in letter  # escaped in the letter, and again in srcdoc


# --- the debtor's timeline ------------------------------------------------------------------


def test_the_timeline_shows_the_messages_and_the_opt_outs(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    debtor = db.scalars(select(Debtor).where(Debtor.reference == "DEMO-NL-1")).one()
    asked = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def message(channel: str, key: str, status: str, **values: Any) -> None:
        values = {"send_at": asked, "attempts": 1, "created_at": asked, **values}
        make_message(db, debtor, channel=channel, key=key, status=status, **values)

    minutes = [asked + timedelta(minutes=n) for n in range(4)]
    message("email", "e1", "sent", sent_at=minutes[1], address="sanne@example.org")
    message("sms", "s1", "delivered", sent_at=minutes[2], delivered_at=minutes[3], parts=2)
    message("sms", "s2", "cancelled", last_error="unsubscribed")
    message("email", "e2", "failed", last_error="SMTP 550 mailbox unavailable")
    message("email", "e3", "scheduled", send_at=datetime(2026, 12, 7, 6, 0, tzinfo=UTC))
    debtor.email_opt_out_at = datetime(2026, 12, 3, 8, 15, tzinfo=UTC)
    db.commit()
    sign_in(web, "olga@example.org")
    page = web.get(f"/admin/debtors/{debtor.id}").text
    entries = [
        re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", li))).strip()
        for li in re.findall(r'<li class="entry-(?:message|opt-out)">(.*?)</li>', page, re.S)
    ]
    expected = [
        "2026-12-03 09:15 Unsubscribed from e-mails",
        "2026-12-02 10:03 SMS delivered",
        "2026-12-02 10:02 SMS sent: your link (2 parts)",
        "2026-12-02 10:01 E-mail sent: your link sanne@example.org",
        "2026-12-02 10:00 SMS not sent: unsubscribed your link",
        "2026-12-02 10:00 E-mail failed: SMTP 550 mailbox unavailable your link",
        "2026-12-02 10:00 E-mail scheduled for 7 Dec 07:00 your link",
    ]
    assert entries[:4] == expected[:4]  # newest first; the last three share their moment
    assert sorted(entries[4:]) == sorted(expected[4:])
    assert re.search(
        r'<dd id="opt-outs">No e-mails since <time datetime="[^"]+">2026-12-03 09:15', page
    )
