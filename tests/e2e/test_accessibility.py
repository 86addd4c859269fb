"""Every kind of page checked by axe-core (WCAG 2.2 A and AA rules) in Chromium: the player
while it plays and with its choices, the text version, the steps, the verification question,
and the admin pages. axe finds what a machine can (names, labels, contrast, structure); the
keyboard and screen-reader flows are tested by the other browser tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, expect
from sqlalchemy import update

from app.auth import add_user
from app.models import Campaign, Outcome
from tests.conftest import REPO
from tests.e2e.conftest import LiveServer, live_server, today
from tests.e2e.test_player import at
from tests.e2e.test_verification import _checked_link

WCAG: dict[str, Any] = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}
AXE = Axe()


def assert_accessible(page: Page, what: str) -> None:
    violations = AXE.run(page, options=WCAG).response["violations"]
    found = [
        f"{v['id']} ({v['impact']}): {v['help']}; {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]
    assert found == [], f"{what}: {found}"


def test_the_debtors_pages_pass_axe(page: Page, server: LiveServer, tmp_path: Path) -> None:
    page.goto(server.link("E2E-3"))
    at(page, "playing", "hello")
    assert_accessible(page, "the player, playing")
    page.goto(server.link("E2E-3", node="menu"))
    expect(page.get_by_role("button", name="Pay in parts")).to_be_visible(timeout=30_000)
    assert_accessible(page, "the player's choices")
    text = server.text_link("E2E-3", "nl")
    for path, what in (
        ("", "the text version"),
        ("&node=menu", "the text version's choices"),
    ):
        page.goto(text + path)
        assert_accessible(page, what)
    token = server.token("E2E-3")
    for step in ("pay", "arrangement", "later"):
        page.goto(f"{server.base_url}/v/{token}/step/{step}?lang=en")
        assert_accessible(page, f"the step {step}")
    page.goto(f"{server.base_url}/v/{token}/step/later?lang=en")
    page.evaluate("document.querySelector('main form').noValidate = true")
    page.get_by_role("button", name="Save this date").click()  # no date: the server says so
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "a step with errors")
    page.goto(_checked_link(server, tmp_path))
    assert_accessible(page, "the verification question")
    page.get_by_label("Your postcode").fill("9999 ZZ")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "the verification question after a wrong answer")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled sample scene, served without video: its steps and text are plain pages."""
    work = tmp_path_factory.mktemp("sample")
    with live_server(
        work, root=REPO, scene_id="arrears", debtors=REPO / "demo" / "debtors.csv", render=False
    ) as live:
        yield live


def test_every_step_of_the_sample_and_an_ended_link_pass_axe(
    page: Page, sample: LiveServer
) -> None:
    for reference, language in (("DEMO-TR-1", "tr"), ("DEMO-DE-1", "de")):
        token = sample.token(reference)
        for step in (
            "pay_how",
            "plan",
            "later",
            "cannot_pay",
            "already_paid",
            "dispute",
            "callback",
        ):
            page.goto(f"{sample.base_url}/v/{token}/step/{step}?lang={language}")
            expect(page.locator("h1")).to_be_visible()
            assert_accessible(page, f"the step {step} in {language}")
    for reference, language in (("DEMO-TR-1", "tr"), ("DEMO-NL-1", "nl")):
        unsubscribe = f"{sample.base_url}/v/{sample.token(reference)}/unsubscribe?channel=email"
        page.goto(unsubscribe)
        assert_accessible(page, f"the unsubscribe question in {language}")
        page.get_by_role("button").first.click()
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page, f"the unsubscribe confirmation in {language}")
    token = sample.token("DEMO-TR-1")
    plan = {"submission": str(uuid.uuid4()), "amount_cents": "123456", "installments": "3",
            "first_date": today().isoformat(), "confirm": "yes"}  # fmt: skip
    made = httpx.post(f"{sample.base_url}/v/{token}/step/plan?lang=tr", data=plan)
    assert made.status_code == 303
    page.goto(f"{sample.base_url}{made.headers['location']}")
    expect(page.locator("table.schedule tbody tr")).to_have_count(3)
    assert_accessible(page, "the confirmation of a plan in tr")
    page.goto(f"{sample.base_url}/v/{token}/step/plan?lang=tr")  # a second plan: what stands
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page, "a refused second plan in tr")
    with sample.sessions() as session, session.begin():
        ended = datetime.now(UTC) - timedelta(days=1)
        session.execute(update(Campaign).values(expires_at=ended))
    page.goto(sample.link("DEMO-NL-1"))
    expect(page.locator("h1")).to_have_text("Deze link is verlopen")
    assert_accessible(page, "an ended link")


def test_the_admin_pages_pass_axe(page: Page, server: LiveServer, tmp_path: Path) -> None:
    disputing = server.add_debtor("E2E-2", tmp_path)  # a case with something to decide
    with server.sessions() as session, session.begin():
        debtor = server.debtor(session, disputing)
        debtor.disputed, debtor_id = True, debtor.id
        reason = {"reason": "Dit klopt niet, ik ben verhuisd.", "phone": None}
        session.add(Outcome(debtor_id=debtor.id, submission=str(uuid.uuid4()),
                            action="dispute", node="menu", details=reason))  # fmt: skip
    page.goto(f"{server.base_url}/admin/login")
    assert_accessible(page, "the sign-in page")
    email = f"ada-{uuid.uuid4().hex[:8]}@example.org"
    with server.sessions() as session, session.begin():
        add_user(session, email, "correct horse battery", "operator")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    assert_accessible(page, "the campaigns")
    page.get_by_role("link", name="e2e", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("e2e")
    assert_accessible(page, "a campaign")
    campaign_page = page.url.split("#")[0]
    page.get_by_label("SMS").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#send-report")).to_be_visible()
    assert_accessible(page, "a campaign after a send's preview")
    for channel in ("email", "sms"):
        page.goto(f"{campaign_page}/messages/preview?channel={channel}&language=nl")
        assert_accessible(page, f"the {channel} preview")
    for path, what in (
        ("/admin/campaigns/new", "a new campaign"),
        ("/admin/integration", "integration"),
        ("/admin/debtors?q=E2E", "the debtors found"),
        (f"/admin/debtors/{debtor_id}", "a debtor's case with a dispute to decide"),
        ("/admin/worklists/disputes", "the disputes"),
        ("/admin/worklists/callbacks", "the call backs"),
        ("/admin/worklists/reviews", "the payments to check"),
    ):
        page.goto(server.base_url + path)
        assert_accessible(page, what)
