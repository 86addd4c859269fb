"""When each shot plays and what enters over it: crossfades between shots, bullets that
enter as the voice says them, and illustrations that take the time their motion needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from render.compose import CROSSFADE_FRAMES, filtergraph
from render.content import ContentRoot
from render.layout import FPS, ResolvedShow, draw_layers
from render.theme import Theme, load_theme
from render.timeline import Slot, said_when, shot_slots, visuals
from tests.conftest import REPO


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme(ContentRoot(REPO), "default")


def test_a_shot_fades_out_over_the_start_of_the_next(theme: Theme, tmp_path: Path) -> None:
    shows: list[ResolvedShow | None] = [ResolvedShow(title="One"), ResolvedShow(title="Two")]
    slots = shot_slots([(1.0, 0.0), (1.0, 0.0)])
    pieces = visuals(shows, slots, theme, tmp_path).pieces
    fading = [p for piece in pieces for p in piece.elements if p.motion == "fade-out"]
    assert len(fading) == 1  # between the two shots, not before the first
    (leaving,) = fading
    assert leaving.png.name.startswith("shot0") and leaving.start == 0  # the first shot's frame
    assert f"fade=out:s=0:n={CROSSFADE_FRAMES}:alpha=1" in filtergraph(pieces)


def test_bullets_enter_as_the_voice_says_them(theme: Theme) -> None:
    show = ResolvedShow(bullets=("Pay in parts", "Pay later"))
    layers = draw_layers(show, theme)
    line = "You can pay in parts, or if that suits you better, you can pay later."
    timed = said_when(layers, show.bullets, line, speech=4.0)
    first, second = (layer.delay for layer in timed)
    assert first == pytest.approx(layers[0].delay, abs=0.01) or first < 0.5  # said at once
    assert second == pytest.approx(4.0 * line.index("pay later") / len(line), abs=0.02)
    assert second > 2.5  # not the usual stagger of 0.15 s


def test_a_bullet_the_voice_does_not_say_comes_in_its_turn(theme: Theme) -> None:
    show = ResolvedShow(title="Choose", bullets=("Bank", "Confirm"))
    layers = draw_layers(show, theme)
    timed = said_when(layers, show.bullets, "Nothing about them.", speech=2.0)
    assert [t.delay for t in timed] == [layers[0].delay, layers[1].delay, 1.0]
    assert timed[0].kind == "title"  # other elements are left as they are


def test_visuals_use_the_lines_only_when_there_is_speech(theme: Theme, tmp_path: Path) -> None:
    show = ResolvedShow(bullets=("Pay in parts", "Pay later"))
    slots = [Slot(0, 5 * FPS, 4.0)]
    lines: list[str | None] = ["You can pay in parts or pay later."]
    pieces = visuals([show], slots, theme, tmp_path, lines).pieces
    starts = sorted(p.start for piece in pieces for p in piece.elements)
    assert starts[-1] > 2 * FPS  # the second bullet waits for its words


def test_a_personal_card_that_counts_up_tells_the_player(theme: Theme, tmp_path: Path) -> None:
    counting = ResolvedShow(card="€ 0.000,00", personal=frozenset({"card"}), count_up=True)
    still = ResolvedShow(card="€ 0.000,00", personal=frozenset({"card"}))
    slots = shot_slots([(1.0, 0.0), (1.0, 0.0)])
    boxes = visuals([counting, still], slots, theme, tmp_path).boxes
    assert [(box["shot"], box["element"], box["emphasis"]) for box in boxes] == [
        (0, "card", "count-up"),
        (1, "card", None),
    ]
