"""A campaign that asks for the postcode, in Chromium under the pages' own policy: the
question comes first, a wrong answer is announced, the right one starts the video."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_player import at


def _checked_link(server: LiveServer, folder: Path) -> str:
    return server.link(server.add_debtor("E2E-1", folder, postcode="1012 AB"))


def test_the_postcode_comes_first_then_the_video_plays(
    strict_page: tuple[Page, list[str]], server: LiveServer, tmp_path: Path
) -> None:
    page, blocked = strict_page
    page.goto(_checked_link(server, tmp_path))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check that it is you")
    expect(page.locator("main")).not_to_contain_text("Anna")
    postcode = page.get_by_label("Your postcode")
    postcode.fill("9999 zz")
    postcode.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("That does not match what we have.")
    expect(page.get_by_label("Your postcode")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Your postcode").fill("1012 ab")
    page.get_by_role("button", name="Continue").click()

    at(page, "playing", "hello")
    expect(page.locator("#caption")).to_have_text("Hello Anna Smit.")
    assert blocked == []
