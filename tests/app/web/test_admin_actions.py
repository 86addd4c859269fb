"""Operating a campaign from the admin pages: import, render, links and QR codes, purge."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Campaign, Debtor, RenderJob
from render.content import ContentRoot
from tests.admin_session import csrf_of, sign_in
from tests.admin_session import users as users
from tests.app.test_campaigns import AWKWARD
from tests.factories import make_user

HEADER = "reference,name,language,email,phone,amount_due,due_date,invoice_number\n"
ROWS = "".join(f"R{i},Name {i},nl,,,{10 + i}.00,2026-10-15,F-{i}\n" for i in range(40))


def _new(web: TestClient, csv_text: str, **fields: str) -> object:
    token = csrf_of(web.get("/admin/campaigns/new").text)
    data = {"csrf": token, "name": "Autumn", "weight_arrears": "1", **fields}
    return web.post(
        "/admin/campaigns/new",
        data=data,
        files={"csv": ("debtors.csv", csv_text.encode(), "text/csv")},
    )


def test_an_operator_imports_an_ab_campaign(web: TestClient, users: None, db: Session) -> None:
    sign_in(web, "olga@example.org")
    response = _new(
        web, HEADER + ROWS, weight_arrears="1", **{"weight_arrears-firm": "1"}, expires="2030-01-31"
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    campaign = db.scalars(select(Campaign)).one()
    assert response.headers["location"] == f"/admin/campaigns/{campaign.id}"  # type: ignore[attr-defined]
    assert campaign.expires_at is not None and campaign.expires_at.year == 2030
    split = dict(db.execute(select(Debtor.scene_id, func.count()).group_by(Debtor.scene_id)).all())
    assert set(split) == {"arrears", "arrears-firm"} and sum(split.values()) == 40


def test_an_operator_imports_a_campaign_whose_debtors_verify_themselves(
    web: TestClient, users: None, db: Session
) -> None:
    sign_in(web, "olga@example.org")
    with_postcodes = (HEADER.strip() + ",postcode\n") + "".join(
        line + ",1012 AB\n" for line in ROWS.splitlines()
    )
    missing = _new(web, HEADER + ROWS, verify="postcode")
    assert missing.status_code == 422  # type: ignore[attr-defined]
    assert "missing column &#39;postcode&#39;" in missing.text  # type: ignore[attr-defined]
    unknown = _new(web, with_postcodes, verify="shoe_size")
    assert unknown.status_code == 422  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0
    made = _new(web, with_postcodes, verify="postcode")
    assert made.status_code == 303  # type: ignore[attr-defined]
    campaign = db.scalars(select(Campaign)).one()
    assert campaign.verify == "postcode"
    assert db.scalar(select(func.count()).where(Debtor.verify_hash.is_not(None))) == 40
    page = web.get(f"/admin/campaigns/{campaign.id}").text
    assert "Debtors verify with</dt><dd>postcode" in page


def test_a_bad_csv_is_shown_line_by_line_and_nothing_is_imported(
    web: TestClient, users: None, db: Session
) -> None:
    sign_in(web, "olga@example.org")
    bad = HEADER + ROWS + "Z,Zoe,fr,,,10.00,2026-10-15,F\n"
    response = _new(web, bad)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "row 42: language: &#39;fr&#39; is not offered" in response.text  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(Debtor)) == 0
    skipped = _new(web, bad, skip_invalid="1")
    assert skipped.status_code == 303  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(Debtor)) == 40


def test_importing_needs_an_operator_and_a_csrf_token(
    web: TestClient, users: None, db: Session
) -> None:
    sign_in(web, "dan@example.org")  # a designer may look, not act
    assert web.get("/admin/campaigns/new").status_code == 403
    web.post("/admin/logout", data={"csrf": csrf_of(web.get("/admin").text)})
    sign_in(web, "olga@example.org")
    forged = web.post(
        "/admin/campaigns/new",
        data={"name": "x", "weight_arrears": "1"},
        files={"csv": ("d.csv", (HEADER + ROWS).encode(), "text/csv")},
    )
    assert forged.status_code == 403
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0


def test_links_and_qr_codes_download(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    campaign_id = db.scalars(select(Campaign.id)).one()
    sign_in(web, "olga@example.org")
    links = web.get(f"/admin/campaigns/{campaign_id}/links.csv")
    assert links.status_code == 200 and links.text.splitlines()[0] == "reference,link"
    assert f"/v/{campaign['DEMO-NL-1']}" in links.text
    archive = zipfile.ZipFile(io.BytesIO(web.get(f"/admin/campaigns/{campaign_id}/qr.zip").content))
    assert sorted(archive.namelist()) == sorted(f"{r}.svg" for r in campaign)


def test_links_csv_defuses_formulas_and_the_qr_zip_names_every_debtor_apart(
    web: TestClient, users: None, db: Session
) -> None:
    sign_in(web, "olga@example.org")
    text = io.StringIO()
    csv.writer(text).writerows(
        [r, "Ana", "nl", "", "", "10.00", "2026-10-15", "F"] for r in AWKWARD
    )
    assert _new(web, HEADER + text.getvalue()).status_code == 303  # type: ignore[attr-defined]
    campaign_id = db.scalars(select(Campaign.id)).one()
    links = web.get(f"/admin/campaigns/{campaign_id}/links.csv")
    table = list(csv.reader(io.StringIO(links.text)))
    assert [row[0] for row in table[1:]] == ["'" + r if r[0] in "=+-@" else r for r in AWKWARD]
    archive = zipfile.ZipFile(io.BytesIO(web.get(f"/admin/campaigns/{campaign_id}/qr.zip").content))
    names = archive.namelist()
    assert sorted(unquote(n.removesuffix(".svg")) for n in names) == sorted(AWKWARD)
    assert len({n.casefold() for n in names}) == len(AWKWARD)


def test_purge_needs_the_name_and_ends_the_links(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    campaign_id = db.scalars(select(Campaign.id)).one()
    sign_in(web, "olga@example.org")
    token = csrf_of(web.get(f"/admin/campaigns/{campaign_id}").text)
    assert (
        web.post(
            f"/admin/campaigns/{campaign_id}/purge", data={"csrf": token, "confirm": "nope"}
        ).status_code
        == 422
    )
    assert web.get(f"/v/{campaign['DEMO-NL-1']}/text").status_code == 200
    assert (
        web.post(
            f"/admin/campaigns/{campaign_id}/purge", data={"csrf": token, "confirm": "Test"}
        ).status_code
        == 303
    )
    db.expire_all()
    assert db.get(Campaign, campaign_id).purged_at is not None  # type: ignore[union-attr]
    assert web.get(f"/v/{campaign['DEMO-NL-1']}/text").status_code == 404
    assert web.get(f"/admin/campaigns/{campaign_id}/links.csv").status_code == 404


@pytest.fixture
def render_web(render_root: ContentRoot, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        root=render_root.path, var=tmp_path / "var", secret_key="test-secret", env="test"
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def test_render_now_renders_in_the_background_with_progress(
    render_web: TestClient, render_root: ContentRoot, tmp_path: Path
) -> None:
    from app.db import make_engine, session_factory

    engine = make_engine(Settings(var=tmp_path / "var").database)
    with session_factory(engine)() as session:
        make_user(session)
        session.commit()
    sign_in(render_web, "olga@example.org")
    csv_text = "reference,name,language,email,phone,amount_due\nA,Ana,tr,,,12.00\nB,Bo,en,,,13.50\n"
    token = csrf_of(render_web.get("/admin/campaigns/new").text)
    created = render_web.post(
        "/admin/campaigns/new",
        data={"csrf": token, "name": "Tiny", "weight_tiny": "1"},
        files={"csv": ("d.csv", csv_text.encode(), "text/csv")},
    )
    assert created.status_code == 303, created.text
    page = created.headers["location"]
    started = render_web.post(f"{page}/render", data={"csrf": csrf_of(render_web.get(page).text)})
    assert started.status_code == 303
    deadline = time.time() + 90
    status = {}
    while time.time() < deadline:
        status = render_web.get(f"{page}/render.json").json()
        if status.get("status") in ("finished", "failed"):
            break
        time.sleep(0.5)
    assert status.get("status") == "finished", status
    with session_factory(engine)() as session:
        job = session.scalars(select(RenderJob)).one()
        assert job.total > 0 and job.done == job.total and job.failed == 0
    engine.dispose()
    media = tmp_path / "var" / "media"
    assert (media / "manifests" / "tiny" / "tr.json").is_file()
    assert (media / "debtors" / "d1" / "tiny" / "tr.json").is_file()  # the debtor's voice


def test_a_csv_over_the_upload_limit_is_refused_with_a_clear_page(
    settings: Settings, users: None, db: Session
) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 20_000})
    with TestClient(create_app(small), follow_redirects=False) as web:
        sign_in(web, "olga@example.org")
        rows = "".join(f"R{i},Name {i},nl,,,10.00,2026-10-15,F-{i}\n" for i in range(1000))
        response = _new(web, HEADER + rows)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "larger than 0.02 MB" in response.text  # type: ignore[attr-defined]
    assert "Split the CSV into smaller files" in response.text  # type: ignore[attr-defined]
    assert db.scalar(select(func.count(Campaign.id))) == 0


def test_the_upload_limit_is_50_mb_unless_set() -> None:
    assert Settings(env="test", secret_key="x").max_upload_bytes == 50_000_000
