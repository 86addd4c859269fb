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

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import resvg_py
from PIL import Image, ImageDraw, ImageFont

from render.illustrate import PartPicture, ResolvedPart, draw_parts
from render.logo import logo_picture
from render.theme import Theme

WIDTH, HEIGHT, FPS = 1280, 720, 25
TOP, BOTTOM = 40, HEIGHT - 150  # the caption band below BOTTOM is the player's
GAP = 26
STAGGER = 0.15  # seconds between the entrances of a shot's elements
Motion = Literal["fade", "slide-up", "slide-left", "pop", "drop"]
_SCALES = (1.0, 0.85, 0.72, 0.6, 0.5, 0.42)  # shrink a crowded shot until it fits
DITHER_SEED = 7  # the same noise in every render, so a segment's key says what it looks like
# How shots are drawn: part of every segment's key, so a change here re-renders them all.
LOOK = "2026-12 illustrations, dithered gradient"


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


@dataclass(frozen=True)
class TextBox:
    """Where the player draws a personal text, in pixels of its layer, and how it looks."""

    element: str  # "title", "text", "card", "bullet0", ...
    x: int
    y: int
    width: int
    height: int
    bold: bool
    size: int  # font size in pixels of the 720-pixel frame
    colour: str
    align: Literal["center", "left"]
    lines: int  # at most this many lines; a longer text is drawn smaller


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
        plate = _logo_plate(theme, width, height)
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
    for scale in _SCALES:
        pictures = _pictures(show, theme, scale)
        gap = _even(GAP * scale)
        height = sum(p[0].height for p in pictures) + gap * (len(pictures) - 1)
        if height <= BOTTOM - TOP:
            break
    y = _even(max(TOP, TOP + (BOTTOM - TOP - height) / 2))
    layers: list[Layer] = []
    for picture, box, motion in pictures:
        x = _even((WIDTH - picture.width) / 2)
        if isinstance(box, Group):  # the parts start together, each after its own delay
            layers += [
                Layer(part.image, x + part.dx, y + part.dy, _motion(part.enter),
                      delay=STAGGER * len(layers) + part.delay, emphasis=part.emphasis)
                for part in box.parts
            ]  # fmt: skip
        else:
            layers.append(Layer(picture, x, y, motion, delay=STAGGER * len(layers), text=box))
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


# an element's picture (a blank square for a group), its text box or group, and its motion
Picture = tuple[Image.Image, TextBox | Group | None, Motion]


def _pictures(show: ResolvedShow, theme: Theme, scale: float) -> list[Picture]:
    only_icon = show.icon is not None and not (show.title or show.text or show.card or show.bullets)
    on_background = theme.colours.text_on_background
    mine = show.personal
    pictures: list[Picture] = []
    if show.logo and theme.logo is not None:  # planned only for a brand with a logo
        pictures.append((_logo_plate(theme, round(420 * scale), round(170 * scale)), None, "fade"))
    if show.icon is not None:
        diameter = round((340 if only_icon else 220) * scale)
        pictures.append((_icon_badge(show.icon, theme, diameter), None, "pop"))
    if show.illustration:
        alone = not (show.title or show.text or show.card or show.bullets)
        side = _even((400 if alone else 260) * scale)
        group = Group(draw_parts(show.illustration, side, _svg))
        pictures.append((Image.new("RGBA", (side, side)), group, "fade"))
    if show.title:
        font = _font(theme.font_bold, round(80 * scale))
        block = _Block("title", font, on_background, 1120, 2, "title" in mine, bold=True)
        pictures.append((*_text_block(show.title, block), "slide-up"))
    if show.card:
        pictures.append((*_card(show.card, theme, scale, "card" in mine), "pop"))
    if show.text:
        font = _font(theme.font, round(54 * scale))
        block = _Block("text", font, on_background, 1040, 3, "text" in mine, bold=False)
        pictures.append((*_text_block(show.text, block), "fade"))
    if show.bullets:
        font = _font(theme.font_bold, round(50 * scale))
        width = max(
            _even(max(font.getlength(line) for line in wrap(b, font, 860))) for b in show.bullets
        )
        for i, bullet in enumerate(show.bullets):
            element = f"bullet{i}"
            pill = _bullet(bullet, theme, font, width, scale, element if element in mine else None)
            pictures.append((*pill, "slide-left"))
    if show.image is not None:
        pictures.append((_image(show.image, scale), None, "fade"))
    return pictures


