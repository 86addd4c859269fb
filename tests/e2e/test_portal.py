"""The portal that remembers, in Chromium, on SQLite and on PostgreSQL: what a debtor paid or
agreed decides where their video starts and what it offers; what they agreed comes as a
calendar file and a PDF receipt; a payment they report with a proof reaches the operators'
review list, and the operator's decision changes the status and is sent as a webhook."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import httpx
import icalendar
import pytest
from playwright.sync_api import FilePayload, Page, expect
from pypdf import PdfReader
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.auth import add_user
from app.case import case_of
from app.webhooks import add_endpoint, deliver_due
from render.formatting import format_day
from tests.conftest import fresh_postgres
from tests.e2e.conftest import LiveServer, live_server, today
from tests.e2e.test_player import at, choose
from tests.loopback import serve_on_loopback

pytestmark = pytest.mark.slow
PORTAL = Path(__file__).resolve().parent.parent / "data" / "portal"
OPERATOR, PASSWORD = "olga@example.org", "correct horse battery"
# the smallest PNG there is: a proof of payment as a bank app's screenshot would be
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def portal(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("portal")
    database = fresh_postgres("vidpay_portal") if request.param == "postgresql" else nullcontext()
    with (
        database as url,
        live_server(
            work, root=PORTAL, scene_id="portal", database_url=url, allow_private_webhooks=True
        ) as live,
    ):
        with live.sessions() as session:
            add_user(session, OPERATOR, PASSWORD, "operator")
            session.commit()
        yield live


def _status(server: LiveServer, reference: str) -> str:
    with server.sessions() as session:
        return case_of(session, server.debtor(session, reference), today()).status


def test_paid_in_full_the_link_plays_the_paid_entry_and_offers_no_payment(
    page: Page, portal: LiveServer, tmp_path: Path
) -> None:
    anna = portal.add_debtor("PORTAL-1", tmp_path)
    page.goto(portal.link(anna, node="menu"))
    at(page, "choices", "menu")
    choose(page, "Pay now")
    page.wait_for_url(re.compile(r"/step/pay\?lang=en"))
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/pay/demo/"))
    page.locator("button[value=paid]").click()
    page.wait_for_url(re.compile(r"/step/pay/return"))
    assert _status(portal, anna) == "paid"

    page.goto(portal.link(anna))
    assert portal.manifest(anna, "en")["start"] == "paid_thanks"
    at(page, "playing", "paid_thanks")
    expect(page.get_by_role("button", name="Pay now")).to_have_count(0)


def test_a_plan_comes_back_as_its_next_instalment_with_a_calendar_and_a_receipt(
    page: Page, portal: LiveServer, tmp_path: Path
) -> None:
    anna = portal.add_debtor("PORTAL-1", tmp_path)
    page.goto(portal.link(anna, node="menu"))
    at(page, "choices", "menu")
    choose(page, "Pay in parts")
    page.wait_for_url(re.compile(r"/step/arrangement\?lang=en"))
    page.get_by_label("3 payments of about").check()
    first = today() + timedelta(days=3)
    page.fill("#first_date", first.isoformat())
    page.get_by_role("button", name="Show my payment plan").click()
    page.get_by_role("button", name="Confirm this payment plan").click()
    page.wait_for_url(re.compile(r"/agreed\?"))
    reference = re.search(r"PORTAL-1-[0-9a-f]{8}-\d+", page.content())
    assert reference is not None

    with httpx.Client(base_url=portal.base_url) as client:
        token = portal.token(anna)
        calendar = icalendar.Calendar.from_ical(client.get(f"/v/{token}/agreed.ics").content)
        events = [c for c in calendar.walk("VEVENT")]
        assert next(e.decoded("DTSTART") for e in events) == first and len(events) == 3
        pdf = client.get(f"/v/{token}/agreed.pdf?lang=en")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert reference.group(0) in text and "€80.00" in text
        second = client.post(
            f"/v/{token}/step/arrangement?lang=en",
            data={"submission": str(uuid.uuid4()), "installments": "2",
                  "first_date": first.isoformat(), "confirm": "yes"},
        )  # fmt: skip
        assert second.status_code == 409 and "payment plan" in second.text

    page.goto(portal.link(anna))
    assert portal.manifest(anna, "en")["start"] == "plan_status"
    at(page, "playing", "plan_status")
    caption = page.locator("#caption")
    expect(caption).to_contain_text(f"€80.00 on {format_day(first, 'en')}")


class Hooks:
    """A receiver of webhooks on loopback: every body it was sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> Response:
        self.bodies.append(json.loads(await request.body()))
        return Response(b"ok")


def test_a_reported_payment_with_a_proof_is_reviewed_by_an_operator(
    page: Page, portal: LiveServer, tmp_path: Path
) -> None:
    anna = portal.add_debtor("PORTAL-1", tmp_path)
    hooks = Hooks()
    with serve_on_loopback(hooks.app, "hooks") as base:
        with portal.sessions() as session:
            add_endpoint(session, f"{base}/hook", allow_private=True)
            session.commit()
        page.goto(portal.link(anna, node="menu"))
        at(page, "choices", "menu")
        choose(page, "I already paid")
        page.wait_for_url(re.compile(r"/step/already_paid\?lang=en"))
        page.fill("#amount", "240,00")
        page.fill("#date", (today() - timedelta(days=2)).isoformat())
        proof: FilePayload = {"name": "bank.png", "mimeType": "image/png", "buffer": PNG}
        page.set_input_files("#proof", files=[proof])
        page.locator("form.stack button[type=submit]").click()
        page.wait_for_url(re.compile(r"/v/[^/?]+/reported\?"))
        expect(page.locator("main")).to_contain_text("We will check your payment")
        assert _status(portal, anna) == "review"

        page.goto(f"{portal.base_url}/admin/login")
        page.fill("#email", OPERATOR)
        page.fill("#password", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.goto(f"{portal.base_url}/admin/worklists/reviews")
        row = page.locator("tr", has_text=anna)
        expect(row.get_by_role("link", name="bank.png")).to_have_count(1)
        row.get_by_role("link", name=anna).click()
        page.get_by_label("Confirmed: we received it").check()
        page.fill("#review-amount", "240,00")
        page.fill("#review-text", "Found it on the bank statement.")
        page.get_by_role("button", name="Save the decision").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        expect(page.locator(".facts")).to_contain_text("Paid")
        assert _status(portal, anna) == "paid"

        with httpx.Client() as client:
            deliver_due(portal.sessions, key=portal.settings.key, client=client, allow_private=True)
    changes = [
        (b["data"]["previous_status"], b["data"]["status"])  # type: ignore[index]
        for b in hooks.bodies
        if b["type"] == "case.status_changed" and b["data"]["debtor_reference"] == anna  # type: ignore[index]
    ]
    assert changes == [("open", "review"), ("review", "paid")]
