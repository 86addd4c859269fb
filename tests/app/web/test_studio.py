"""The studio pages: scenes with their problems, one scene's graph, translations, voice check
and a node's preview, as they are on disk at each request; for designers and operators."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings
from app.web.studio import Studied, findings, status_of
from render.content import ContentRoot
from render.problems import Problem
from tests.admin_session import csrf_of, sign_in
from tests.admin_session import users as users
from tests.conftest import TURKISH, fill_catalogue


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only: the studio stores nothing, the users table is all it reads."""
    yield f"sqlite:///{tmp_path / 'vidpay.db'}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, render_root: ContentRoot) -> Settings:
    """The app over a content root of its own (the tiny two-language scene), so a test may
    change its files as a designer would."""
    return Settings(
        root=render_root.path, var=tmp_path / "var", database_url=database_url,
        secret_key="test-secret", env="test",
    )  # fmt: skip


def _alert(page: str) -> str:
    found = re.search(r'role="alert"><p>(.*?)</p>', page, re.S)
    assert found, "no alert on the page"
    return found.group(1)


def test_designers_and_operators_see_the_scenes_and_nobody_else(
    web: TestClient, users: None
) -> None:
    anonymous = web.get("/admin/studio/tiny")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/admin/login?next=/admin/studio/tiny"
    for email in ("dan@example.org", "olga@example.org"):
        sign_in(web, email)
        page = web.get("/admin/studio")
        assert page.status_code == 200
        assert '<a href="/admin/studio" aria-current="page">Studio</a>' in page.text
        assert '<a href="/admin/studio/tiny">tiny</a>' in page.text
        assert "Tiny render test" in page.text
        assert web.get("/admin/studio/tiny").status_code == 200
        web.post("/admin/logout", data={"csrf": csrf_of(page.text)})


def test_the_page_says_what_is_on_disk_at_each_reload(
    web: TestClient, users: None, render_root: ContentRoot
) -> None:
    sign_in(web, "dan@example.org")
    scene = render_root.scenes_dir / "tiny.yaml"
    listed = web.get("/admin/studio").text
    assert re.search(r'tiny</a></th>\s*<td>Tiny render test</td>\s*<td class="num">0</td>', listed)
    scene.write_text(scene.read_text().replace("goto: bye}", "goto: nowhere}", 1))
    listed = web.get("/admin/studio").text
    assert re.search(
        r'tiny</a></th>\s*<td>[^<]*</td>\s*<td class="num">1 <span class="tag">fix first', listed
    )
    page = web.get("/admin/studio/tiny").text
    assert "scenes/tiny.yaml:" in page
    assert "nowhere" in page
    assert "The graph is drawn once" in page  # an unknown goto: no graph to draw
    scene.write_text(scene.read_text().replace("goto: nowhere}", "goto: bye}"))
    page = web.get("/admin/studio/tiny").text
    assert "<dt>Errors</dt><dd>0</dd>" in page  # compliance warnings may remain
    assert '<svg width="' in page
    (render_root.scenes_dir / "broken.yaml").write_text("id: [broken\n")
    listed = web.get("/admin/studio").text
    assert re.search(r'broken</a></th>\s*<td></td>\s*<td class="num">1 <span', listed)
    page = web.get("/admin/studio/broken?node=hello&lang=en").text
    assert "scenes/broken.yaml:" in page
    assert "This scene has errors that stop a preview" in _alert(page)


def test_the_scene_page_shows_the_graph_in_pictures_and_in_words(
    web: TestClient, users: None, render_root: ContentRoot
) -> None:
    scene = render_root.scenes_dir / "tiny.yaml"
    scene.write_text(scene.read_text().replace('"Later"', '"Later <script>alert(1)</script>"'))
    sign_in(web, "olga@example.org")
    response = web.get("/admin/studio/tiny")
    assert response.status_code == 200
    page = response.text
    assert "<script>alert(1)" not in page  # the label is text, in the SVG and in the list
    assert "Later &lt;script&gt;alert(1)&lt;/script&gt;" in page
    svg = re.search(r"<svg .*?</svg>", page, re.S)
    assert svg and 'role="img"' in svg.group(0) and 'aria-label="Scene graph tiny"' in svg.group(0)
    assert '<li id="node-menu">' in page
    assert re.search(r'“Pay now” leads to <a href="#node-bye">bye</a>', page)
    assert re.search(r'then on to <a href="#node-amount">amount</a>', page)
    assert "media-src 'self'" in response.headers["content-security-policy"]


