"""The player on a 390x844 phone in Chromium, in all five languages: the captions shown while
it plays take at most three lines, one Play/Replay control once a segment is over, every text
of the page follows a language switch (the footer too), phone numbers stay on one line, the
callback form asks a day and then a time, and axe finds nothing.

Screenshots of each language go to a temporary folder, or to the folder named by
``VIDPAY_SCREENSHOTS`` (``VIDPAY_SCREENSHOTS=docs/screenshots pytest tests/e2e/test_phone_layout.py``).
The header's height is the brand's test, not this one."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import phonenumbers
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, LiveServer, live_server
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_player import at

ROOT = Path(__file__).resolve().parent.parent / "data" / "phone"
LANGUAGES = ("nl", "en", "de", "tr", "es")
MAX_LINES = 3
MIN_CAPTION_PX = 20  # the caption text is smaller on a phone, never below this

# Every caption the page shows while it plays, measured when it is drawn: the line boxes of
# the cue and its height in lines. The segments play twice as fast: the test waits less.
MEASURE = r"""
window.captions = [];
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("caption");
  if (!box) return;
  new MutationObserver(() => {
    const cue = box.querySelector(".cue");
    if (!cue) return;
    const style = getComputedStyle(cue);
    window.captions.push({
      text: cue.textContent.replace(/\s+/g, " ").trim(),
      boxes: cue.getClientRects().length,
      lines: cue.getBoundingClientRect().height / parseFloat(getComputedStyle(box).lineHeight),
      size: parseFloat(style.fontSize),
      width: box.getBoundingClientRect().width,
    });
  }).observe(box, {childList: true, subtree: true, characterData: true});
});
document.addEventListener("play", (event) => { event.target.playbackRate = 2; }, true);
"""

# Every phone number shown (class nowrap): its text and the lines it takes.
PHONE_NUMBERS = r"""
() => Array.from(document.querySelectorAll(".nowrap"))
  .filter((element) => element.getClientRects().length > 0)
  .map((element) => {
    const style = getComputedStyle(element);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    return {
      text: element.textContent,
      boxes: element.getClientRects().length,
      lines: element.getBoundingClientRect().height / line,
    };
  })
"""


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The phone scene rendered in its five languages, one debtor per language."""
    with live_server(tmp_path_factory.mktemp("phone"), root=ROOT, scene_id="phone") as live:
        yield live


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("VIDPAY_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cue_texts(server: LiveServer, node: dict[str, Any]) -> list[str]:
    """The cues of a node as the player draws them: a debtor's own from the manifest, the
    others from the segment's WebVTT."""
    if node.get("cues"):
        return [" ".join(cue["text"].split()) for cue in node["cues"]]
    vtt = httpx.get(server.base_url + node["captions"], timeout=30).text
    blocks = [block.split("\n")[2:] for block in vtt.strip().split("\n\n")[1:]]
    unescaped = (" ".join(lines).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                 for lines in blocks)  # fmt: skip
    return [" ".join(text.split()) for text in unescaped]


def _assert_phone_numbers_on_one_line(page: Page, what: str) -> None:
    numbers = page.evaluate(PHONE_NUMBERS)
    assert numbers, what
    for number in numbers:
        assert re.fullmatch(r"\+?[\d\s\u00a0]{6,}", number["text"]), (what, number)
        assert number["boxes"] == 1 and number["lines"] < 1.5, (what, number)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], what


