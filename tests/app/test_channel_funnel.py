"""The funnel per channel, on SQLite and PostgreSQL: sent, delivered, then what the debtors
reached by that channel did."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.channel_funnel import channel_funnels
from app.models import Debtor, Event
from tests.admin_session import sign_in
from tests.admin_session import users as users
from tests.factories import make_message


def test_each_channel_counts_its_own_debtors(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    debtors = {d.reference: d for d in db.scalars(select(Debtor))}
    nl, en, tr = debtors["DEMO-NL-1"], debtors["DEMO-EN-1"], debtors["DEMO-TR-1"]
    for debtor in (nl, en, tr):
        make_message(db, debtor, channel="email", status="sent")
    make_message(db, nl, channel="sms", status="delivered")
    make_message(db, tr, channel="sms", status="bounced")
    make_message(db, debtors["DEMO-DE-1"], channel="sms", status="scheduled")  # not sent yet
    make_message(db, en, purpose="not_opened", key="not_opened/1/email/2")  # not a link
    for kind in ("open", "segment_end"):
        db.add(Event(debtor_id=nl.id, client_id=f"nl-{kind}", type=kind, node="intro", data={}))
    db.add(Event(debtor_id=tr.id, client_id="tr-open", type="open", data={}))
    db.commit()
    email, sms = channel_funnels(db, 1)
    assert (email.channel, sms.channel) == ("email", "sms")
    assert [s.count for s in email.total.stages] == [3, 3, 2, 1, 0, 0]
    assert [s.count for s in sms.total.stages] == [2, 1, 2, 1, 0, 0]
    assert {f.key: (f.sent, f.opened) for f in email.languages} == {
        "en": (1, 0), "nl": (1, 1), "tr": (1, 1),
    }  # fmt: skip
    assert [(f.key, f.sent) for f in sms.variants] == [("arrears", 2)]
    assert email.total.stages[2].share == 2 / 3


def test_the_campaign_page_shows_each_channels_funnel(
    web: TestClient, campaign: dict[str, str], db: Session, users: None
) -> None:
    debtors = {d.reference: d for d in db.scalars(select(Debtor))}
    make_message(db, debtors["DEMO-NL-1"], channel="sms", status="delivered")
    db.commit()
    sign_in(web, "olga@example.org")
    page = web.get("/admin/campaigns/1").text
    assert "Links sent by SMS" in page and "Links sent by e-mail" not in page
    assert "Delivered: reported delivered by the SMS provider." in page
