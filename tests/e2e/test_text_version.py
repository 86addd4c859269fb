"""The text-only version, in a browser with JavaScript switched off: the same steps work."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.models import Outcome
from tests.e2e.conftest import LiveServer, today


def test_without_javascript_the_arrangement_can_be_made_in_the_text_version(
    text_page: Page, server: LiveServer, tmp_path: Path
) -> None:
    page = text_page
    anna = server.add_debtor("E2E-1", tmp_path)  # her own: one plan per debtor
    page.goto(server.link(anna))
    expect(page.locator("#video")).to_be_hidden()  # the player needs JavaScript; it says so
    page.get_by_role("link", name="Read the text version instead").click()
    # a node's sentences read together, and on through "next" up to the choices
    expect(page.locator(".say")).to_have_text(
        ["Hello Anna Smit. You owe €240.00 since 15 October 2026.", "What would you like to do?"]
    )
    page.get_by_role("button", name="Pay in parts", exact=True).click()
    expect(page.locator(".say")).to_have_text(["Pay in parts."])
    page.get_by_role("link", name="Continue").click()

    page.wait_for_url(re.compile(r"/step/arrangement\?lang=en&mode=text"))
    page.get_by_label("2 payments of about").check()
    first = today() + timedelta(days=1)
    page.fill("#first_date", first.isoformat())
    page.get_by_role("button", name="Show my payment plan").click()
    expect(page.locator("table.schedule tbody tr")).to_have_count(2)
    submission = page.input_value("input[name=submission]")
    page.get_by_role("button", name="Confirm this payment plan").click()

    page.wait_for_url(re.compile(r"/agreed\?lang=en&mode=text&next=thanks$"))
    expect(page.locator("table.schedule tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(re.compile(r"/v/[^/?]+/text\?lang=en&node=thanks$"))
    expect(page.locator(".say")).to_have_text(["Thank you."])
    with server.sessions() as session:
        outcome = session.scalars(select(Outcome).where(Outcome.submission == submission)).one()
        assert outcome.action == "arrangement"
        assert [i.amount_cents for i in outcome.installments] == [12000, 12000]
        assert outcome.installments[0].due == first
    assert server.events(anna, "choice")[-1].data == {"target": "arrangement"}


def test_without_javascript_paying_later_works_in_dutch(
    text_page: Page, server: LiveServer, tmp_path: Path
) -> None:
    page = text_page
    bram = server.add_debtor("E2E-2", tmp_path)  # his own: one promise per debtor
    page.goto(server.text_link(bram, "nl") + "&node=menu")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator(".say")).to_have_text(["Wat wilt u doen?"])
    expect(page.locator("form.choices button")).to_have_text(
        ["Nu betalen", "In delen betalen", "Later betalen", "Vertel me meer"]
    )
    page.get_by_role("button", name="Later betalen", exact=True).click()
    expect(page.locator(".say")).to_have_text(["Betaal iets later."])
    page.locator("a.big.button").click()

    page.wait_for_url(re.compile(r"/step/later\?lang=nl&mode=text"))
    chosen = today() + timedelta(days=30)
    page.fill("#date", chosen.isoformat())
    submission = page.input_value("input[name=submission]")
    page.locator("form.stack button[type=submit]").click()

    page.wait_for_url(re.compile(r"/agreed\?lang=nl&mode=text&next=thanks$"))
    page.get_by_role("link", name="Verder").click()
    page.wait_for_url(re.compile(r"/v/[^/?]+/text\?lang=nl&node=thanks$"))
    expect(page.locator(".say")).to_have_text(["Dank u wel."])
    with server.sessions() as session:
        outcome = session.scalars(select(Outcome).where(Outcome.submission == submission)).one()
        assert outcome.action == "later"
        assert date.fromisoformat(outcome.details["date"]) == chosen
