"""The operators' case pages: search, the debtor's case and timeline, decisions, worklists."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Debtor
from tests.admin_session import csrf_of, sign_in
from tests.admin_session import users as users

NL = "DEMO-NL-1"


def _debtor_id(db: Session, reference: str = NL) -> int:
    return db.scalars(select(Debtor.id).where(Debtor.reference == reference)).one()


def _dispute(web: TestClient, token: str) -> None:
    form = {"submission": str(uuid.uuid4()), "reason": "Ik ben al lang verhuisd."}
    assert web.post(f"/v/{token}/step/dispute?lang=nl", data=form).status_code == 303


def _decide(web: TestClient, debtor_id: int, **fields: str) -> Response:
    page = web.get(f"/admin/debtors/{debtor_id}").text
    return web.post(f"/admin/debtors/{debtor_id}/notes", data={"csrf": csrf_of(page), **fields})


def test_operators_find_a_debtor_by_reference_or_name(
    web: TestClient, campaign: dict[str, str], users: None, db: Session
) -> None:
    sign_in(web, "olga@example.org")
    page = web.get("/admin/debtors", params={"q": "nl-1"}).text
    assert f'href="/admin/debtors/{_debtor_id(db)}"' in page and "DEMO-EN-1" not in page
    name = db.scalars(select(Debtor.name).where(Debtor.reference == "DEMO-EN-1")).one()
    assert "DEMO-EN-1" in web.get("/admin/debtors", params={"q": name.split()[0]}).text
    assert "Nobody found" in web.get("/admin/debtors", params={"q": "%_zz"}).text


def test_the_debtor_page_shows_the_case_and_what_happened(
    web: TestClient, campaign: dict[str, str], users: None, db: Session
) -> None:
    _dispute(web, campaign[NL])
    sign_in(web, "olga@example.org")
    page = web.get(f"/admin/debtors/{_debtor_id(db)}").text
    assert "Disputed (collection paused)" in page
    assert "€148.20" in page  # owed and open
    assert "Ik ben al lang verhuisd." in page
    assert "Status: open → disputed" in page
    assert 'value="dispute:rejected"' in page


def test_a_decision_is_saved_and_changes_the_status(
    web: TestClient, campaign: dict[str, str], users: None, db: Session
) -> None:
    _dispute(web, campaign[NL])
    sign_in(web, "olga@example.org")
    debtor_id = _debtor_id(db)
    assert "DEMO-NL-1" in web.get("/admin/worklists/disputes").text
    refused = _decide(web, debtor_id, decision="dispute:upheld", amount="abc")
    assert refused.status_code == 422 and "Write the amount in euros" in refused.text
    saved = _decide(web, debtor_id, decision="dispute:upheld", amount="100,00", text="Klopt.")
    assert saved.status_code == 303
    page = web.get(saved.headers["location"]).text
    assert "Saved." in page and "Open" in page and "€100.00" in page
    assert "Dispute upheld: the claim corrected (olga@example.org)" in page
    assert "DEMO-NL-1" not in web.get("/admin/worklists/disputes").text
    assert "DEMO-NL-1" in web.get("/admin/debtors", params={"status": "open", "q": "NL"}).text


def test_case_pages_are_for_signed_in_operators_only(
    web: TestClient, campaign: dict[str, str], users: None, db: Session
) -> None:
    debtor_id = _debtor_id(db)
    assert web.get(f"/admin/debtors/{debtor_id}").status_code in (302, 303)
    assert web.get("/admin/worklists/callbacks").status_code in (302, 303)
    sign_in(web, "dan@example.org")
    assert web.get(f"/admin/debtors/{debtor_id}").status_code == 403
    web.cookies.clear()
    sign_in(web, "olga@example.org")
    assert web.get("/admin/debtors/999999").status_code == 404
    assert web.get("/admin/worklists/everything").status_code == 404
    no_csrf = web.post(f"/admin/debtors/{debtor_id}/notes", data={"decision": "note", "text": "x"})
    assert no_csrf.status_code == 403
