"""The import page as operators use it: the columns each scene needs, templates to download,
the friendly scene chosen by default, Excel files, and labels beside their controls."""

from __future__ import annotations

import csv
import io
import re

import openpyxl  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Campaign, Debtor
from tests.admin_session import csrf_of, sign_in
from tests.admin_session import users as users

COLUMNS = "reference,name,language,email,phone,amount_due,due_date,invoice_number"


def test_the_page_lists_each_scenes_columns_and_chooses_the_friendly_scene(
    web: TestClient, users: None
) -> None:
    sign_in(web, "olga@example.org")
    page = web.get("/admin/campaigns/new").text
    weights = dict(re.findall(r'name="weight_([a-z-]+)"[^>]*value="(\d*)"', page))
    assert weights == {"arrears": "1", "arrears-firm": "0"}
    assert list(weights) == ["arrears", "arrears-firm"]  # the friendly one first
    columns = re.search(r'id="columns-arrears">(.*?)</p>', page)
    assert columns and re.sub(r"<[^>]+>", "", columns.group(1)).startswith(
        "Its file needs the columns " + COLUMNS.replace(",", ", ")
    )
    assert 'href="/admin/campaigns/template/arrears.xlsx"' in page
    assert 'href="/admin/campaigns/template/arrears-firm.csv"' in page
    assert 'aria-describedby="weights-hint columns-arrears"' in page


def test_every_control_has_its_label_and_the_checkbox_sits_beside_its_own(
    web: TestClient, users: None
) -> None:
    sign_in(web, "olga@example.org")
    page = web.get("/admin/campaigns/new").text
    form = page[page.index('<form method="post" action="/admin/campaigns/new"') :]
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
    labelled = set(re.findall(r'<label for="([^"]+)"', form))
    assert ids and set(ids) <= labelled
    described = {d for ds in re.findall(r'aria-describedby="([^"]+)"', form) for d in ds.split()}
    assert described <= set(re.findall(r'\bid="([^"]+)"', form))
    check = re.search(r'<div class="check">\s*<input type="checkbox" id="skip_invalid"[^>]*>\s*'
                      r'<label for="skip_invalid">Skip the bad rows', form)  # fmt: skip
    assert check, "the checkbox is followed by its label, side by side"
    css = web.get("/static/admin/admin.css").text
    assert '.import-form .check input[type="checkbox"] { width: 1.75rem;' in css


def test_templates_download_for_operators_and_designers(web: TestClient, users: None) -> None:
    for who in ("olga@example.org", "dan@example.org"):
        sign_in(web, who)
        got = web.get("/admin/campaigns/template/arrears.csv")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert got.headers["content-disposition"] == 'attachment; filename="arrears-debtors.csv"'
        header, example = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert ",".join(header) == COLUMNS and example[:3] == ["A-1001", "Anna de Vries", "nl"]
        workbook = web.get("/admin/campaigns/template/arrears-firm.xlsx")
        assert workbook.status_code == 200 and workbook.content.startswith(b"PK")
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
        assert [c.value for c in sheet[1]] == COLUMNS.split(",")
        web.post("/admin/logout", data={"csrf": csrf_of(web.get("/admin").text)})
    sign_in(web, "olga@example.org")
    assert web.get("/admin/campaigns/template/nope.csv").status_code == 404
    assert web.get("/admin/campaigns/template/..%2Fscenes%2Farrears.csv").status_code == 404
    web.post("/admin/logout", data={"csrf": csrf_of(web.get("/admin").text)})
    assert web.get("/admin/campaigns/template/arrears.csv").status_code in (302, 303)


def test_an_operator_imports_a_workbook_and_a_dutch_csv_from_the_page(
    web: TestClient, users: None, db: Session
) -> None:
    sign_in(web, "olga@example.org")
    book = openpyxl.Workbook()
    book.active.append(COLUMNS.split(","))
    book.active.append(["W-1", "Anaïs", "nl", None, None, 1234.56, "01-11-2026", "F-1"])
    data = io.BytesIO()
    book.save(data)
    token = csrf_of(web.get("/admin/campaigns/new").text)
    form = {"csrf": token, "name": "Workbook", "weight_arrears": "1"}
    made = web.post("/admin/campaigns/new", data=form,
                    files={"csv": ("debiteuren.xlsx", data.getvalue(), "application/octet-stream")})  # fmt: skip
    assert made.status_code == 303, made.text
    campaign = db.scalars(select(Campaign)).one()
    debtor = db.scalars(select(Debtor)).one()
    assert (campaign.scene_id, debtor.amount_cents, debtor.values["due_date"]) == (
        "arrears", 123456, "2026-11-01",
    )  # fmt: skip

    dutch = (
        COLUMNS.replace(",", ";")
        + "\r\nD-1;Zoë;nl;;;1.234;01/02/2026;F\r\nD-2;Bo;nl;;;x;01/02/2026;F\r\n"
    )
    form["name"] = "Dutch"
    refused = web.post("/admin/campaigns/new", data=form,
                       files={"csv": ("d.csv", dutch.encode("cp1252"), "text/csv")})  # fmt: skip
    assert refused.status_code == 422
    assert (
        "The file was read as Windows-1252, &#39;;&#39;-separated, decimal comma." in refused.text
    )
    assert "row 3: amount_due: &#39;x&#39; is not an amount" in refused.text
    skipped = web.post("/admin/campaigns/new", data={**form, "skip_invalid": "1"},
                       files={"csv": ("d.csv", dutch.encode("cp1252"), "text/csv")})  # fmt: skip
    assert skipped.status_code == 303
    zoe = db.scalars(select(Debtor).where(Debtor.reference == "D-1")).one()
    assert (zoe.name, zoe.amount_cents, zoe.values["due_date"]) == ("Zoë", 123400, "2026-02-01")
    page = web.get(skipped.headers["location"]).text
    assert 'id="import-summary"' in page and "Windows-1252" in page  # said once, after import
    assert 'id="import-summary"' not in web.get(skipped.headers["location"]).text
