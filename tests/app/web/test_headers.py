"""Headers on every answer of the app, through HTTP: HSTS behind https, nosniff on media,
captions and static files, and the JSON API kept out of caches; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.apikeys import create_api_key
from app.config import Settings
from app.models import Campaign

HSTS = "max-age=31536000; includeSubDomains"
PATHS = [
    "/static/player/site.css",
    "/media/segments/ab/abcdef.vtt",
    "/admin/login",
    "/admin",
    "/api/v1/openapi.json",
    "/api/v1/campaigns/1/outcomes",
    "/v/not-a-link",
    "/nowhere",
]


@pytest.fixture
def captions(settings: Settings, web: TestClient) -> str:
    """A rendered segment's captions and video, where the app serves them."""
    folder = settings.media_dir / "segments" / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abcdef.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n")
    (folder / "abcdef.mp4").write_bytes(b"\0\0\0\x18ftypmp42")
    return "/media/segments/ab/abcdef.vtt"


def test_every_answer_behind_https_has_hsts(https_web: TestClient, captions: str) -> None:
    for path in PATHS:
        response = https_web.get(path)
        assert response.headers.get("strict-transport-security") == HSTS, path
    too_large = https_web.post("/admin/login", content=b"x" * 100_000)
    assert too_large.status_code == 413
    assert too_large.headers["strict-transport-security"] == HSTS


def test_no_hsts_over_plain_http(web: TestClient, captions: str) -> None:
    for path in PATHS:
        assert "strict-transport-security" not in web.get(path).headers, path


def test_media_captions_and_static_files_are_not_sniffed(web: TestClient, captions: str) -> None:
    vtt = web.get(captions)
    assert vtt.status_code == 200
    assert vtt.headers["content-type"].startswith("text/vtt")
    video = web.get("/media/segments/ab/abcdef.mp4")
    assert (video.status_code, video.headers["content-type"]) == (200, "video/mp4")
    for response in (vtt, video, web.get("/static/player/player.js")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "no-store" not in response.headers.get("cache-control", "")  # may be cached
    assert web.get("/media/segments/ab/nothing.vtt").headers["x-content-type-options"] == "nosniff"


def test_the_integration_api_is_never_cached_and_not_sniffed(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    key = create_api_key(db, "crm")
    db.commit()
    bearer = {"Authorization": f"Bearer {key}"}
    outcomes = f"/api/v1/campaigns/{db.scalars(select(Campaign.id)).one()}/outcomes"
    answers = {
        200: web.get(outcomes, headers=bearer),
        401: web.get(outcomes),
        404: web.get("/api/v1/campaigns/4242/outcomes", headers=bearer),
        422: web.get(f"{outcomes}?limit=0", headers=bearer),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert response.headers["cache-control"] == "no-store", status
        assert response.headers["x-content-type-options"] == "nosniff", status
    assert web.get("/api/v1/openapi.json").headers["cache-control"] == "no-store"


def test_headers_a_page_sets_itself_are_not_doubled(web: TestClient) -> None:
    page = web.get("/admin/login")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers.get_list("x-content-type-options") == ["nosniff"]  # not twice
