"""Drawing an illustration (:mod:`render.illustrations`) into a shot: each part its own layer,
entering in turn, some with a small motion once they are there.

A part with an *emphasis* is played as a strip of pre-drawn frames, like a pop: it fades in,
then nods, turns its page or draws itself. The frames are drawn here once per render; ffmpeg
only shows them one after another over the plain background, so the motion costs a few small
overlays and no encode of its own (the finished frame is still drawn once).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

FADE_FRAMES = 6  # an emphasised part fades in over this many frames first
EMPHASIS_FRAMES = 20  # then its emphasis plays: 0.8 s at 25 frames a second


@dataclass(frozen=True)
class ResolvedPart:
    """A part of an illustration with its picture file (see ``render.illustrations.Part``)."""

    art: Path
    x: float
    y: float
    size: float
    enter: str
    delay: float
    emphasis: str | None = None


@dataclass(frozen=True)
class PartPicture:
    """A part drawn: its picture and where it stands in the illustration's square."""

    image: Image.Image
    dx: int
    dy: int
    enter: str
    delay: float
    emphasis: str | None


def draw_parts(
    parts: tuple[ResolvedPart, ...], side: int, draw_svg: Callable[[str, int, int], Image.Image]
) -> list[PartPicture]:
    """The parts of an illustration in a square of ``side`` pixels, in the order they enter."""
    pictures = []
    for part in parts:
        width = _even(side * part.size)
        image = draw_svg(part.art.read_text(encoding="utf-8"), width, width)
        dx = _even(min(max(0, side * part.x - width / 2), side - width))
        dy = _even(min(max(0, side * part.y - width / 2), side - width))
        pictures.append(PartPicture(image, dx, dy, part.enter, part.delay, part.emphasis))
    return pictures


def emphasis_margin(picture: Image.Image) -> int:
    """Room around a part for its motion (a nod rises and falls a tenth of its height)."""
    return _even(picture.height * 0.1 + 2)


def emphasis_strip(picture: Image.Image, emphasis: str) -> tuple[Image.Image, int, int]:
    """The part's frames side by side (fade in, then the emphasis), their count and margin."""
    margin = emphasis_margin(picture)
    frames = [_fading(picture, (i + 1) / FADE_FRAMES) for i in range(FADE_FRAMES)]
    motion = _MOTIONS[emphasis]
    frames += [motion(picture, (i + 1) / EMPHASIS_FRAMES) for i in range(EMPHASIS_FRAMES)]
    canvas = (picture.width + 2 * margin, picture.height + 2 * margin)
    strip = Image.new("RGBA", (canvas[0] * len(frames), canvas[1]), (0, 0, 0, 0))
    for i, (frame, offset) in enumerate(frames):
        strip.alpha_composite(frame, (i * canvas[0] + margin, margin + offset))
    return strip, len(frames), margin


def _fading(picture: Image.Image, share: float) -> tuple[Image.Image, int]:
    faded = picture.copy()
    faded.putalpha(picture.getchannel("A").point(lambda a: round(a * share)))
    return faded, 0


def _nod(picture: Image.Image, progress: float) -> tuple[Image.Image, int]:
    """Two nods: down and up twice, easing, as a person agreeing."""
    return picture, round(picture.height * 0.08 * math.sin(progress * 2 * math.pi * 2) ** 2)


def _page_turn(picture: Image.Image, progress: float) -> tuple[Image.Image, int]:
    """The page folds up to its top edge and comes down again: a calendar turning a day."""
    squash = 1 - 0.9 * math.sin(progress * math.pi)
    height = max(2, round(picture.height * squash))
    frame = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    frame.alpha_composite(picture.resize((picture.width, height), Image.Resampling.BILINEAR))
    return frame, 0


def _draw(picture: Image.Image, progress: float) -> tuple[Image.Image, int]:
    """The picture revealed from left to right: a tick drawing itself."""
    reveal = round(picture.width * min(1.0, progress * 1.25))
    frame = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    if reveal > 0:
        frame.alpha_composite(picture.crop((0, 0, reveal, picture.height)))
    return frame, 0


_MOTIONS: dict[str, Callable[[Image.Image, float], tuple[Image.Image, int]]] = {
    "nod": _nod,
    "page-turn": _page_turn,
    "draw": _draw,
}


def _even(value: float) -> int:
    return int(value) // 2 * 2
