"""What a shot shows, drawn once with Pillow as separate layers that ffmpeg animates.

A shot's elements stack in the middle of a 1280x720 frame (icon, title, card, text, bullets,
image), each its own RGBA layer with a final position and an entrance motion. The bottom of
the frame stays free: the player draws big captions there. Layer sizes and positions are even
because a yuv420p overlay snaps to even pixels; odd ones would shift by one.

A *personal* element (one that says the debtor's name or amount) is not drawn in the picture:
its place is kept (sized for a long value, so every debtor's text fits), a card or bullet keeps
its pill, and the layer carries a :class:`TextBox` that tells the player where, in which font and
size, to draw the debtor's own text as real text over the video.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from render.elements import (
    Block,
    TextBox,
    bullet_pill,
    card_picture,
    font_of,
    icon_badge,
    image_picture,
    logo_plate,
    svg_picture,
    text_block,
    wrap,
)
from render.illustrate import PartPicture, ResolvedPart, draw_parts
from render.theme import Theme

WIDTH, HEIGHT, FPS = 1280, 720, 25
TOP, BOTTOM = 40, HEIGHT - 150  # the caption band below BOTTOM is the player's
GAP = 26
STAGGER = 0.15  # seconds between the entrances of a shot's elements
Motion = Literal["fade", "slide-up", "slide-left", "pop", "drop", "fade-out"]
# A crowded shot shrinks until it fits: pictures (logo, icon, illustration, image) first,
# texts only when even small pictures leave no room, and a long translation wraps onto more
# lines first: a text keeps the same size in every language unless the shot is overfull.
_SCALES = (
    (1.0, 1.0), (0.8, 1.0), (0.64, 1.0), (0.5, 1.0),  # pictures give way first
    (0.42, 0.9), (0.42, 0.8), (0.42, 0.72),  # then the texts, a little
    (0.42, 0.6), (0.42, 0.5), (0.42, 0.42),  # a shot too full for any screen: everything
)  # fmt: skip
DITHER_SEED = 7  # the same noise in every render, so a segment's key says what it looks like
# How shots are drawn: part of every segment's key, so a change here re-renders them all.
LOOK = (
    "2026-12 illustrations, dithered gradient, crossfades, bullets as said, 3-line cues, wrap first"
)


@dataclass(frozen=True)
class ResolvedShow:
    """A shot's ``show`` with its texts translated and placeholders filled, files resolved.

    ``personal`` names the elements the player draws ("title", "text", "card", "bullet0", ...);
    their texts here are stand-ins that only size the place kept for them."""

    title: str | None = None
    text: str | None = None
    card: str | None = None
    bullets: tuple[str, ...] = ()
    icon: Path | None = None
    image: Path | None = None
    personal: frozenset[str] = frozenset()
    logo: bool = False  # the brand's logo, large, above the rest: the video's first shot
    illustration: tuple[ResolvedPart, ...] = ()  # drawn where an icon would be
    count_up: bool = False  # the player counts the card's amount up (a personal card only)


@dataclass
class Layer:
    """One element: its picture, where it ends up, and how and when it enters."""

    image: Image.Image
    x: int
    y: int
    motion: Motion
    delay: float = 0.0
    text: TextBox | None = None  # a personal element: the player draws its text here
    emphasis: str | None = None  # a part of an illustration that moves once there
    kind: str = ""  # what the element is: "title", "bullet", ... ("" for an illustration's part)

    def pop_strip(self) -> tuple[Image.Image, int, int]:
        """For a pop: the frames side by side, their count, and the canvas margin."""
        frames = pop_frames(self.image)
        strip = Image.new("RGBA", (frames[0].width * len(frames), frames[0].height), (0, 0, 0, 0))
        for i, frame in enumerate(frames):
            strip.paste(frame, (i * frame.width, 0))
        return strip, len(frames), pop_margin(self.image)


CORNER = (150, 52, 24)  # the corner logo's largest width and height, and its margin


def draw_background(theme: Theme) -> Image.Image:
    """The brand background (a vertical gradient and the logo small in the top right corner),
    drawn once per segment. The gradient is dithered (a fixed, faint noise of about one step
    of colour) so that it shows no bands once encoded."""
    top = np.array(theme.rgb(theme.colours.background), dtype=np.float32)
    bottom = np.array(theme.rgb(theme.colours.background_end or theme.colours.background))
    share = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None, None]
    gradient = top + (bottom.astype(np.float32) - top) * share  # (HEIGHT, 1, 3)
    pixels = np.clip(np.rint(gradient + _dither()), 0, 255).astype(np.uint8)
    background = Image.fromarray(pixels)
    if theme.logo is not None and theme.logo_size is not None:
        width, height, margin = CORNER
        plate = logo_plate(theme, width, height)
        background.paste(plate, (WIDTH - plate.width - margin, margin), plate)
    return background


@lru_cache(maxsize=1)
def _dither() -> np.ndarray:
    """Triangular noise of about one step of colour in 2x2 blocks, the same in every render
    (a fixed seed). Measured: noise of single pixels is smoothed away by the encoder and the
    bands come back; blocks of two survive it, for about 15 kB more per key frame."""
    noise = np.random.default_rng(DITHER_SEED).triangular(
        -1.5, 0.0, 1.5, (HEIGHT // 2, WIDTH // 2, 1)
    )
    return np.kron(noise, np.ones((2, 2, 1))).astype(np.float32)


def draw_layers(show: ResolvedShow, theme: Theme) -> list[Layer]:
    """The layers of one shot, stacked and centred; shrunk when the shot is crowded."""
    for scale, text_scale in _SCALES:
        pictures = _pictures(show, theme, scale, text_scale)
        gap = _even(GAP * text_scale)
        height = sum(p[0].height for p in pictures) + gap * (len(pictures) - 1)
        if height <= BOTTOM - TOP:
            break
    y = _even(max(TOP, TOP + (BOTTOM - TOP - height) / 2))
    layers: list[Layer] = []
    for picture, box, motion, kind in pictures:
        x = _even((WIDTH - picture.width) / 2)
        if isinstance(box, Group):  # the parts start together, each after its own delay
            layers += [
                Layer(part.image, x + part.dx, y + part.dy, _motion(part.enter),
                      delay=STAGGER * len(layers) + part.delay, emphasis=part.emphasis)
                for part in box.parts
            ]  # fmt: skip
        else:
            layers.append(
                Layer(picture, x, y, motion, delay=STAGGER * len(layers), text=box, kind=kind)
            )
        y += picture.height + gap
    return layers


def _motion(enter: str) -> Motion:
    return enter if enter in ("fade", "slide-up", "slide-left", "pop", "drop") else "fade"  # type: ignore[return-value]


def element_count(show: ResolvedShow) -> int:
    """How many layers ``draw_layers`` makes of a shot (without drawing them)."""
    single = (show.logo, show.icon, show.title, show.card, show.text, show.image)
    return sum(1 for element in single if element) + len(show.bullets) + len(show.illustration)


def compose_still(background: Image.Image, layers: list[Layer]) -> Image.Image:
    """The frame once every layer has entered: the poster."""
    frame = background.copy()
    for layer in layers:
        frame.paste(layer.image, (layer.x, layer.y), layer.image)
    return frame


def pop_frames(picture: Image.Image, count: int = 8) -> list[Image.Image]:
    """A pop: the element grows from 60% to a little past full size and settles.

    The frames share a canvas ``pop_margin`` larger on each side, so the overshoot is not
    clipped; the compositor places them that much up and to the left.
    """
    margin = pop_margin(picture)
    canvas_size = (picture.width + 2 * margin, picture.height + 2 * margin)
    frames = []
    for i in range(count):
        scale = 0.6 + 0.4 * _ease_out_back((i + 1) / count)
        size = (max(2, round(picture.width * scale)), max(2, round(picture.height * scale)))
        canvas = Image.new("RGBA", canvas_size, (0, 0, 0, 0))
        scaled = picture.resize(size, Image.Resampling.BILINEAR)
        canvas.alpha_composite(
            scaled, ((canvas_size[0] - size[0]) // 2, (canvas_size[1] - size[1]) // 2)
        )
        frames.append(canvas)
    return frames


def pop_margin(picture: Image.Image) -> int:
    """Room for a 10% overshoot on each side, even for yuv420p."""
    return _even(max(picture.size) * 0.06 + 2)


# --- the elements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """An illustration in the stack: a square of parts, each of which becomes a layer."""

    parts: list[PartPicture]


# an element's picture (a blank square for a group), its text box or group, its motion and
# what it is ("title", "bullet", ...)
Picture = tuple[Image.Image, TextBox | Group | None, Motion, str]


def _pictures(show: ResolvedShow, theme: Theme, scale: float, text_scale: float) -> list[Picture]:
    only_icon = show.icon is not None and not (show.title or show.text or show.card or show.bullets)
    on_background = theme.colours.text_on_background
    mine = show.personal
    pictures: list[Picture] = []
    if show.logo and theme.logo is not None:  # planned only for a brand with a logo
        pictures.append(
            (logo_plate(theme, round(420 * scale), round(170 * scale)), None, "fade", "logo")
        )
    if show.icon is not None:
        diameter = round((340 if only_icon else 220) * scale)
        pictures.append((icon_badge(show.icon, theme, diameter), None, "pop", "icon"))
    if show.illustration:
        alone = not (show.title or show.text or show.card or show.bullets)
        side = _even((400 if alone else 260) * scale)
        group = Group(draw_parts(show.illustration, side, svg_picture))
        pictures.append((Image.new("RGBA", (side, side)), group, "fade", "illustration"))
    if show.title:
        font = font_of(theme.font_bold, round(80 * text_scale))
        block = Block("title", font, on_background, 1120, 2, "title" in mine, bold=True)
        pictures.append((*text_block(show.title, block), "slide-up", "title"))
    if show.card:
        card = card_picture(show.card, theme, text_scale, "card" in mine)
        if show.count_up and card[1] is not None:
            card = (card[0], replace(card[1], emphasis="count-up"))
        pictures.append((*card, "pop", "card"))
    if show.text:
        font = font_of(theme.font, round(54 * text_scale))
        block = Block("text", font, on_background, 1040, 3, "text" in mine, bold=False)
        pictures.append((*text_block(show.text, block), "fade", "text"))
    if show.bullets:
        font = font_of(theme.font_bold, round(50 * text_scale))
        width = max(
            _even(max(font.getlength(line) for line in wrap(b, font, 860))) for b in show.bullets
        )
        for i, bullet in enumerate(show.bullets):
            element = f"bullet{i}"
            pill = bullet_pill(
                bullet, theme, font, width, text_scale, element if element in mine else None
            )
            pictures.append((*pill, "slide-left", "bullet"))
    if show.image is not None:
        pictures.append((image_picture(show.image, scale), None, "fade", "image"))
    return pictures


def _ease_out_back(progress: float) -> float:
    """0 to 1 with a small overshoot near the end: the 'pop'."""
    overshoot = 1.70158
    p = progress - 1
    return 1 + (overshoot + 1) * p**3 + overshoot * p**2


def _even(value: float) -> int:
    return int(value) // 2 * 2