def _play_controls(page: Page, strings: dict[str, str]) -> list[str]:
    shown = page.locator(".controls button:visible").all_inner_texts()
    return [name for name in shown if name in (strings["Play"], strings["Replay"])]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_player_fits_a_phone_in_every_language(
    page: Page, phone_server: LiveServer, screenshots: Path, language: str
) -> None:
    server, reference = phone_server, f"PHONE-{language.upper()}"
    manifest = server.manifest(reference, language)
    strings = manifest["strings"]
    page.add_init_script(MEASURE)
    page.goto(server.link(reference))
    at(page, "playing", "intro")
    expect(page.locator("#play")).to_have_text(strings["Pause"])
    assert _play_controls(page, strings) == [strings["Replay"]]  # from the start, not Pause
    at(page, "playing", "long")
    expect(page.locator("#caption .cue")).to_be_visible()
    page.screenshot(path=screenshots / f"{language}-playing.png")

    # the captions: every cue of both nodes shown, none over three lines, text still big
    page.wait_for_selector('#player[data-state="choices"][data-node="long"]', timeout=90_000)
    shown = page.evaluate("window.captions")
    expected = [
        text for node in ("intro", "long") for text in _cue_texts(server, manifest["nodes"][node])
    ]
    assert set(expected) <= {c["text"] for c in shown}, (expected, shown)
    for caption in shown:
        assert caption["boxes"] <= MAX_LINES and caption["lines"] < MAX_LINES + 0.5, caption
        assert caption["size"] >= MIN_CAPTION_PX and caption["width"] <= PHONE["width"], caption

    # the choices: one Replay, no Play beside it
    assert _play_controls(page, strings) == [strings["Replay"]]
    _assert_phone_numbers_on_one_line(page, f"the player in {language}")
    assert_accessible(page, f"the player's choices in {language}")
    page.screenshot(path=screenshots / f"{language}-choices.png", full_page=True)

    # another language: the page's own words follow, the footer too
    other = LANGUAGES[(LANGUAGES.index(language) + 1) % len(LANGUAGES)]
    before = page.locator("footer").inner_text()
    page.select_option("#language", other)
    expect(page.locator("html")).to_have_attribute("lang", other)
    theirs = server.manifest(reference, other)["strings"]
    expect(page.locator("footer [data-i18n='We are available {hours}.']")).to_have_text(
        theirs["We are available {hours}."]
    )
    text_link = page.locator("footer a[data-i18n='Text version']")
    expect(text_link).to_have_text(theirs["Text version"])
    expect(text_link).to_have_attribute("href", re.compile(rf"lang={other}"))
    assert page.locator("footer").inner_text() != before
    for element in page.locator("[data-i18n]").all():
        expect(element).to_have_text(theirs[element.get_attribute("data-i18n") or ""])
    expect(page.locator("#player")).to_have_attribute("aria-label", theirs["Your video"])
    expect(page.locator("a.skip")).to_have_text(theirs["Skip to the content"])
    expect(page).to_have_title(
        theirs["{creditor}: your payment"].replace("{creditor}", "Demo Energie")
    )
    expect(page.locator(".controls button:visible")).to_have_text(
        [theirs["Replay"], theirs["Captions on"]]
    )
    assert_accessible(page, f"the player switched from {language} to {other}")
    page.select_option("#language", language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    for element in page.locator("[data-i18n]").all():
        expect(element).to_have_text(strings[element.get_attribute("data-i18n") or ""])

    # the callback form: the phone the creditor has, an example of the country, a day, a time
    page.get_by_role("button", name=manifest["nodes"]["long"]["choices"][0]["label"]).click()
    page.wait_for_url(re.compile(rf"/step/callback\?lang={language}"), timeout=60_000)
    debtor_phone = {"nl": "+31 6 1234 5678", "en": "+44 7911 123456", "de": "+49 151 23456789",
                    "tr": "+90 532 123 45 67", "es": "+34 612 34 56 78"}[language]  # fmt: skip
    readable = phonenumbers.format_number(
        phonenumbers.parse(debtor_phone), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    expect(page.locator("#phone")).to_have_value(readable)
    days = page.locator("#day option")
    last = days.nth(days.count() - 1)
    page.select_option("#day", last.get_attribute("value"))
    open_times = (last.get_attribute("data-times") or "").split()
    offered = page.locator("#time option:enabled")
    assert [o.get_attribute("value") for o in offered.all()] == open_times
    assert page.locator("#time").input_value() in open_times
    _assert_phone_numbers_on_one_line(page, f"the callback form in {language}")
    assert_accessible(page, f"the callback form in {language}")
    page.screenshot(path=screenshots / f"{language}-callback.png", full_page=True)
    page.locator("form.stack button[type=submit]").click()

    # the end: one Replay, where the focus is
    page.wait_for_url(re.compile(rf"/v/[^/?]+\?lang={language}&node=goodbye$"))
    at(page, "ended", "goodbye")
    assert _play_controls(page, strings) == [strings["Replay"]]
    expect(page.locator("#replay")).to_be_focused()
    page.screenshot(path=screenshots / f"{language}-ended.png", full_page=True)
