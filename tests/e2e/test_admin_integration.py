"""The admin's integration page in Chromium, on a phone: an operator makes an API key and a
webhook endpoint with the keyboard, the key works, and removing an endpoint takes a second,
deliberate step."""

from __future__ import annotations

import json
from urllib.request import Request, urlopen

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.models import Campaign
from tests.e2e.admin_sign_in import sign_in
from tests.e2e.conftest import LiveServer


def _sign_in(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "operator")


def test_an_operator_makes_a_key_and_an_endpoint_with_the_keyboard(
    page: Page, server: LiveServer
) -> None:
    _sign_in(page, server)
    page.get_by_role("link", name="Integration").click()
    page.get_by_label("Who or what uses the new key").fill("Collection system")
    page.keyboard.press("Enter")

    shown = page.get_by_role("alert")
    expect(shown).to_contain_text("Copy it now: it is not shown again")
    key = page.get_by_label("Value").input_value()
    with server.sessions() as session:
        campaign_id = session.scalars(select(Campaign.id)).first()
    request = Request(
        f"{server.base_url}/api/v1/campaigns/{campaign_id}/outcomes",
        headers={"Authorization": f"Bearer {key}"},
    )
    with urlopen(request, timeout=10) as answer:
        assert "outcomes" in json.loads(answer.read())

    page.get_by_label("URL that receives the outcomes (https)").fill("https://crm.example/hook")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("the signing secret of endpoint")
    row = page.get_by_role("row").filter(has_text="https://crm.example/hook").last
    endpoint = row.get_by_role("rowheader").inner_text()
    remove = page.get_by_role("button", name=f"Remove endpoint {endpoint}", exact=True)
    expect(remove).to_be_hidden()  # behind a disclosure: not one click away
    summary = row.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(remove).to_be_visible()

    for target in page.locator("main button:visible, main summary:visible").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 24 and box["width"] >= 24, target.inner_text()

    remove.focus()
    page.keyboard.press("Enter")
    expect(row.get_by_role("cell", name="removed", exact=True)).to_be_visible()