def test_coverage_lists_what_is_missing_and_fuzzy_per_language(
    web: TestClient, users: None, render_root: ContentRoot
) -> None:
    po = render_root.po_path("tiny", "tr")
    po.write_text(po.read_text().replace('msgstr "Seçin."', 'msgstr ""'))
    text = po.read_text().replace('msgid "Goodbye."', '#, fuzzy\nmsgid "Goodbye."')
    po.write_text(text)
    sign_in(web, "dan@example.org")
    page = web.get("/admin/studio/tiny").text
    row = re.search(r'<th scope="row">tr</th>(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    assert cells[:3] == ["8 of 10", "1", "1"]
    assert "tr: 1 missing, 1 fuzzy" in page
    assert "<li>Choose.</li>" in page and "<li>Goodbye.</li>" in page
    assert "is not translated yet" in page  # the error, with its line in the catalogue
    assert re.search(r"translations/tr/LC_MESSAGES/tiny.po:\d+:1", page)
    assert '<svg width="' in page  # a missing translation does not hide the graph
    preview = web.get("/admin/studio/tiny?node=menu&lang=tr").text
    assert "2 of the 10 texts have no reviewed tr translation" in preview
    fill_catalogue(po, TURKISH)
    assert "tr: 1 missing" not in web.get("/admin/studio/tiny").text


def test_unknown_scenes_nodes_and_languages_are_said_plainly(web: TestClient, users: None) -> None:
    sign_in(web, "dan@example.org")
    for name in ("nope", "..%2Fscenes%2Ftiny", "tiny.yaml", "%2Fetc%2Fpasswd"):
        response = web.get(f"/admin/studio/{name}")
        assert response.status_code == 404, name
    assert "There is no scene 'nope'" in web.get("/admin/studio/nope").text
    response = web.get("/admin/studio/tiny?node=nowhere&lang=tr")
    assert response.status_code == 404
    assert _alert(response.text) == "The scene has no node &#39;nowhere&#39;. Pick one in the form."
    response = web.get("/admin/studio/tiny?node=hello&lang=fr")
    assert response.status_code == 400
    assert "not offered in &#39;fr&#39;" in _alert(response.text)
    assert "Traceback" not in response.text
    assert web.get("/admin/studio/media/not-a-key.mp4").status_code == 404
    assert web.get(f"/admin/studio/media/{'a' * 40}.mp4").status_code == 404


def test_a_node_is_previewed_for_the_sample_debtor_and_then_comes_from_the_cache(
    web: TestClient, users: None, settings: Settings, render_root: ContentRoot
) -> None:
    sign_in(web, "dan@example.org")
    first = web.get("/admin/studio/tiny?node=hello&lang=tr")
    assert first.status_code == 200, first.text
    assert "rendered in" in first.text
    video = re.search(r'<video id="preview-video"[^>]* src="([^"]+)"', first.text)
    track = re.search(r'<track kind="captions" src="([^"]+)" srclang="tr"', first.text)
    assert video and track
    started = time.perf_counter()
    again = web.get("/admin/studio/tiny?node=hello&lang=tr")
    warm = time.perf_counter() - started
    assert "from the cache in" in again.text
    assert warm < 2.0
    mp4 = web.get(video.group(1))
    assert mp4.status_code == 200 and mp4.headers["content-type"] == "video/mp4"
    assert mp4.content[4:8] == b"ftyp"
    captions = web.get(track.group(1))
    assert captions.headers["content-type"].startswith("text/vtt")
    assert "Merhaba Ayşe Yılmaz." in captions.text  # the sample debtor of the voice check
    stored = list((settings.media_dir / "studio").rglob("*.mp4"))
    assert len(stored) == 1
    assert not list(render_root.path.rglob("*.mp4"))  # nothing written into the content root
    web.post("/admin/logout", data={"csrf": csrf_of(again.text)})
    assert web.get(video.group(1)).status_code == 303  # signed-in users only


def test_the_voice_check_results_or_how_to_make_them(
    web: TestClient, users: None, render_root: ContentRoot
) -> None:
    sign_in(web, "dan@example.org")
    page = web.get("/admin/studio/tiny").text
    assert "There is no voice check of this scene yet" in page
    assert f"vidpay voice check tiny --root {render_root.path}" in page
    report = render_root.path / "reports" / "voice-check" / "tiny.json"
    report.parent.mkdir(parents=True)
    report.write_text("{not json")
    assert "The report cannot be read" in web.get("/admin/studio/tiny").text
    line = {"node": "amount", "shot": 1, "language": "tr", "text": "Borcunuz: 148,20 €.",
            "said": "Borcunuz: yüz kırk sekiz avro", "heard": "Borcunuz yüz kırk", "wer": 0.5,
            "facts": {"amount_due": False}, "over": True}  # fmt: skip
    hello = {**line, "node": "hello", "language": "en", "text": "Hello Emma Johnson.",
             "heard": "Hello Emma Johnson.", "wer": 0.0, "facts": {"name": True}, "over": False}  # fmt: skip
    report.write_text(json.dumps({"scene": "tiny", "threshold": 0.25, "lines": [line, hello],
                                  "checked_at": "2026-01-02T03:04:05+00:00"}))  # fmt: skip
    page = web.get("/admin/studio/tiny").text
    assert "tr: 1 line, mean word error rate 0.50, 1 over" in page
    assert "en: 1 line, mean word error rate 0.00, 0 over" in page
    assert "amount_due: <strong>not heard</strong>" in page and "name: heard" in page
    assert "Borcunuz yüz kırk" in page
    assert "The scene file changed after this check" not in page
    scene = render_root.scenes_dir / "tiny.yaml"
    later = report.stat().st_mtime + 60
    os.utime(scene, (later, later))  # the designer saved the scene after the check
    assert "The scene file changed after this check" in web.get("/admin/studio/tiny").text


@pytest.mark.skipif(
    importlib.util.find_spec("faster_whisper") is None,
    reason="the voicecheck extra is not installed",
)
def test_the_voice_check_leaves_its_report_for_the_studio(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    report = render_root.path / "reports" / "voice-check" / "tiny.json"
    report.parent.mkdir(parents=True)
    earlier = {"node": "bye", "shot": 1, "language": "tr", "text": "Hoşça kalın.", "said": "",
               "heard": "", "wer": 0.0, "facts": {}, "over": False}  # fmt: skip
    report.write_text(json.dumps({"scene": "tiny", "lines": [earlier]}))
    out = tmp_path / "check.json"
    result = CliRunner().invoke(app, ["voice", "check", "tiny", "--root", str(render_root.path),
                                      "--lang", "en", "--json", str(out)])  # fmt: skip
    assert f"Saved for the studio pages: {report}" in result.output
    chosen = json.loads(out.read_text())
    assert {line["language"] for line in chosen["lines"]} == {"en"}
    kept = json.loads(report.read_text())
    assert kept["checked_at"] and kept["scene"] == "tiny"
    assert kept["lines"][0]["language"] == "tr"  # the Turkish results stay
    assert {line["language"] for line in kept["lines"][1:]} == {"en"}


def test_compliance_findings_show_their_rule_and_are_warnings(content_root: ContentRoot) -> None:
    shown = str(content_root.scenes_dir / "small.yaml")
    problems = [
        Problem(shown, 3, 1, "mentions collection costs without the 14-day term", "warning",
                "wik-term"),
        Problem(shown, 9, 5, "unknown goto 'x'"),
        Problem(shown, 12, 1, "long sentence", "warning", "b1-sentence"),
    ]  # fmt: skip
    status = status_of(Studied("small", None, problems))
    assert (status.errors, status.warnings, status.rules) == (1, 2, ("b1-sentence", "wik-term"))
    first = findings(problems, content_root)[0]
    assert (first.where, first.rule) == ("scenes/small.yaml:3:1", "wik-term")
