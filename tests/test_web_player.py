"""The debtor's pages without JavaScript: the player page, the text version, unknown links."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Event

NL, TR = "DEMO-NL-1", "DEMO-TR-1"


def test_the_player_page_starts_in_the_debtors_language(
    web: TestClient, campaign: dict[str, str]
) -> None:
    page = web.get(f"/v/{campaign[TR]}")
    assert page.status_code == 200
    assert '<html lang="tr">' in page.text
    for name in ("Nederlands", "English", "Deutsch", "Türkçe", "Español"):
        assert f">{name}</" in page.text
    assert 'href="tel:+31100000000"' in page.text  # talk to a person, on every page
    assert "data-config=" in page.text and "/api/v1/sessions/" in page.text
    assert web.get(f"/v/{campaign[TR]}?lang=de").text.count('<html lang="de">') == 1
    assert '<html lang="tr">' in web.get(f"/v/{campaign[TR]}?lang=xx").text  # unknown: their own


def test_the_text_version_walks_the_graph_with_plain_forms(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    start = web.get(f"/v/{token}/text")
    assert "Hallo Sanne de Vries." in start.text
    situation = web.get(f"/v/{token}/text?node=situation")
    assert "€\u00a0148,20" in situation.text and "15 oktober 2026" in situation.text
    menu = web.get(f"/v/{token}/text?node=menu")
    assert 'name="target" value="pay_now"' in menu.text and "Nu betalen" in menu.text
    chosen = web.post(f"/v/{token}/text?lang=nl", data={"node": "menu", "target": "more_time"})
    assert (chosen.status_code, chosen.headers["location"]) == (
        303,
        f"/v/{token}/text?lang=nl&node=more_time",
    )
    opened, event = db.scalars(select(Event).order_by(Event.id))
    assert (opened.type, opened.node, opened.data) == (
        "open",
        "intro",
        {"start": "intro", "mode": "text"},
    )
    assert (event.type, event.node, event.data) == ("choice", "menu", {"target": "more_time"})
    step = web.get(f"/v/{token}/text?node=plan")
    assert f'href="/v/{token}/step/plan?lang=nl&amp;mode=text"' in step.text


def test_a_choice_that_is_not_offered_is_refused(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    response = web.post(
        f"/v/{campaign[NL]}/text?lang=nl", data={"node": "menu", "target": "goodbye"}
    )
    assert response.status_code == 422
    assert list(db.scalars(select(Event))) == []


def test_unknown_links_say_nothing(web: TestClient, campaign: dict[str, str]) -> None:
    for path in (
        "/v/nope",
        "/v/" + "A" * 32,
        "/v/" + "A" * 32 + "/text",
        "/v/" + "A" * 32 + "/step/plan",
    ):
        response = web.get(path)
        assert (response.status_code, response.text) == (404, "Not found")


def test_pages_escape_what_debtors_and_operators_wrote(
    web: TestClient, campaign: dict[str, str]
) -> None:
    page = web.get(f"/v/{campaign[NL]}/step/dispute?lang=nl")
    assert "<script>" not in page.text
    response = web.post(
        f"/v/{campaign[NL]}/step/dispute?lang=nl",
        data={"submission": "a1b2c3d4e5", "reason": "<script>alert(1)</script>", "phone": "bad"},
    )
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_only_segments_are_served_from_the_media_folder(
    web: TestClient, settings: Settings
) -> None:
    media = settings.media_dir
    files = {
        "segments/ab/abcdef.vtt": 200,  # what the player's manifest points at
        "manifests/arrears/nl/d1.json": 404,  # a debtor's manifest, named by a guessable id
        "manifests/arrears/nl.json": 404,
        "speech/ab/abcdef.wav": 404,  # a debtor's name, spoken
        "audio/ab/abcdef.m4a": 404,
    }
    for name in files:
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_text("WEBVTT\n", encoding="utf-8")
    assert {name: web.get(f"/media/{name}").status_code for name in files} == files


def test_debtor_pages_stay_out_of_caches_and_frames_and_run_only_our_scripts(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    for path in (f"/v/{token}", f"/v/{token}/text", f"/v/{token}/step/dispute"):
        headers = web.get(path).headers
        assert headers["cache-control"] == "no-store", path
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
