"""The studio in Chromium: a designer finds a scene, reads its graph and translations, previews
a node with the keyboard and watches it play in the page under the admin's own policy, and
sees the voice check's results; every state of the pages passes axe."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import copy_tree
from tests.e2e.admin_sign_in import sign_in
from tests.e2e.conftest import E2E, LiveServer, live_server
from tests.e2e.test_accessibility import assert_accessible


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The e2e scene in a content root of its own (the voice check writes into it), served
    with nothing rendered: the studio renders what it previews."""
    work = tmp_path_factory.mktemp("studio")
    root = copy_tree(E2E, work / "content")
    with live_server(work, root=root, render=False) as live:
        yield live


def _sign_in(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "designer")


def _played(page: Page) -> tuple[int, float]:
    """The preview video's readyState and duration once it has its data (polled from here:
    the page's policy allows no string evaluation inside it)."""
    video = page.locator("#preview-video")
    deadline = time.monotonic() + 30
    state: list[float] = [0, 0.0]
    while time.monotonic() < deadline:
        state = video.evaluate("v => [v.readyState, v.duration || 0]")
        if state[0] >= 2 and state[1] > 0:
            break
        time.sleep(0.1)
    return int(state[0]), float(state[1])


def test_a_designer_reads_a_scene_and_previews_a_node(page: Page, studio: LiveServer) -> None:
    _sign_in(page, studio)
    page.get_by_role("link", name="Studio").click()
    expect(page.get_by_role("heading", name="Studio", level=1)).to_be_visible()
    assert_accessible(page, "the studio's scenes")
    page.get_by_role("link", name="e2e", exact=True).click()
    expect(page.get_by_role("heading", name="Browser test scene", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Scene graph e2e")).to_be_visible()
    expect(page.locator("#node-menu")).to_contain_text("“Pay in parts” leads to arrangement")
    expect(page.get_by_text("There is no voice check of this scene yet")).to_be_visible()
    assert_accessible(page, "a scene in the studio")
    page.get_by_label("Node", exact=True).select_option("menu")
    page.get_by_label("Language", exact=True).select_option("nl")
    page.get_by_role("button", name="Preview").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Node menu in nl")).to_be_visible(timeout=60_000)
    ready, duration = _played(page)
    assert ready >= 2 and duration > 0.5
    assert page.locator("#preview-video track[kind=captions]").get_attribute("srclang") == "nl"
    assert_accessible(page, "a scene with a node's preview")
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("from the cache in")
    page.goto(f"{studio.base_url}/admin/studio/e2e?node=nowhere&lang=nl")
    expect(page.get_by_role("alert")).to_have_text(
        "The scene has no node 'nowhere'. Pick one in the form."
    )
    assert_accessible(page, "a preview of a node that is not there")


def test_the_preview_plays_under_the_admin_pages_policy(
    strict_page: tuple[Page, list[str]], studio: LiveServer
) -> None:
    page, blocked = strict_page
    _sign_in(page, studio)
    page.goto(f"{studio.base_url}/admin/studio/e2e?node=hello&lang=en#preview-title")
    expect(page.get_by_role("heading", name="Node hello in en")).to_be_visible(timeout=60_000)
    ready, duration = _played(page)
    assert ready >= 2 and duration > 0.5
    assert blocked == []


def test_the_voice_check_results_pass_axe(page: Page, studio: LiveServer) -> None:
    report = Path(studio.settings.root) / "reports" / "voice-check" / "e2e.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        {"node": "hello", "shot": 1, "language": "nl", "text": "Hallo Jan de Vries.",
         "said": "Hallo Jan de Vries.", "heard": "Hallo Jan de Fries.", "wer": 0.25,
         "facts": {"name": False}, "over": True},
        {"node": "menu", "shot": 1, "language": "en", "text": "What would you like to do?",
         "said": "What would you like to do?", "heard": "What would you like to do?",
         "wer": 0.0, "facts": {}, "over": False},
    ]  # fmt: skip
    report.write_text(json.dumps({"scene": "e2e", "threshold": 0.2, "lines": lines}))
    _sign_in(page, studio)
    page.goto(f"{studio.base_url}/admin/studio/e2e#voice-title")
    expect(page.get_by_text("nl: 1 line, mean word error rate 0.25, 1 over")).to_be_visible()
    expect(page.get_by_role("cell", name="name: not heard")).to_be_visible()
    assert_accessible(page, "a scene with its voice check")
