"""A campaign's reminder rules on its page: shown, changed by an operator, checked."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Campaign
from tests.admin_session import csrf_of, sign_in
from tests.admin_session import users as users


def _page(web: TestClient) -> str:
    return web.get("/admin/campaigns/1").text


def test_an_operator_changes_the_rules_and_the_page_says_so(
    web: TestClient, campaign: dict[str, str], db: Session, users: None
) -> None:
    sign_in(web, "olga@example.org")
    page = _page(web)
    assert "Not opened: after 3 days, at most 2 times" in page
    form = {"csrf": csrf_of(page), "not_opened_days": "5", "not_opened_max": "1", "broken": "1"}
    answer = web.post("/admin/campaigns/1/reminders", data=form)
    assert answer.status_code == 303
    page = _page(web)
    assert "The reminder rules are saved." in page
    assert "Not opened: after 5 days, at most 1 times" in page
    assert "The day before a date to pay: no" in page
    db.expire_all()
    stored = db.get(Campaign, 1)
    assert stored is not None and stored.reminders == {
        "not_opened_days": 5, "not_opened_max": 1, "before_due": False, "broken": True,
    }  # fmt: skip
    assert "The reminder rules are saved." not in _page(web)  # said once


def test_a_bad_number_changes_nothing_and_says_why(
    web: TestClient, campaign: dict[str, str], db: Session, users: None
) -> None:
    sign_in(web, "olga@example.org")
    form = {"csrf": csrf_of(_page(web)), "not_opened_days": "-1", "not_opened_max": "many"}
    web.post("/admin/campaigns/1/reminders", data=form)
    page = _page(web)
    assert "“After how many days” must be a whole number from 0 to 60." in page
    assert "“How often” must be a whole number from 0 to 10." in page
    stored = db.get(Campaign, 1)
    assert stored is not None and stored.reminders is None


def test_designers_and_strangers_cannot_change_them(
    web: TestClient, campaign: dict[str, str], users: None
) -> None:
    token = csrf_of(web.get("/admin/login").text)
    anonymous = web.post("/admin/campaigns/1/reminders", data={"csrf": token})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/admin/login?next=")
    sign_in(web, "dan@example.org")
    page = _page(web)
    assert "Change the reminder rules" not in page
    form = {"csrf": csrf_of(page), "not_opened_days": "1", "not_opened_max": "1"}
    assert web.post("/admin/campaigns/1/reminders", data=form).status_code == 403
    assert (
        web.post("/admin/campaigns/1/reminders", data={"not_opened_days": "1"}).status_code == 403
    )
