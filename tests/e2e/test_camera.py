"""The camera in a real browser: while a segment plays, the picture and the debtor's texts over
it drift slowly closer together; they stand still while paused and with reduced motion."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_player import at

pytestmark = pytest.mark.slow

# The camera's scale now (1 when it stands still), and whether the picture and texts are in it.
CAMERA = """() => {
  const camera = document.querySelector(".screen .camera");
  const shown = getComputedStyle(camera).transform;
  const scale = shown === "none" ? 1 : new DOMMatrix(shown).a;
  return {scale, video: camera.contains(document.getElementById("video")),
          texts: camera.contains(document.getElementById("overlays"))};
}"""


def test_the_picture_and_its_texts_move_closer_while_playing_and_stop_when_paused(
    page: Page, server: LiveServer
) -> None:
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    first = page.evaluate(CAMERA)
    assert first["video"] and first["texts"]  # one move for both: the texts keep their places
    page.wait_for_timeout(1500)
    later = page.evaluate(CAMERA)["scale"]
    assert 1.0 < later <= 1.04 and later > first["scale"], (first, later)  # slow, and small
    page.locator("#play").click()
    expect(page.locator("#player")).to_have_attribute("data-state", "paused")
    paused = page.evaluate(CAMERA)["scale"]
    page.wait_for_timeout(600)
    assert page.evaluate(CAMERA)["scale"] == paused


def test_with_reduced_motion_the_camera_stands_still(page: Page, server: LiveServer) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto(server.link("E2E-1"))
    at(page, "playing", "hello")
    page.wait_for_timeout(1000)
    assert page.evaluate(CAMERA)["scale"] == 1
