"""The confirmation of a plan or a promise: reference, schedule, calendar file, what next."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Debtor, Outcome

NL = "DEMO-NL-1"  # owes € 148,20


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _plan(web: TestClient, token: str, first: date, language: str = "nl") -> str:
    fields = {"amount_cents": "14820", "installments": "3", "first_date": first.isoformat()}
    form = {"submission": str(uuid.uuid4()), **fields, "confirm": "yes"}
    done = web.post(f"/v/{token}/step/plan?lang={language}", data=form)
    assert done.status_code == 303
    return str(done.headers["location"])


def test_a_plan_is_confirmed_with_its_reference_schedule_and_next_payment(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    first = _today() + timedelta(days=2)
    page = web.get(_plan(web, token, first))
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    (outcome,) = db.scalars(select(Outcome))
    reference = f"{NL}-{outcome.id}"
    assert f"Uw kenmerk is {reference}." in page.text
    assert page.text.count("<td>€\u00a049,40</td>") == 3  # 148,20 in three, to the cent
    assert "Uw volgende betaling is €\u00a049,40 op" in page.text
    assert f'href="/v/{token}?lang=nl&amp;node=thanks"' in page.text  # on with the video


def test_the_calendar_file_has_one_event_per_date_with_the_link(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    first = _today() + timedelta(days=2)
    _plan(web, token, first)
    response = web.get(f"/v/{token}/agreed.ics?lang=nl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    assert events[0].decoded("dtstart") == first
    assert [str(e["summary"]) for e in events] == ["Betaal €\u00a049,40"] * 3
    assert f"/v/{token}?lang=nl" in str(events[0]["url"])
    assert len({str(e["uid"]) for e in events}) == 3


def test_a_promise_is_confirmed_too(web: TestClient, campaign: dict[str, str], db: Session) -> None:
    token = campaign["DEMO-EN-1"]  # owes £... in English: € 89.95
    promised = _today() + timedelta(days=10)
    form = {"submission": str(uuid.uuid4()), "date": promised.isoformat()}
    done = web.post(f"/v/{token}/step/later?lang=en&mode=text", data=form)
    page = web.get(done.headers["location"])
    assert "Your next payment is €89.95 on" in page.text
    assert "<table" not in page.text
    calendar = icalendar.Calendar.from_ical(web.get(f"/v/{token}/agreed.ics?lang=en").content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == promised


def test_nothing_agreed_is_a_404_and_another_link_sees_nothing(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    assert web.get(f"/v/{token}/agreed?lang=nl").status_code == 404
    _plan(web, token, _today() + timedelta(days=1))
    other = campaign["DEMO-DE-1"]
    assert web.get(f"/v/{other}/agreed?lang=de").status_code == 404
    assert web.get(f"/v/{other}/agreed.ics").status_code == 404
    assert db.scalars(select(Debtor)).first() is not None


def test_under_a_plan_the_pay_step_takes_the_next_instalment(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    _plan(web, token, _today())
    page = web.get(f"/v/{token}/step/pay_how?lang=nl")
    assert 'name="amount_cents" value="4940"' in page.text  # instalment 1 of 3, not 148,20
    form = {"submission": str(uuid.uuid4()), "amount_cents": "4940"}
    checkout = web.post(f"/v/{token}/step/pay_how?lang=nl", data=form).headers["location"]
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    web.post(path, data={"outcome": "paid"})
    agreed = web.get(f"/v/{token}/agreed?lang=nl").text
    assert agreed.count("<td>Betaald</td>") == 0  # the column's cells say yes or not yet
    assert agreed.count("<td>Ja</td>") == 1 and agreed.count("<td>Nog niet</td>") == 2
    assert "Uw volgende betaling is €\u00a049,40 op" in agreed
    again = web.get(f"/v/{token}/step/pay_how?lang=nl")
    assert 'name="amount_cents" value="4940"' in again.text  # instalment 2 now
    calendar = icalendar.Calendar.from_ical(web.get(f"/v/{token}/agreed.ics?lang=nl").content)
    assert len(list(calendar.walk("VEVENT"))) == 2  # the paid one is off the calendar


def test_the_player_and_the_text_version_lead_back_to_what_was_agreed(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    assert "Wat we hebben afgesproken" not in web.get(f"/v/{token}?lang=nl").text
    _plan(web, token, _today())
    player = web.get(f"/v/{token}?lang=nl").text
    assert (
        f'<a href="/v/{token}/agreed?lang=nl&amp;mode=video" data-i18n="What we agreed">Wat we hebben afgesproken</a>'
        in player
    )
    text = web.get(f"/v/{token}/text?lang=nl").text
    assert (
        f'<a href="/v/{token}/agreed?lang=nl&amp;mode=text" data-i18n="What we agreed">Wat we hebben afgesproken</a>'
        in text
    )


def test_what_the_case_holds_is_no_longer_offered(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    assert _offered(web, token, "more_time") == {"plan", "later", "cannot_pay", "menu"}
    _plan(web, token, _today())
    assert _offered(web, token, "more_time") == {"cannot_pay", "menu"}  # no second plan
    assert "pay_now" in _offered(web, token, "menu")  # an instalment can still be paid


def _offered(web: TestClient, token: str, node: str) -> set[str]:
    page = web.get(f"/v/{token}/text?lang=nl&node={node}")
    assert page.status_code == 200
    return set(re.findall(r'name="target" value="(\w+)"', page.text))
