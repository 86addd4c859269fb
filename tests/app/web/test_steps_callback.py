"""The callback form: the phone the creditor has, a day and then a time within the contact
hours, and an example number as people write it in the debtor's language."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Outcome

NL, EN = "DEMO-NL-1", "DEMO-EN-1"  # Sanne has +31 6 1234 5678 in the CSV, James no phone
SANNE = "+31 6 12345678"  # as stored (+31612345678), written as people read it
EXAMPLES = {
    "nl": "06\u00a012345678",
    "en": "07700\u00a0900123",
    "de": "0151\u00a023456789",
    "tr": "0532\u00a0123\u00a045\u00a067",
    "es": "612\u00a034\u00a056\u00a078",
}


def _page(web: TestClient, token: str, language: str = "nl", node: str = "callback") -> str:
    page = web.get(f"/v/{token}/step/{node}?lang={language}")
    assert page.status_code == 200
    return page.text


def _post(web: TestClient, token: str, fields: dict[str, str], *, language: str = "nl") -> Response:
    form = {"submission": str(uuid.uuid4()), **fields}
    return web.post(f"/v/{token}/step/callback?lang={language}&mode=video", data=form)


def _days(page: str) -> dict[str, list[str]]:
    found = re.findall(r'<option value="(\d{4}-\d\d-\d\d)" data-times="([\d: ]*)"', page)
    return {day: times.split() for day, times in found}


def _times(page: str) -> list[str]:
    select = page.split('<select id="time"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\d\d:\d\d)"', select)


def _now() -> datetime:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).replace(tzinfo=None)


def test_the_phone_is_the_one_in_the_csv_and_what_the_debtor_sent_stays(
    web: TestClient, campaign: dict[str, str]
) -> None:
    assert f'name="phone" autocomplete="tel" inputmode="tel" value="{SANNE}"' in _page(
        web, campaign[NL]
    )
    assert 'inputmode="tel" value=""' in _page(web, campaign[EN], "en")
    # the help step asks the same
    assert f'value="{SANNE}"' in _page(web, campaign[NL], node="cannot_pay")
    sent = _post(web, campaign[NL], {"phone": "06 9999", "day": "", "time": ""})
    assert sent.status_code == 422
    assert 'value="06 9999"' in sent.text and SANNE not in sent.text


@pytest.mark.parametrize("language", sorted(EXAMPLES))
def test_the_example_number_is_written_as_in_the_debtors_country(
    web: TestClient, campaign: dict[str, str], language: str
) -> None:
    page = _page(web, campaign[NL], language)
    example = f'<span class="nowrap">{EXAMPLES[language]}</span>'
    assert re.search(rf'<p id="phone-example" class="hint">[^<]*{example}</p>', page)
    assert 'aria-describedby="phone-example"' in page
    others = [e for lang, e in EXAMPLES.items() if lang != language]
    refused = _post(
        web, campaign[NL], {"phone": "call me", "day": "", "time": ""}, language=language
    )
    assert refused.status_code == 422
    assert EXAMPLES[language] in refused.text.split('id="errors"')[1].split("</div>")[0]
    assert not any(e in refused.text for e in others)


def test_a_day_then_a_time_within_the_hours_not_a_hundred_slots(
    web: TestClient, campaign: dict[str, str]
) -> None:
    page = _page(web, campaign[NL])
    days, times = _days(page), _times(page)
    # Mo-Fr 08:00-18:00: the hours 08:00 to 17:00 once each, the weekdays of two weeks
    assert times == [f"{hour:02d}:00" for hour in range(8, 18)]
    assert "08:00\u201309:00" in page and "17:00\u201318:00" in page
    assert 9 <= len(days) <= 11
    now = _now()
    for day, open_times in days.items():
        when = date.fromisoformat(day)
        assert when.weekday() < 5 and now.date() <= when < now.date() + timedelta(days=15)
        assert open_times and set(open_times) <= set(times)
        assert all(
            datetime.combine(when, datetime.strptime(t, "%H:%M").time()) > now for t in open_times
        )
        if now.date() < when < now.date() + timedelta(days=14):  # two weeks from the next hour
            assert open_times == times  # a whole working day
    weekday = "(Maandag|Dinsdag|Woensdag|Donderdag|Vrijdag)"
    assert re.search(rf'data-times="[^"]*">{weekday} \d+ \w+</option>', page)


def test_the_server_takes_only_a_day_offered_and_a_time_open_on_it(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    days = _days(_page(web, token))
    phone = "+31 6 1234 5678"
    today = _now().date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    for closed in (saturday, today - timedelta(days=1), today + timedelta(days=20)):
        refused = _post(web, token, {"phone": phone, "day": closed.isoformat(), "time": "10:00"})
        assert refused.status_code == 422
        assert "Kies een dag uit de lijst." in refused.text
    day, open_times = list(days.items())[-1]
    for time in ("07:00", "18:00", "10:30"):
        refused = _post(web, token, {"phone": phone, "day": day, "time": time})
        assert refused.status_code == 422
        assert f"om {time} kunnen we u niet bellen. Kies een ander tijdstip." in refused.text
    assert (
        "Kies een moment uit de lijst."
        in _post(web, token, {"phone": phone, "day": day, "time": "tea time"}).text
    )
    # refused or not, the form keeps what was picked
    refused = _post(web, token, {"phone": phone, "day": day, "time": "07:00"})
    assert f'<option value="{day}" data-times="{" ".join(open_times)}" selected>' in refused.text
    assert (
        _post(web, token, {"phone": phone, "day": day, "time": open_times[-1]}).status_code == 303
    )
    db.expire_all()
    (outcome,) = db.scalars(select(Outcome))
    assert outcome.action == "callback"
    assert outcome.details == {"phone": phone, "slot": f"{day}T{open_times[-1]}"}


def test_a_page_from_before_the_two_lists_still_sends_its_slot(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    day, open_times = list(_days(_page(web, token)).items())[-1]
    slot = f"{day}T{open_times[0]}"
    assert _post(web, token, {"phone": "0612345678", "slot": slot}).status_code == 303
    assert _post(web, token, {"phone": "0612345678", "slot": f"{day}T03:00"}).status_code == 422
    db.expire_all()
    assert [o.details["slot"] for o in db.scalars(select(Outcome))] == [slot]


def test_the_form_works_without_javascript_and_the_script_only_narrows_the_times(
    web: TestClient, campaign: dict[str, str]
) -> None:
    page = _page(web, campaign[NL])
    assert '<script src="/static/player/callback.js" defer></script>' in page
    assert "disabled" not in page.split('<select id="time"', 1)[1].split("</select>", 1)[0]
    script = web.get("/static/player/callback.js")
    assert script.status_code == 200 and "data-times" in script.text