def _logo_plate(theme: Theme, max_width: int, max_height: int) -> Image.Image:
    """The brand's logo on a rounded plate of the surface colour, so that a logo made for
    white paper shows on any background; at most ``max_width`` by ``max_height``."""
    if theme.logo is None or theme.logo_size is None:
        raise ValueError(f"the brand '{theme.name}' has no logo")
    pad = max(4, _even(max_height * 0.14))
    logo = logo_picture(theme.logo, theme.logo_size, max_width - 2 * pad, max_height - 2 * pad)
    size = (_even(logo.width + 2 * pad + 1), _even(logo.height + 2 * pad + 1))
    plate = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(plate).rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1), radius=pad * 2, fill=theme.colours.surface
    )
    plate.alpha_composite(logo, ((size[0] - logo.width) // 2, (size[1] - logo.height) // 2))
    return plate


def _icon_badge(svg: Path, theme: Theme, diameter: int) -> Image.Image:
    diameter = _even(diameter)
    badge = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    ImageDraw.Draw(badge).ellipse((0, 0, diameter - 1, diameter - 1), fill=theme.colours.accent)
    inner = _even(diameter * 0.56)
    icon_svg = svg.read_text(encoding="utf-8").replace("currentColor", theme.colours.accent_text)
    icon = _svg(icon_svg, inner, inner)
    badge.alpha_composite(icon, ((diameter - inner) // 2, (diameter - inner) // 2))
    return badge


@dataclass(frozen=True)
class _Block:
    """A text straight on the background: a title or a line of text."""

    element: str
    font: ImageFont.FreeTypeFont
    colour: str
    max_width: int
    max_lines: int
    personal: bool
    bold: bool


def _text_block(text: str, block: _Block) -> tuple[Image.Image, TextBox | None]:
    """The text drawn, or for a personal one the place kept for it (as wide as the line may
    be, as high as the stand-in text needs)."""
    font = block.font
    while True:
        lines = wrap(text, font, block.max_width)
        if len(lines) <= block.max_lines or font.size <= 24:
            break
        font = font.font_variant(size=round(font.size * 0.88))
    ascent, descent = font.getmetrics()
    line_height = round((ascent + descent) * 1.12)
    width = _even(max(font.getlength(line) for line in lines) + 8)
    height = _even(line_height * len(lines))
    if block.personal:
        width = _even(block.max_width)
        box = TextBox(block.element, 0, 0, width, height, block.bold, round(font.size),
                      block.colour, "center", block.max_lines)  # fmt: skip
        return Image.new("RGBA", (width, height), (0, 0, 0, 0)), box
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    for i, line in enumerate(lines):
        draw.text((width / 2, i * line_height), line, font=font, fill=block.colour, anchor="ma")
    return picture, None


def _card(
    text: str, theme: Theme, scale: float, personal: bool
) -> tuple[Image.Image, TextBox | None]:
    font = _font(theme.font_bold, round(112 * scale))
    while font.getlength(text) > 1000 and font.size > 36:
        font = font.font_variant(size=round(font.size * 0.9))
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    pad_x, pad_y = round(56 * scale), round(30 * scale)
    size = (_even(right - left + 2 * pad_x), _even(bottom - top + 2 * pad_y))
    card = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1), radius=round(28 * scale), fill=theme.colours.surface
    )
    if personal:
        box = TextBox("card", pad_x // 2, 0, size[0] - pad_x, size[1], True, round(font.size),
                      theme.colours.text, "center", 1)  # fmt: skip
        return card, box
    draw.text((pad_x - left, pad_y - top), text, font=font, fill=theme.colours.text, anchor="ls")
    return card, None


def _bullet(
    text: str,
    theme: Theme,
    font: ImageFont.FreeTypeFont,
    text_width: int,
    scale: float,
    personal: str | None,
) -> tuple[Image.Image, TextBox | None]:
    """A bullet on a pill; the bullets of one shot share ``text_width`` so they line up."""
    lines = wrap(text, font, 860)
    ascent, descent = font.getmetrics()
    line_height = round((ascent + descent) * 1.1)
    dot, pad = round(22 * scale), round(22 * scale)
    width = _even(text_width + dot + 3 * pad)
    height = _even(line_height * len(lines) + 2 * pad * 0.7)
    pill = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(pill)
    draw.rounded_rectangle(
        (0, 0, width - 1, height - 1),
        radius=height // 2 if len(lines) == 1 else 24,
        fill=theme.colours.surface,
    )
    middle = pad * 0.7 + line_height / 2
    draw.ellipse((pad, middle - dot / 2, pad + dot, middle + dot / 2), fill=theme.colours.accent)
    if personal is not None:
        left = 2 * pad + dot
        box = TextBox(personal, left, round(pad * 0.7), width - left - pad, line_height * len(lines),
                      True, round(font.size), theme.colours.text, "left", len(lines))  # fmt: skip
        return pill, box
    for i, line in enumerate(lines):
        draw.text(
            (2 * pad + dot, pad * 0.7 + i * line_height), line, font=font, fill=theme.colours.text
        )
    return pill, None


def _image(path: Path, scale: float) -> Image.Image:
    try:
        with Image.open(path) as source:
            picture: Image.Image = source.convert("RGBA")
    except (OSError, ValueError) as exc:  # a broken file: say which one, whatever Pillow says
        raise OSError(f"the image {path.name} cannot be read: {exc}") from exc
    picture.thumbnail((round(560 * scale), round(320 * scale)))
    return picture.crop((0, 0, _even(picture.width), _even(picture.height)))


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap by rendered width; a word wider than the line gets a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


@lru_cache(maxsize=64)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _svg(svg: str, width: int, height: int) -> Image.Image:
    png = resvg_py.svg_to_bytes(svg_string=svg, width=width, height=height, skip_system_fonts=True)
    image: Image.Image = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
    return image


def _ease_out_back(progress: float) -> float:
    """0 to 1 with a small overshoot near the end: the 'pop'."""
    overshoot = 1.70158
    p = progress - 1
    return 1 + (overshoot + 1) * p**3 + overshoot * p**2


def _even(value: float) -> int:
    return int(value) // 2 * 2
