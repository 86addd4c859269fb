"""The video player in a real browser: playing, captions, languages, choices, steps, events."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select

from app.models import Event, Outcome
from tests.e2e.conftest import LiveServer, today

# Every caption the page shows, in order, however briefly (cues can be shorter than a poll).
RECORD_CAPTIONS = r"""
window.shownCaptions = [];
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("caption");
  if (!box) return;
  new MutationObserver(() => {
    const text = box.textContent.replace(/\s+/g, " ").trim();
    const shown = window.shownCaptions;
    if (text && shown[shown.length - 1] !== text) shown.push(text);
  }).observe(box, {childList: true, subtree: true, characterData: true});
});
"""


def at(page: Page, state: str, node: str) -> None:
    page.wait_for_selector(f'#player[data-state="{state}"][data-node="{node}"]')


def caption_shown(page: Page, pattern: str) -> None:
    page.wait_for_function(
        "pattern => window.shownCaptions.some(text => new RegExp(pattern).test(text))", arg=pattern
    )


def video(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """() => { const v = document.getElementById("video");
        return {src: v.currentSrc, time: v.currentTime, duration: v.duration, paused: v.paused}; }"""
    )
    return state


def wait_for(condition: Any, timeout: float = 10) -> None:
    """Poll the database (the player sends events in the background)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the database"
        time.sleep(0.1)


def test_a_link_plays_the_greeting_with_captions_and_offers_both_languages(
    page: Page, server: LiveServer
) -> None:
    page.add_init_script(RECORD_CAPTIONS)
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    page.wait_for_function("document.getElementById('video').currentTime > 0.3")
    hello = server.manifest("E2E-1", "en")["nodes"]["hello"]
    assert video(page)["src"].endswith(hello["video"])
    caption_shown(page, r"^Hello Anna Smit\.$")
    caption_shown(page, r"^You owe €240\.00 since 15 October 2026\.$")
    assert page.evaluate("document.documentElement.lang") == "en"
    options = page.locator("#language option")
    expect(options).to_have_text(["English", "Nederlands"])
    assert [options.nth(i).get_attribute("lang") for i in range(2)] == ["en", "nl"]
    expect(page.locator("#captions")).to_have_attribute("aria-pressed", "true")
    wait_for(lambda: [e.type for e in server.events("E2E-1", "open")] != [])
    opened = server.events("E2E-1", "open")[-1]
    assert (opened.node, opened.language) == ("hello", "en")


def test_the_player_runs_under_its_content_security_policy(
    strict_page: tuple[Page, list[str]], server: LiveServer
) -> None:
    page, blocked = strict_page
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    expect(page.locator("#caption")).to_have_text(re.compile(r"Anna Smit"))
    page.locator("#play").click()
    expect(page.locator("#player")).to_have_attribute("data-state", "paused")
    page.goto(server.text_link("E2E-1", "en"))
    expect(page.locator("main")).to_contain_text("Hello Anna Smit.")
    assert blocked == []


def test_switching_language_mid_segment_keeps_the_place(page: Page, server: LiveServer) -> None:
    page.add_init_script(RECORD_CAPTIONS)
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    page.wait_for_function("document.getElementById('video').currentTime > 1.5")
    before = video(page)
    page.select_option("#language", "nl")

    dutch = server.manifest("E2E-1", "nl")
    hello = dutch["nodes"]["hello"]
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.wait_for_function(
        "src => document.getElementById('video').currentSrc.endsWith(src)", arg=hello["video"]
    )
    at(page, "playing", "hello")
    # the Dutch copy is joined on request: wait until it has its place, not only its address
    page.wait_for_function("document.getElementById('video').currentTime > 0")
    after = video(page)
    expected = before["time"] / before["duration"] * hello["duration"]
    assert after["time"] >= expected - 0.2, (before, after)
    assert after["time"] < expected + 3, (before, after)  # not from the start, not skipped
    caption_shown(page, r"^U moet nog € 240,00 betalen sinds 15 oktober 2026\.$")
    strings = dutch["strings"]
    expect(page.locator("#play")).to_have_text(strings["Pause"])
    expect(page.locator("#replay")).to_have_text(strings["Replay"])
    expect(page.locator("#captions")).to_have_text(strings["Captions on"])
    expect(page.locator("label[for=language]")).to_have_text(strings["Language"])
    expect(page.locator('.languages a[hreflang="nl"]')).to_have_attribute("aria-current", "true")
    expect(page.locator(".footer a").first).to_have_attribute("href", re.compile(r"lang=nl"))

    # the same node goes on, in Dutch, to the Dutch choices
    at(page, "choices", "menu")
    labels = [c["label"] for c in dutch["nodes"]["menu"]["choices"]]
    assert labels == ["Nu betalen", "In delen betalen", "Later betalen", "Vertel me meer"]
    expect(page.locator("#choices button")).to_have_text(labels)
    switched = server.events("E2E-1", "language")[-1]
    assert switched.node == "hello" and switched.language == "nl"
    assert switched.data == {"from": "en", "to": "nl"} and (switched.position or 0) > 1


