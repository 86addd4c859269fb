"""The debtor's pages without JavaScript: the player page, the text version, unknown links."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case import case_of
from app.config import Settings
from app.deps import Visit
from app.models import Debtor, Event, Outcome
from app.scenes import SceneBook
from app.web.player import player_manifest
from render.formatting import format_day
from render.scene import Node

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
        response = web.get(path)  # a page in the browser's language, nothing about the link
        assert response.status_code == 404 and '<html lang="nl">' in response.text
        assert "We kunnen deze pagina niet vinden" in response.text
        assert "A" * 32 not in response.text and "nope" not in response.text
    data = web.get("/v/" + "A" * 32 + "/manifest/nl.json")  # the player's data: a plain answer
    assert (data.status_code, data.text) == (404, "Not found")


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


# --- scene format v1.1: the video and the text start where the debtor's case stands ---------


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _agree(web: TestClient, token: str, step: str, language: str, **fields: str) -> None:
    form = {"submission": str(uuid.uuid4()), **fields, "confirm": "yes"}
    assert web.post(f"/v/{token}/step/{step}?lang={language}", data=form).status_code == 303


def test_the_text_version_reads_on_to_the_choices_and_counts_as_an_open(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    page = web.get(f"/v/{campaign[NL]}/text").text
    # intro, welcome, situation and not_paid on one page, up to the menu's buttons
    for said in ("Hallo Sanne de Vries.", "€\u00a0148,20", "We zoeken graag samen met u"):
        assert said in page
    assert 'name="node" value="menu"' in page and 'value="pay_now"' in page
    assert page.count("<h1") == 1 and "<legend><h2>" in page
    web.get(f"/v/{campaign[NL]}/text?node=menu")  # reading on is not another open
    (opened,) = db.scalars(select(Event))
    assert (opened.type, opened.node, opened.language) == ("open", "intro", "nl")


def test_a_plan_starts_at_its_next_instalment_with_the_reference(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    first = _today() + timedelta(days=3)
    fields = {"amount_cents": "14820", "installments": "3", "first_date": first.isoformat()}
    _agree(web, token, "plan", "nl", **fields)
    (plan,) = db.scalars(select(Outcome))
    page = web.get(f"/v/{token}/text?lang=nl").text
    when = format_day(first, "nl")
    assert f"Uw volgende betaling is €\u00a049,40. Die betaalt u uiterlijk op {when}." in page
    assert f"Uw kenmerk is {NL}-{plan.id}." in page
    assert 'value="pay_how"' in page and "Deze termijn nu betalen" in page
    assert f'href="/v/{token}/agreed?lang=nl&amp;mode=text"' in page
    opened = db.scalars(select(Event).where(Event.type == "open")).one()
    assert opened.node == "plan_status"
    player = web.get(f"/v/{token}?lang=nl").text
    config = json.loads(html.unescape(re.search(r'data-config="([^"]*)"', player)[1]))  # type: ignore[index]
    assert config["start"] == "plan_status"


def test_a_promise_a_dispute_and_a_payment_each_have_their_own_start(
    web: TestClient, campaign: dict[str, str]
) -> None:
    english, german = campaign["DEMO-EN-1"], campaign["DEMO-DE-1"]
    promised = _today() + timedelta(days=10)
    _agree(web, english, "later", "en", date=promised.isoformat())
    page = web.get(f"/v/{english}/text?lang=en").text
    assert f"You told us you will pay €89.95 on {format_day(promised, 'en')}." in page
    _agree(web, german, "dispute", "de", reason="Falscher Zählerstand", phone="+49 30 1234567")
    page = web.get(f"/v/{german}/text?lang=de").text
    assert "Wir haben die Mahnungen gestoppt." in page
    assert 'value="pay_how"' not in page and 'value="pay_now"' not in page
    turkish = campaign[TR]
    form = {"submission": str(uuid.uuid4()), "amount_cents": "123456"}
    checkout = web.post(f"/v/{turkish}/step/pay_how?lang=tr", data=form).headers["location"]
    web.post(checkout.removeprefix("http://127.0.0.1:8000").split("?")[0], data={"outcome": "paid"})
    page = web.get(f"/v/{turkish}/text?lang=tr").text
    assert "Teşekkür ederiz. Faturanız ödendi." in page and "Hiçbir şey ödemeniz" in page
    assert 'value="pay_how"' not in page and 'value="pay_now"' not in page


def test_the_manifest_starts_at_the_entry_and_fills_the_case_values(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    token = campaign["DEMO-EN-1"]
    promised = _today() + timedelta(days=5)
    _agree(web, token, "later", "en", date=promised.isoformat())
    debtor = db.scalars(select(Debtor).where(Debtor.reference == "DEMO-EN-1")).one()
    (promise,) = db.scalars(select(Outcome))
    loaded = SceneBook(settings.content).get("arrears")
    case = case_of(db, debtor, _today())
    raw = {"nodes": {node_id: _segment(node) for node_id, node in loaded.scene.nodes.items()}}
    built = player_manifest(raw, Visit(debtor, loaded, "en"), token, "en", case)
    assert built["start"] == "promise_status"
    said = built["nodes"]["promise_status"]["texts"]
    assert said == [
        f"You told us you will pay €89.95 on {format_day(promised, 'en')}.",
        f"Your reference is DEMO-EN-1-{promise.id}. You can also pay now.",
    ]


def _segment(node: Node) -> dict[str, Any]:
    """A node as the render pipeline's manifest lists it (no video needed here)."""
    choices = [{"label": c.label, "icon": c.icon, "goto": c.goto} for c in node.choices or []]
    files = {"video": "v.mp4", "captions": "c.vtt", "poster": "p.jpg"}
    return {**files, "duration": 1.0, "next": node.next, "choices": choices}


