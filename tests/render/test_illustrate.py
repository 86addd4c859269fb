"""Drawing an illustration into a shot: its parts become layers placed in their square,
entering in turn, and a part with an emphasis plays as a strip of frames."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from render.content import ContentRoot
from render.illustrate import EMPHASIS_FRAMES, FADE_FRAMES, ResolvedPart, emphasis_strip
from render.illustrations import load_illustrations
from render.layout import STAGGER, ResolvedShow, compose_still, draw_background, draw_layers
from render.plan import ShotPlan, _describe
from render.theme import Theme, load_theme
from render.timeline import entrance_frames
from tests.conftest import REPO


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme(ContentRoot(REPO), "default")


def _parts(name: str) -> tuple[ResolvedPart, ...]:
    found = load_illustrations(ContentRoot(REPO))
    return tuple(
        ResolvedPart(found.art_of(p), p.x, p.y, p.size, p.enter, p.delay, p.emphasis)
        for p in found.scenes[name].parts
    )


def test_each_part_is_a_layer_in_its_place_entering_in_turn(theme: Theme) -> None:
    show = ResolvedShow(title="Pay in parts", illustration=_parts("coins-wallet"))
    purse, coin, title = draw_layers(show, theme)
    assert (purse.motion, coin.motion, title.motion) == ("fade", "drop", "slide-up")
    assert coin.delay == pytest.approx(0.3) and title.delay == pytest.approx(2 * STAGGER)
    assert coin.y < purse.y  # the coin starts above the purse it falls into
    assert abs((coin.x + coin.image.width / 2) - (purse.x + purse.image.width / 2)) <= 2
    assert title.y > purse.y + purse.image.height  # the text stands below the picture


def test_an_illustration_alone_is_drawn_larger(theme: Theme) -> None:
    (alone,) = draw_layers(ResolvedShow(illustration=_parts("handshake")), theme)
    with_text = draw_layers(ResolvedShow(illustration=_parts("handshake"), text="Agreed"), theme)
    assert alone.image.width > with_text[0].image.width


def test_the_parts_are_in_the_finished_frame(theme: Theme) -> None:
    layers = draw_layers(ResolvedShow(illustration=_parts("energy-home")), theme)
    frame = compose_still(draw_background(theme), layers)
    house = layers[0]
    middle = (house.x + house.image.width // 2, house.y + house.image.height // 2)
    assert frame.getpixel(middle) != draw_background(theme).getpixel(middle)


@pytest.mark.parametrize("emphasis", ["nod", "page-turn", "draw"])
def test_an_emphasis_is_a_strip_that_fades_in_then_moves_and_ends_settled(emphasis: str) -> None:
    picture = Image.new("RGBA", (100, 100), (200, 30, 30, 255))
    strip, frames, margin = emphasis_strip(picture, emphasis)
    assert frames == FADE_FRAMES + EMPHASIS_FRAMES
    side = 100 + 2 * margin
    assert strip.size == (side * frames, side)
    first = strip.crop((0, 0, side, side)).getchannel("A").getpixel((side // 2, side // 2))
    assert isinstance(first, int) and 0 < first < 255  # fading in
    last = strip.crop(((frames - 1) * side, 0, frames * side, side))
    assert last.getpixel((margin + 50, margin + 50)) == (200, 30, 30, 255)  # at rest, whole
    middles = [
        strip.crop((i * side, 0, (i + 1) * side, side)).getchannel("A").getbbox()
        for i in range(FADE_FRAMES, frames)
    ]
    assert len(set(middles)) > 1  # it moves


def test_a_shot_lasts_until_its_last_part_has_moved(theme: Theme) -> None:
    plain = ResolvedShow(illustration=_parts("handshake"))
    moving = ResolvedShow(illustration=_parts("calendar"))
    assert entrance_frames(moving) == FADE_FRAMES + EMPHASIS_FRAMES > entrance_frames(plain)


def test_the_segment_key_follows_the_art(tmp_path: Path) -> None:
    parts = _parts("handshake")
    changed = tmp_path / "handshake.svg"
    changed.write_text(parts[0].art.read_text().replace("#", "#1"), encoding="utf-8")

    def key(show: ResolvedShow) -> Any:
        return _describe(ShotPlan(1, None, 1.0, show))["show"]

    assert key(ResolvedShow(illustration=parts)) != key(
        ResolvedShow(illustration=(replace(parts[0], art=changed),))
    )
    assert "illustration" not in key(ResolvedShow(title="x"))  # other keys stay as they were