def choose(page: Page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def test_arrangement_step_is_stored_and_the_player_continues_after_it(
    page: Page, server: LiveServer
) -> None:
    page.goto(server.link("E2E-1", node="menu"))
    at(page, "choices", "menu")
    choose(page, "Pay in parts")
    at(page, "playing", "arrangement")
    page.wait_for_url(re.compile(r"/step/arrangement\?lang=en"))
    expect(page.locator("h1")).to_have_text("Payment plan")
    page.get_by_label("3 payments of about").check()
    first = today() + timedelta(days=3)
    page.fill("#first_date", first.isoformat())
    page.get_by_role("button", name="Show my payment plan").click()
    expect(page.locator("table.schedule tbody tr")).to_have_count(3)
    submission = page.input_value("input[name=submission]")
    page.get_by_role("button", name="Confirm this payment plan").click()

    page.wait_for_url(re.compile(r"/agreed\?lang=en&mode=video&next=thanks$"))
    expect(page.get_by_role("status")).to_contain_text("Your reference is E2E-1-")
    expect(page.locator("table.schedule tbody tr")).to_have_count(3)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(re.compile(r"/v/[^/?]+\?lang=en&node=thanks$"))
    at(page, "ended", "thanks")
    expect(page.locator("#replay")).to_be_focused()
    with server.sessions() as session:
        outcome = session.scalars(select(Outcome).where(Outcome.submission == submission)).one()
        assert outcome.action == "arrangement" and outcome.node == "arrangement"
        assert outcome.details["installments"] == 3
        assert [i.amount_cents for i in outcome.installments] == [8000, 8000, 8000]
        assert sum(i.amount_cents for i in outcome.installments) == 24000
        assert outcome.installments[0].due == first
    steps = server.events("E2E-1", "step_open")
    assert steps and steps[-1].node == "arrangement"


def test_pay_later_step_is_stored_and_the_player_continues_after_it(
    page: Page, server: LiveServer
) -> None:
    page.goto(server.link("E2E-2", node="menu"))  # Bram reads Dutch
    at(page, "choices", "menu")
    choose(page, "Later betalen")
    page.wait_for_url(re.compile(r"/step/later\?lang=nl"))
    page.go_back()  # Back from a step: to the choices, not into the step again
    at(page, "choices", "menu")
    choose(page, "Later betalen")
    page.wait_for_url(re.compile(r"/step/later\?lang=nl"))
    chosen = today() + timedelta(days=10)
    page.fill("#date", chosen.isoformat())
    submission = page.input_value("input[name=submission]")
    page.locator("form.stack button[type=submit]").click()

    page.wait_for_url(re.compile(r"/agreed\?lang=nl&mode=video&next=thanks$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat we hebben afgesproken")
    page.get_by_role("link", name="Verder").click()
    page.wait_for_url(re.compile(r"/v/[^/?]+\?lang=nl&node=thanks$"))
    at(page, "ended", "thanks")
    assert page.evaluate("document.documentElement.lang") == "nl"
    with server.sessions() as session:
        outcome = session.scalars(select(Outcome).where(Outcome.submission == submission)).one()
        assert outcome.action == "later" and outcome.node == "later"
        assert date.fromisoformat(outcome.details["date"]) == chosen
        assert outcome.details["amount_cents"] == 12050


def test_choices_are_stored_once_each_through_lost_answers_and_lost_network(
    page: Page, server: LiveServer
) -> None:
    sent: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)

    def events(route: Route) -> None:
        event = json.loads(route.request.post_data or "{}")
        attempts = sent[event["id"]]
        attempts.append(event)
        if event["type"] == "choice" and len(attempts) == 1:
            route.fetch()  # the server stores it, but the answer is lost on the way back
            route.abort("connectionreset")
        elif event["type"] == "pause":
            route.fulfill(status=422, json={"detail": "refused"})  # a 4xx is not retried
        else:
            route.continue_()

    page.route("**/api/v1/sessions/*/events", events)
    page.goto(server.link("E2E-3", node="menu"))
    at(page, "choices", "menu")
    choose(page, "Tell me more")
    at(page, "playing", "more")
    page.click("#play")  # pause
    page.click("#play")  # and play again
    at(page, "choices", "menu")

    page.context.set_offline(True)
    choose(page, "Tell me more")
    page.wait_for_timeout(1200)
    page.context.set_offline(False)
    at(page, "choices", "menu")
    choose(page, "Pay in parts")  # a step: the page goes away right after the segment
    page.wait_for_url(re.compile(r"/step/arrangement"))

    choices = [i for i, attempts in sent.items() if attempts[0]["type"] == "choice"]
    assert len(choices) == 3
    assert len(sent[choices[0]]) >= 2  # the first answer was lost: sent again, same id

    def stored() -> list[Event]:
        with server.sessions() as session:
            query = select(Event).where(Event.client_id.in_(choices)).order_by(Event.id)
            return list(session.scalars(query))

    wait_for(lambda: len(stored()) == 3)
    rows = stored()
    assert [e.client_id for e in rows] == choices
    assert [(e.node, e.data["target"]) for e in rows] == [
        ("menu", "more"),
        ("menu", "more"),
        ("menu", "arrangement"),
    ]
    pauses = [i for i, attempts in sent.items() if attempts[0]["type"] == "pause"]
    assert len(pauses) == 1 and len(sent[pauses[0]]) == 1
    assert not [e for e in server.events("E2E-3", "pause") if e.client_id in pauses]


def test_choices_are_reached_with_tab_and_chosen_with_enter(page: Page, server: LiveServer) -> None:
    page.goto(server.link("E2E-3", node="menu"))
    at(page, "choices", "menu")
    expect(page.locator("#choices")).to_be_focused()  # focus lands on the choices
    labels = [c["label"] for c in server.manifest("E2E-3", "en")["nodes"]["menu"]["choices"]]
    buttons = page.locator("#choices button")
    expect(buttons).to_have_count(len(labels))
    for index, label in enumerate(labels):
        page.keyboard.press("Tab")
        button = buttons.nth(index)
        expect(button).to_be_focused()
        expect(button).to_have_accessible_name(label)
        expect(page.get_by_role("button", name=label, exact=True)).to_have_count(1)
        assert button.evaluate("b => getComputedStyle(b).outlineStyle") != "none"
        box = button.bounding_box()
        assert box is not None and box["height"] >= 48
    page.keyboard.press("Enter")  # on the last one: "Tell me more"
    at(page, "playing", "more")
    wait_for(lambda: any(e.data == {"target": "more"} for e in server.events("E2E-3", "choice")))


def test_a_video_that_cannot_load_points_to_the_text_version_and_the_phone(
    page: Page, server: LiveServer
) -> None:
    page.route("**/media/**/*.mp4", lambda route: route.fulfill(status=404, body="gone"))
    page.route("**/video/**/*.mp4*", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(server.link("E2E-1"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The video could not be loaded.")
    expect(alert.get_by_role("link", name="Text version")).to_have_attribute(
        "href", f"/v/{server.token('E2E-1')}/text?lang=en&node=hello"
    )
    expect(alert.locator('a[href^="tel:"]')).to_have_attribute("href", "tel:+31100000000")
    wait_for(lambda: any(e.node == "hello" for e in server.events("E2E-1", "error")))


def test_once_all_is_paid_the_video_offers_no_payment(server: LiveServer, tmp_path: Path) -> None:
    chris = server.add_debtor("E2E-3", tmp_path)  # owes € 80.00
    menu = server.manifest(chris, "en")["nodes"]["menu"]["choices"]
    assert [c["goto"] for c in menu] == ["pay", "arrangement", "later", "more"]
    with httpx.Client(base_url=server.base_url) as client:
        form = {"submission": str(uuid.uuid4()), "amount_cents": "8000"}
        checkout = client.post(f"/v/{server.token(chris)}/step/pay?lang=en", data=form)
        provider_id = checkout.headers["location"].split("/pay/demo/")[1].split("?")[0]
        client.post(f"/pay/demo/{provider_id}", data={"outcome": "paid"})
    menu = server.manifest(chris, "en")["nodes"]["menu"]["choices"]
    assert [c["goto"] for c in menu] == ["more"]  # nothing to pay, plan or put off


def test_a_browser_without_modules_is_pointed_to_the_text_version(
    page: Page, server: LiveServer
) -> None:
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    old_browser = page.get_by_role("link", name=re.compile("does not play in this browser"))
    expect(old_browser).to_have_count(0)  # a browser with modules never runs nomodule.js
    page.add_script_tag(url="/static/player/nomodule.js")  # what a browser without them runs
    expect(old_browser).to_be_visible()
    assert "/text" in (old_browser.get_attribute("href") or "")