def test_a_personal_node_gives_the_player_its_copy_captions_and_texts_over_the_picture() -> None:
    from app.web.player import personal_node

    picture = {
        "video": "segments/ab/abcdef.mp4",
        "frames": [[0, 16], [16, 32]],
        "boxes": [
            {"shot": 0, "element": "title", "x": 80, "y": 360, "width": 1120, "height": 90,
             "bold": True, "size": 72, "colour": "#ffffff", "align": "center", "lines": 2,
             "motion": "slide-up", "delay": 0.15},
            {"shot": 1, "element": "card", "x": 282, "y": 300, "width": 716, "height": 154,
             "bold": True, "size": 112, "colour": "#0f172a", "align": "center", "lines": 1,
             "motion": "pop", "delay": 0.15, "emphasis": "count-up"},
        ],
        "track": {
            "audio": "debtors/d1/arrears/en/intro-0123456789.m4a",
            "duration": 5.5,
            "shots": [[0.0, 2.0], [2.0, 5.5]],
            "cues": [{"start": 0.0, "end": 1.6, "text": "Hello <Anna>."}],
            "texts": [{"title": "Hello <Anna>"}, {"card": "€240.00"}],
        },
    }  # fmt: skip
    built = personal_node(picture, "tok", "en", "intro")
    assert built["video"] == "/v/tok/video/en/intro.mp4?v=abcdef-intro-0123456789"
    assert built["captions"] is None and built["cues"] == picture["track"]["cues"]  # type: ignore[index]
    assert built["duration"] == 5.5
    title, card = built["overlays"]
    assert title["text"] == "Hello <Anna>"  # the player sets it as text, never as HTML
    assert (title["start"], title["end"], title["delay"]) == (0.0, 2.0, 0.15)
    assert (card["start"], card["end"], card["motion"]) == (2.0, 5.5, "pop")
    assert title["emphasis"] is None and card["emphasis"] == "count-up"  # older manifests: None
    assert card["x"] == 282 / 1280 and card["size"] == 112 / 720 and card["align"] == "center"


def test_the_firm_reminder_says_the_statutory_collection_costs_of_the_debt(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    token = campaign["DEMO-EN-1"]
    debtor = db.scalars(select(Debtor).where(Debtor.reference == "DEMO-EN-1")).one()
    debtor.amount_cents = 300_000  # WIK: 15 % of 2,500 and 10 % of 500
    db.commit()
    loaded = SceneBook(settings.content).get("arrears-firm")
    case = case_of(db, debtor, _today())
    raw = {"nodes": {node_id: _segment(node) for node_id, node in loaded.scene.nodes.items()}}
    built = player_manifest(raw, Visit(debtor, loaded, "en"), token, "en", case)
    said = built["nodes"]["situation"]["texts"]
    assert (
        said[-1] == "If you do not pay within 14 days, we must charge €425.00 in collection costs."
    )
