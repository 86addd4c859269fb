"""A campaign that asks for the postcode, in Chromium under the pages' own policy: the
question comes first, a wrong answer is announced, the right one starts the video."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from app.campaigns import import_campaign, links, read_rows
from app.db import transaction
from render.content import ContentRoot
from render.validate import load_scene
from tests.e2e.conftest import E2E, LiveServer
from tests.e2e.test_player import at


def _checked_link(server: LiveServer, folder: Path) -> str:
    csv = folder / "checked.csv"
    header, anna = (E2E / "debtors.csv").read_text(encoding="utf-8").splitlines()[:2]
    reference = f"CHECKED-{uuid.uuid4().hex[:8]}"  # the other tests look E2E-1 up by reference
    anna = reference + anna[anna.index(",") :]
    csv.write_text(f"{header},postcode\n{anna},1012 AB\n", encoding="utf-8")
    content = ContentRoot(E2E)
    scene = load_scene(content.find_scene("e2e"), content)
    key = server.settings.key
    with transaction(server.sessions) as session:
        rows = read_rows(csv, scene, verify="postcode")
        campaign = import_campaign(
            session, scene=scene, rows=rows, name="checked", key=key, verify="postcode"
        )
        ((_, link),) = links(session, campaign.id, key=key, base_url=server.base_url)
    return link


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
