"""A personal node in a real browser: the debtor's name and amount are real text over the
shared picture at the right moment, in the captions and in the text version; the video stream
is the same for every debtor; the copy is served in byte ranges."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from render.ffmpeg import ffmpeg_exe
from tests.e2e.conftest import LiveServer
from tests.e2e.test_player import RECORD_CAPTIONS, at, caption_shown

# Every overlay text the page shows, with the video's time then and where it stands.
RECORD_OVERLAYS = r"""
window.shownOverlays = [];
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("overlays");
  if (!box) return;
  const look = () => {
    const video = document.getElementById("video");
    const screen = box.getBoundingClientRect();
    for (const element of box.querySelectorAll(".overlay.is-shown")) {
      const text = element.textContent;
      const shown = window.shownOverlays;
      if (shown.some(o => o.text === text)) continue;
      const r = element.getBoundingClientRect();
      shown.push({text, time: video.currentTime, x: (r.left + r.width / 2 - screen.left) / screen.width,
                  y: (r.top - screen.top) / screen.height, size: parseFloat(getComputedStyle(element.firstChild).fontSize),
                  screen: screen.height});
    }
  };
  new MutationObserver(look).observe(box, {subtree: true, attributes: true, childList: true});
});
"""


def test_the_name_and_amount_are_text_over_the_video_in_captions_and_in_the_text_version(
    page: Page, server: LiveServer
) -> None:
    page.add_init_script(RECORD_CAPTIONS)
    page.add_init_script(RECORD_OVERLAYS)
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    hello = server.manifest("E2E-1", "en")["nodes"]["hello"]
    second_shot = hello["overlays"][1]["start"]
    page.wait_for_function("window.shownOverlays.length >= 2", timeout=15_000)
    name, amount = page.evaluate("window.shownOverlays")
    assert name["text"] == "Hello Anna Smit" and amount["text"] == "€240.00"
    # each at its shot's moment: the greeting as the video starts, the amount with its card
    assert 0.1 <= name["time"] < second_shot <= amount["time"] + 0.05
    assert abs(name["x"] - 0.5) < 0.02 and abs(amount["x"] - 0.5) < 0.02  # centred, as drawn
    assert amount["size"] > name["size"] > 0.08 * name["screen"]  # the brand's sizes
    caption_shown(page, r"^Hello Anna Smit\.$")
    caption_shown(page, r"^You owe €240\.00 since 15 October 2026\.$")
    # real text: a screen reader reads it, and it is the debtor's, not a picture of it
    expect(page.locator("#overlays .overlay.is-shown")).to_have_text("€240.00")
    page.goto(server.text_link("E2E-1", "en"))
    expect(page.locator("main")).to_contain_text("Hello Anna Smit.")
    expect(page.locator("main")).to_contain_text("€240.00")


def test_two_debtors_watch_the_same_video_stream_with_their_own_voice(
    server: LiveServer, tmp_path: Path
) -> None:
    files = []
    for reference in ("E2E-1", "E2E-3"):  # Anna Smit owes €240.00, Chris Jansen €80.00
        node = server.manifest(reference, "en")["nodes"]["hello"]
        response = httpx.get(server.base_url + node["video"])
        assert response.status_code == 200 and response.headers["accept-ranges"] == "bytes"
        path = tmp_path / f"{reference}.mp4"
        path.write_bytes(response.content)
        files.append(path)
    hashes = [_stream_hash(path, "0:v") for path in files]
    assert hashes[0] == hashes[1]  # no debtor data in any frame
    assert _stream_hash(files[0], "0:a") != _stream_hash(files[1], "0:a")  # their own voice


def test_a_debtors_video_is_served_in_ranges_and_only_to_them(server: LiveServer) -> None:
    node = server.manifest("E2E-1", "en")["nodes"]["hello"]
    url = server.base_url + node["video"]
    whole = httpx.get(url).content
    first = httpx.get(url, headers={"Range": "bytes=0-1"})  # how Safari starts
    assert first.status_code == 206 and first.content == whole[:2]
    assert first.headers["content-range"] == f"bytes 0-1/{len(whole)}"
    tail = httpx.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == whole[-100:]
    outside = httpx.get(url, headers={"Range": f"bytes={len(whole)}-"})
    assert outside.status_code == 416
    other = server.token("E2E-3")
    assert httpx.get(url.replace(server.token("E2E-1"), "x" * len(other))).status_code == 404
    menu = url.replace("/hello.mp4", "/menu.mp4")  # not a personal node: it has no copy
    assert httpx.get(menu).status_code == 404


def _stream_hash(path: Path, stream: str) -> str:
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", stream, "-c", "copy",
         "-f", "streamhash", "-"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_a_personal_node_nobody_prepared_is_prepared_when_it_may_come_next(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    """A link opens at its first node only; "Tell me more" (which says the name) is asked for
    while the choices are up, then plays like any other node."""
    reference = server.add_debtor("E2E-3", tmp_path)
    assert server.manifest(reference, "en")["nodes"]["more"]["track"].endswith("/en/more.json")
    page.add_init_script(RECORD_OVERLAYS)
    page.goto(server.link(reference, node="menu"))
    at(page, "choices", "menu")
    page.get_by_role("button", name="Tell me more").click()
    at(page, "playing", "more")
    page.wait_for_function("window.shownOverlays.length >= 1", timeout=15_000)
    (shown,) = page.evaluate("window.shownOverlays")
    assert shown["text"] == "We are here to help, Chris Jansen"
    prepared = server.manifest(reference, "en")["nodes"]["more"]
    assert "track" not in prepared and "/video/en/more.mp4?v=" in prepared["video"]
