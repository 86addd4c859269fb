"""The amount on a personal node counting up (an overlay with ``"emphasis": "count-up"``) in a
real browser: from zero, in the text's own format, for about a second, ending on the server's
text; assistive technology only ever has the final text; with reduced motion, no count."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_player import at

# What the amount's overlay shows, every time it changes: the digits counting up (and what is
# beside them for assistive technology), or its plain text.
RECORD_AMOUNT = r"""
window.amountShown = [];
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("overlays");
  if (!box) return;
  const look = () => {
    for (const text of box.querySelectorAll(".overlay.is-shown .text")) {
      const count = text.querySelector(".count"), final = text.querySelector(".final");
      const entry = count
        ? {count: count.textContent, hidden: count.getAttribute("aria-hidden"), final: final && final.textContent,
           children: text.children.length}
        : {text: text.textContent, children: text.children.length};
      if (!(entry.final || entry.text || "").includes("€")) continue;
      entry.time = document.getElementById("video").currentTime;
      const shown = window.amountShown, last = shown[shown.length - 1];
      if (!last || last.count !== entry.count || last.text !== entry.text) shown.push(entry);
    }
  };
  new MutationObserver(look).observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
});
"""


def _with_emphasis(route: Route) -> None:
    """The manifest as the render side will send it: the amount counts up, the name not."""
    manifest = route.fetch().json()
    for node in manifest["nodes"].values():
        for overlay in node.get("overlays", []):
            overlay["emphasis"] = "count-up" if "€" in overlay["text"] else None
    route.fulfill(json=manifest)


def _amount(text: str) -> float:
    match = re.fullmatch(r"€(\d+)\.(\d\d)", text)
    assert match, text
    return int(match[1]) + int(match[2]) / 100


def test_the_amount_counts_up_from_zero_and_ends_on_the_servers_text(
    page: Page, server: LiveServer
) -> None:
    page.add_init_script(RECORD_AMOUNT)
    page.route(re.compile(r"/manifest/en\.json$"), _with_emphasis)
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    page.wait_for_function(
        "window.amountShown.some(entry => entry.text !== undefined)", timeout=20_000
    )
    shown: list[dict[str, Any]] = page.evaluate("window.amountShown")
    counting, done = shown[:-1], shown[-1]
    assert len(counting) >= 5, shown  # drawn frame by frame, not in one jump
    assert all(entry.get("count") is not None for entry in counting), shown
    values = [_amount(entry["count"]) for entry in counting]
    assert values[0] < 240 * 0.3 and values == sorted(values) and values[-1] <= 240, values
    # a screen reader has the final text beside the digits, which it never gets
    assert {(e["final"], e["hidden"], e["children"]) for e in counting} == {("€240.00", "true", 2)}
    assert done == {"text": "€240.00", "children": 0, "time": done["time"]}  # as without a count
    assert 0.6 <= done["time"] - counting[0]["time"] <= 1.5, shown  # about a second of video
    expect(page.locator("#overlays .overlay.is-shown").last).to_have_text("€240.00")
    expect(page.locator("#overlays .count")).to_have_count(0)


def test_with_reduced_motion_the_amount_is_there_at_once(page: Page, server: LiveServer) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.add_init_script(RECORD_AMOUNT)
    page.route(re.compile(r"/manifest/en\.json$"), _with_emphasis)
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    page.wait_for_function("window.amountShown.length > 0", timeout=20_000)
    page.wait_for_timeout(1200)
    shown = page.evaluate("window.amountShown")
    assert [(e.get("text"), e.get("count")) for e in shown] == [("€240.00", None)], json.dumps(
        shown
    )
