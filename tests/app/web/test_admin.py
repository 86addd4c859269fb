"""The admin pages over HTTP: signing in, the campaign pages, their charts and the CSV export."""

from __future__ import annotations

import csv
import io
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import EMAIL_LIMIT
from app.config import Settings
from app.models import Campaign, Debtor, LoginAttempt, RenderJob
from app.reports import OutcomeRow
from app.web.admin import outcomes_csv
from render.pipeline import manifest_path
from tests.admin_session import sign_in
from tests.admin_session import users as users

SVG = "{http://www.w3.org/2000/svg}"
ZONE = ZoneInfo("Europe/Amsterdam")


def _campaign_id(db: Session) -> int:
    return db.scalars(select(Campaign.id)).one()


def _send(web: TestClient, token: str, type: str, node: str, **data: str) -> None:
    event = {"id": str(uuid.uuid4()), "type": type, "node": node, "language": "nl", "data": data}
    assert web.post(f"/api/v1/sessions/{token}/events", json=event).status_code == 201


def _later(web: TestClient, token: str, language: str, days: int = 5) -> None:
    when = (datetime.now(ZONE).date() + timedelta(days=days)).isoformat()
    form = {"submission": str(uuid.uuid4()), "date": when}
    assert web.post(f"/v/{token}/step/later?lang={language}", data=form).status_code == 303


@pytest.fixture
def activity(web: TestClient, campaign: dict[str, str]) -> dict[str, str]:
    """Two debtors opened their links; NL chose to pay later, EN too (in English)."""
    nl, en = campaign["DEMO-NL-1"], campaign["DEMO-EN-1"]
    for token in (nl, en):
        _send(web, token, "open", "intro", start="intro")
        for node in ("intro", "welcome", "situation", "not_paid", "menu"):
            _send(web, token, "segment_end", node)
        _send(web, token, "choice", "menu", target="more_time")
        _send(web, token, "choice", "more_time", target="later")
    _later(web, nl, "nl")
    _later(web, en, "en", days=7)
    return campaign


