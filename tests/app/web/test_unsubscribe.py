"""The unsubscribe link of every e-mail: GET asks, POST (the page's button or the mail
program's RFC 8058 one-click) stops the channel, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import Campaign, Debtor
from app.models.base import as_utc
from app.outreach.outbox import schedule_links
from app.outreach.rules import ContactRules
from app.web.urls import unsubscribe_url

NL, EN, TR = "DEMO-NL-1", "DEMO-EN-1", "DEMO-TR-1"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def _debtor(db: Session, reference: str) -> Debtor:
    db.expire_all()
    debtor = db.scalar(select(Debtor).where(Debtor.reference == reference))
    assert debtor is not None
    return debtor


def test_the_page_asks_and_changes_nothing(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[EN]
    page = web.get(unsubscribe_url(token, "email"))
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Do you want no more e-mails from Demo Energie about this?" in page.text
    assert f'action="/v/{token}/unsubscribe?channel=email&amp;lang=en"' in page.text
    assert ">No more e-mails</button>" in page.text
    assert "Your personal link keeps working." in page.text
    for personal in ("James", "Walker", "james@example.org", "89"):
        assert personal not in page.text  # whoever holds the link sees nothing personal
    debtor = _debtor(db, EN)
    assert (debtor.email_opt_out_at, debtor.sms_opt_out_at) == (None, None)


def test_the_button_unsubscribes_and_later_links_are_not_sent(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    done = web.post(unsubscribe_url(campaign[EN], "email") + "&lang=en")
    assert done.status_code == 200
    assert "You will get no more e-mails about this." in done.text
    assert "<button" not in done.text
    debtor = _debtor(db, EN)
    assert debtor.email_opt_out_at is not None and debtor.sms_opt_out_at is None
    plan = schedule_links(
        db, debtor.campaign_id, channels=["email"], at=datetime.now(UTC), rules=ContactRules()
    )
    db.commit()
    assert dict(plan.skipped["email"]) == {"unsubscribed": 1, "no e-mail address": 2}
    assert plan.queued["email"] == 2  # Sanne and Ayşe still get theirs


def test_one_click_without_cookies_twice_keeps_the_first_moment(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    url = unsubscribe_url(campaign[TR], "email")
    web.cookies.clear()
    first = web.post(url, data=ONE_CLICK)
    assert first.status_code == 200  # an answer, not a redirect: the mail program reads it
    moment = _debtor(db, TR).email_opt_out_at
    assert moment is not None
    again = web.post(url, files={"List-Unsubscribe": (None, "One-Click")})  # multipart
    assert again.status_code == 200
    assert _debtor(db, TR).email_opt_out_at == moment
    assert "size artık e-posta gönderilmeyecek" in again.text  # Ayşe's language, Turkish
    assert "Bu konuda size artık e-posta gönderilmeyecek" in web.get(url).text  # says so


def test_texts_are_stopped_apart_from_e_mails(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    url = unsubscribe_url(campaign[NL], "sms")
    page = web.get(url)
    assert "Wilt u hierover geen sms-berichten meer van Demo Energie ontvangen?" in page.text
    assert ">Geen sms-berichten meer</button>" in page.text
    assert '<html lang="nl">' in page.text
    done = web.post(url)
    assert "U krijgt hierover geen sms-berichten meer." in done.text
    assert "Uw persoonlijke link blijft werken." in done.text
    debtor = _debtor(db, NL)
    assert debtor.sms_opt_out_at is not None and debtor.email_opt_out_at is None


def test_without_a_channel_the_page_offers_both_and_the_post_is_refused(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    """The page's language links keep only ``lang``: the debtor then chooses."""
    token = campaign[NL]
    page = web.get(f"/v/{token}/unsubscribe?lang=de")
    assert page.status_code == 200
    assert "Welche Nachrichten von Demo Energie möchten Sie nicht mehr erhalten?" in page.text
    assert page.text.count("<button") == 2
    assert web.post(f"/v/{token}/unsubscribe").status_code == 422
    assert _debtor(db, NL).email_opt_out_at is None


def test_an_unknown_channel_is_a_clear_422(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    for method in (web.get, web.post):
        answer = method(f"/v/{token}/unsubscribe?channel=fax")
        assert answer.status_code == 422
        assert answer.text == (
            "Deze afmeldlink is niet compleet. Gebruik alstublieft de link uit uw e-mail."
        )
    debtor = _debtor(db, NL)
    assert (debtor.email_opt_out_at, debtor.sms_opt_out_at) == (None, None)


def test_an_ended_campaign_still_unsubscribes_without_the_verification_question(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[EN]
    ended = datetime.now(UTC) - timedelta(minutes=1)
    db.execute(update(Campaign).values(expires_at=ended, verify="postcode"))
    db.commit()
    assert web.get(f"/v/{token}").status_code == 410  # the player: this link has ended
    page = web.get(unsubscribe_url(token, "email"))
    assert page.status_code == 200
    assert "Do you want no more e-mails" in page.text
    assert "keeps working" not in page.text  # it does not: no promise of it
    assert web.post(unsubscribe_url(token, "email"), data=ONE_CLICK).status_code == 200
    assert _debtor(db, EN).email_opt_out_at is not None


def test_a_campaign_that_asks_to_verify_does_not_ask_here(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[EN]
    db.execute(update(Campaign).values(verify="postcode"))
    db.commit()
    assert web.get(f"/v/{token}").status_code == 401  # the player asks first
    assert web.post(unsubscribe_url(token, "email")).status_code == 200
    moment = _debtor(db, EN).email_opt_out_at
    assert moment is not None and as_utc(moment) <= datetime.now(UTC)


def test_unknown_tokens_and_purged_campaigns_are_not_found(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    assert web.get(unsubscribe_url("x" * 32, "email")).status_code == 404
    assert web.post(unsubscribe_url("not-a-token", "email")).status_code == 404
    token = campaign[EN]
    db.execute(update(Campaign).values(purged_at=datetime.now(UTC)))
    db.commit()
    gone = web.get(unsubscribe_url(token, "email"))  # as if the link were unknown
    assert (
        gone.status_code == 404 and "We kunnen deze pagina niet vinden" in gone.text
    )  # nl: no Accept-Language
    assert web.post(unsubscribe_url(token, "email"), data=ONE_CLICK).status_code == 404
    assert _debtor(db, EN).email_opt_out_at is None