# --- signing in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin",
        "/admin/campaigns/1",
        "/admin/campaigns/1?action=later&from=2026-01-01",
        "/admin/campaigns/1/outcomes.csv",
        "/admin/campaigns/1/render.json",
        "/admin/campaigns/999999/render.json",  # no such campaign: a stranger is not told so
        "/admin/campaigns/999999/outcomes.csv",
        "/admin/campaigns/999999/messages/preview",
    ],
)
def test_every_page_needs_a_signed_in_user(web: TestClient, users: None, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/admin/login?next=")
    page = web.get(location)
    assert page.status_code == 200
    assert 'name="next" value="' + path.replace("&", "&amp;") + '"' in page.text


def test_a_link_from_another_site_comes_back_for_the_strict_cookie(
    web: TestClient, users: None
) -> None:
    sign_in(web, "olga@example.org")
    response = web.get("/admin/campaigns/1", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code in (200, 404)  # signed in: the cookie was sent after all
    web.cookies.clear()
    bounce = web.get("/admin/campaigns/1?a=1", headers={"Sec-Fetch-Site": "cross-site"})
    assert bounce.status_code == 200
    assert '<meta http-equiv="refresh" content="0;url=/admin/campaigns/1?a=1">' in bounce.text


def test_a_wrong_password_is_refused_with_a_message(
    web: TestClient, users: None, db: Session
) -> None:
    response = sign_in(web, "olga@example.org", "not the password")
    assert response.status_code == 401
    assert "The e-mail address or the password is not right." in response.text
    assert 'value="olga@example.org"' in response.text  # kept, so only the password is retyped
    assert web.get("/admin").status_code == 303
    assert db.scalar(select(func.count()).select_from(LoginAttempt)) == 2  # address and client


@pytest.mark.parametrize("action", ["render", "reminders", "send"])
def test_a_stranger_cannot_tell_which_campaigns_exist(
    web: TestClient, users: None, action: str
) -> None:
    there, missing = (web.post(f"/admin/campaigns/{i}/{action}") for i in (1, 999999))
    assert there.status_code == missing.status_code != 404
    assert there.headers.get("location") == missing.headers.get("location")


def test_signing_in_is_paused_after_too_many_failures(web: TestClient, users: None) -> None:
    for _ in range(EMAIL_LIMIT):
        assert sign_in(web, "olga@example.org", "a wrong guess").status_code == 401
    blocked = sign_in(web, "olga@example.org")  # the right password, too late
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.text
    assert "try again in 15 minutes" in blocked.text
    assert 'role="alert"' in blocked.text
    assert web.get("/admin").status_code == 303
    assert sign_in(web, "dan@example.org").status_code == 303  # another address is fine


def test_the_pages_are_kept_out_of_caches_and_frames(web: TestClient, users: None) -> None:
    page = web.get("/admin/login")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert web.get("/admin").headers["cache-control"] == "no-store"  # redirects too


# --- the campaign pages -------------------------------------------------------------------------


def test_the_campaign_list(
    web: TestClient, users: None, activity: dict[str, str], db: Session
) -> None:
    sign_in(web, "dan@example.org")
    page = web.get("/admin")
    assert page.status_code == 200
    campaign_id = _campaign_id(db)
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", page.text, re.S)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(0), re.S)
    ]
    assert cells[:5] == ["Test", "arrears", "5", "2 40%", "2 100%"]
    assert f'href="/admin/campaigns/{campaign_id}"' in page.text
    assert "dan@example.org" in page.text


def _svgs(page: str) -> list[ET.Element]:
    found = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert found, "no charts on the page"
    return [ET.fromstring(svg) for svg in found]  # raises on anything not well-formed


def test_the_campaign_page_shows_the_funnel_as_well_formed_svg(
    web: TestClient, users: None, activity: dict[str, str], db: Session
) -> None:
    sign_in(web, "olga@example.org")
    page = web.get(f"/admin/campaigns/{_campaign_id(db)}")
    assert page.status_code == 200
    charts = _svgs(page.text)
    assert len(charts) == 3  # the funnel, per language, per node (one variant: no variant chart)
    for chart in charts:
        assert chart.get("role") == "img"
        title, desc = chart.find(f"{SVG}title"), chart.find(f"{SVG}desc")
        assert title is not None and title.text
        assert desc is not None and desc.text
        assert chart.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    overall = charts[0]
    assert overall.find(f"{SVG}title").text == "The campaign's funnel"  # type: ignore[union-attr]
    texts = [t.text for t in overall.iter(f"{SVG}text")]
    assert texts[:2] == ["Debtors", "5"]
    assert "Opened the link" in texts and "2 · 40%" in texts
    assert "Completed a step" in texts
    desc_text = overall.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "Opened the link: 2 (−60% from the stage before)" in desc_text
    nodes = charts[2]
    labels = [t.text for t in nodes.iter(f"{SVG}text") if t.get("class") == "group"]
    assert labels[:6] == ["intro", "welcome", "situation", "not_paid", "menu", "pay_now"]
    # The numbers are in tables too: the overall funnel's drop-off, the outcomes.
    assert re.search(
        r"Opened the link</th><td class=\"num\">2</td><td class=\"num\">40%</td><td class=\"num\">−60%</td>",
        page.text,
    )
    assert re.search(r"Pay later</th><td class=\"num\">2</td><td class=\"num\">2</td>", page.text)
    assert "A/B test" not in page.text  # one scene: nothing to compare


def test_an_ab_campaign_gets_its_comparison(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    from sqlalchemy import update

    from app.models import Debtor, Variant

    campaign_id = _campaign_id(db)
    db.execute(
        update(Debtor)
        .where(Debtor.reference.in_(["DEMO-DE-1", "DEMO-TR-1"]))
        .values(scene_id="arrears-firm")
    )
    db.add(Variant(campaign_id=campaign_id, scene_id="arrears-firm", weight=1))
    db.commit()
    for reference in ("DEMO-NL-1", "DEMO-DE-1", "DEMO-TR-1"):
        _send(web, campaign[reference], "open", "intro", start="intro")
    _later(web, campaign["DEMO-NL-1"], "nl")
    sign_in(web, "dan@example.org")
    page = web.get(f"/admin/campaigns/{campaign_id}").text
    assert len(_svgs(page)) == 5  # the funnel, per variant, per language, per node for each scene
    assert "A/B test" in page
    assert "Not enough data yet" in page
    assert "p-value 0." in page
    assert "“arrears-firm” converts 0.0% against 100.0% for “arrears”" in page


def test_render_progress_refreshes_itself_while_running(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    campaign_id = _campaign_id(db)
    sign_in(web, "dan@example.org")
    page = web.get(f"/admin/campaigns/{campaign_id}")
    assert "Not rendered yet." in page.text and "<script" not in page.text
    job = RenderJob(campaign_id=campaign_id, executor="local", status="running", total=40, done=10)
    db.add(job)
    db.commit()
    page = web.get(f"/admin/campaigns/{campaign_id}")
    assert re.search(
        r'<progress id="render-progress" max="40" value="10">25%</progress>', page.text
    )
    assert "Rendering: 10 of 40 segments (25%)." in page.text
    nonce = re.search(r'<script nonce="([^"]+)">', page.text)
    assert nonce is not None
    assert f"script-src 'nonce-{nonce.group(1)}'" in page.headers["content-security-policy"]
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page.text
    progress = web.get(f"/admin/campaigns/{campaign_id}/render.json")
    assert progress.json() == {
        "status": "running", "done": 10, "total": 40, "failed": 0, "percent": 25,
        "label": "Rendering: 10 of 40 segments (25%).", "error": None,
    }  # fmt: skip
    job.status, job.done, job.failed = "finished", 40, 2
    db.commit()
    page = web.get(f"/admin/campaigns/{campaign_id}")
    assert "Rendered: 40 of 40 segments, 2 failed." in page.text
    assert "<script" not in page.text and 'http-equiv="refresh"' not in page.text


def test_an_unknown_campaign_is_a_404(web: TestClient, users: None) -> None:
    sign_in(web, "olga@example.org")
    assert web.get("/admin/campaigns/999").status_code == 404
    assert web.get("/admin/campaigns/999/outcomes.csv").status_code == 404


@pytest.mark.parametrize("campaign", ["0", str(2**31), "9223372036854775808", "1" + "0" * 30])
def test_a_campaign_id_out_of_range_is_422_not_a_server_error(
    web: TestClient, users: None, campaign: str
) -> None:
    sign_in(web, "olga@example.org")
    for page in ("", "/render.json", "/outcomes.csv"):
        assert web.get(f"/admin/campaigns/{campaign}{page}").status_code == 422, page


# --- outcomes: filters and export ---------------------------------------------------------------


def _csv(response: Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="campaign-')
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_operators_export_the_filtered_outcomes(
    web: TestClient, users: None, activity: dict[str, str], db: Session
) -> None:
    campaign_id = _campaign_id(db)
    sign_in(web, "olga@example.org")
    url = f"/admin/campaigns/{campaign_id}/outcomes.csv"
    rows = _csv(web.get(url))
    assert [
        (r["reference"], r["language"], r["variant"], r["action"], r["node"]) for r in rows
    ] == [
        ("DEMO-EN-1", "en", "arrears", "later", "later"),
        ("DEMO-NL-1", "nl", "arrears", "later", "later"),
    ]
    today = datetime.now(ZONE).date()
    assert rows[1]["details"] == (
        f'{{"amount_cents": 14820, "date": "{(today + timedelta(days=5)).isoformat()}"}}'
    )
    created = datetime.fromisoformat(rows[0]["created_at"])
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=5)
    assert created.utcoffset() == datetime.now(ZONE).utcoffset()
    assert [r["reference"] for r in _csv(web.get(url + "?language=nl"))] == ["DEMO-NL-1"]
    assert _csv(web.get(url + "?action=paid")) == []
    assert _csv(web.get(url + "?variant=arrears-firm")) == []
    day = today.isoformat()
    assert len(_csv(web.get(url + f"?from={day}&to={day}"))) == 2
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _csv(web.get(url + f"?from={tomorrow}")) == []
    assert web.get(url + "?from=yesterday").status_code == 422
    # The page shows the same, and links to the export of what it shows.
    page = web.get(f"/admin/campaigns/{campaign_id}?language=nl&from={day}").text
    assert "1 outcome matches." in page
    assert f'href="{url}?language=nl&amp;from={day}" download' in page
    assert '<option value="nl" selected>nl</option>' in page
    assert "DEMO-NL-1" in page and "DEMO-EN-1" not in page.split('id="outcome-count"')[1]


def test_the_outcome_list_says_each_detail_in_words(
    web: TestClient, users: None, activity: dict[str, str], db: Session
) -> None:
    token = activity["DEMO-DE-1"]
    form = {"submission": str(uuid.uuid4()), "reason": "Diese Rechnung kenne ich nicht."}
    assert web.post(f"/v/{token}/step/dispute?lang=de", data=form).status_code == 303
    sign_in(web, "olga@example.org")
    page = web.get(f"/admin/campaigns/{_campaign_id(db)}").text
    table = page.split('id="outcome-count"')[1]
    assert "<td>Dispute</td>" in table and "<td>Pay later</td>" in table
    assert "Reason: Diese Rechnung kenne ich nicht.; Phone: —</td>" in table
    promised = datetime.now(ZONE).date() + timedelta(days=5)
    day = format_date(promised, "medium", locale="en_GB")  # 8 Dec 2026
    assert f"Promised date: {day}; Amount: €148.20</td>" in table
    assert "None" not in table and promised.isoformat() not in table.split("<tbody>")[1]


def test_designers_may_look_but_not_export(
    web: TestClient, users: None, activity: dict[str, str], db: Session
) -> None:
    campaign_id = _campaign_id(db)
    sign_in(web, "dan@example.org")
    page = web.get(f"/admin/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert "outcomes.csv" not in page.text
    assert "Only operators can download outcomes." in page.text
    refused = web.get(f"/admin/campaigns/{campaign_id}/outcomes.csv")
    assert refused.status_code == 403
    assert "DEMO-NL-1" not in refused.text


def test_bad_filters_are_explained_not_crashed_on(
    web: TestClient, users: None, activity: dict[str, str], db: Session
) -> None:
    sign_in(web, "olga@example.org")
    page = web.get(f"/admin/campaigns/{_campaign_id(db)}?from=31-12-2026&to=2026-01-01&action=x")
    assert page.status_code == 200
    assert "“From” is not a date (write it as 2026-12-31)." in page.text
    assert "0 outcomes match." in page.text


def test_the_csv_defuses_spreadsheet_formulas() -> None:
    row = OutcomeRow(
        id=1,
        created_at=datetime(2026, 11, 23, 14, 5, tzinfo=UTC),
        reference='=HYPERLINK("http://evil")',
        language="nl",
        variant="arrears",
        action="callback",
        node="callback",
        details={"phone": "+31 6 1234 5678", "reason": "-1+cmd|' /C calc'!A0"},
    )
    (header, line) = list(csv.reader(io.StringIO(outcomes_csv([row], ZONE))))
    assert header == ["created_at", "reference", "language", "variant", "action", "node", "details"]
    assert line[0] == "2026-11-23T15:05:00+01:00"
    assert line[1] == '\'=HYPERLINK("http://evil")'
    assert line[6].startswith('{"phone": "+31 6 1234 5678", "reason": "-1+cmd')
    phone = OutcomeRow(1, row.created_at, "+31 6 1234 5678", "nl", "a", "b", "c", {})
    (_, line) = list(csv.reader(io.StringIO(outcomes_csv([phone], ZONE))))
    assert line[1] == "'+31 6 1234 5678"  # OWASP: every + - = @ start, even a phone number
    evil = OutcomeRow(1, row.created_at, "+SUM(A1)", "nl", "a", "b", "@x", {})
    (_, line) = list(csv.reader(io.StringIO(outcomes_csv([evil], ZONE))))
    assert (line[1], line[5]) == ("'+SUM(A1)", "'@x")


def test_the_links_end_at_the_end_of_the_day_entered_in_the_creditors_zone(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    campaign_id = _campaign_id(db)
    ends = datetime(2027, 1, 31, 23, 59, 59, tzinfo=ZONE)
    db.get_one(Campaign, campaign_id).expires_at = ends
    db.commit()
    db.expire_all()
    assert db.get_one(Campaign, campaign_id).expires_at == ends  # the moment, not 00:59 later
    sign_in(web, "dan@example.org")
    page = web.get(f"/admin/campaigns/{campaign_id}").text
    assert "<dt>Links end</dt>" in page
    assert "31 January 2027, 23:59 (Europe/Amsterdam)</time>" in page


def test_videos_made_without_a_render_job_show_as_rendered(
    web: TestClient, users: None, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    campaign_id = _campaign_id(db)
    in_use = sorted({(s, lang) for s, lang in db.execute(select(Debtor.scene_id, Debtor.language))})
    sign_in(web, "olga@example.org")
    first, *others = in_use
    path = manifest_path(settings.media_dir, *first)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")
    page = web.get(f"/admin/campaigns/{campaign_id}").text
    assert f"Rendered: {first[0]}/{first[1]}. Not yet: " in page
    assert f"{others[-1][0]}/{others[-1][1]} (made when the first debtor opens the link" in page
    for scene_id, language in others:
        manifest_path(settings.media_dir, scene_id, language).write_text("{}", encoding="utf-8")
    page = web.get(f"/admin/campaigns/{campaign_id}").text
    assert "Not rendered yet" not in page and "Not yet:" not in page
    assert "personal parts are prepared when a debtor opens the link." in page
    assert ">Render again</button>" in page
