"""What a shot shows, drawn once with Pillow as separate layers that ffmpeg animates.

A shot's elements stack in the middle of a 1280x720 frame (icon, title, card, text, bullets,
image), each its own RGBA layer with a final position and an entrance motion. The bottom of
the frame stays free: the player draws big captions there. Layer sizes and positions are even
because a yuv420p overlay snaps to even pixels; odd ones would shift by one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import resvg_py
from PIL import Image, ImageDraw, ImageFont

from render.theme import Theme

WIDTH, HEIGHT, FPS = 1280, 720, 25
TOP, BOTTOM = 40, HEIGHT - 150  # the caption band below BOTTOM is the player's
GAP = 26
Motion = Literal["fade", "slide-up", "slide-left", "pop"]
_SCALES = (1.0, 0.85, 0.72, 0.6, 0.5, 0.42)  # shrink a crowded shot until it fits


@dataclass(frozen=True)
class ResolvedShow:
    """A shot's ``show`` with its texts translated and placeholders filled, files resolved."""

    title: str | None = None
    text: str | None = None
    card: str | None = None
    bullets: tuple[str, ...] = ()
    icon: Path | None = None
    image: Path | None = None


@dataclass
class Layer:
    """One element: its picture, where it ends up, and how and when it enters."""

    image: Image.Image
    x: int
    y: int
    motion: Motion
    delay: float = 0.0

    def pop_strip(self) -> tuple[Image.Image, int, int]:
        """For a pop: the frames side by side, their count, and the canvas margin."""
        frames = pop_frames(self.image)
        strip = Image.new("RGBA", (frames[0].width * len(frames), frames[0].height), (0, 0, 0, 0))
        for i, frame in enumerate(frames):
            strip.paste(frame, (i * frame.width, 0))
        return strip, len(frames), pop_margin(self.image)


def draw_background(theme: Theme) -> Image.Image:
    """The brand background (a vertical gradient and the logo), drawn once per segment."""
    top = theme.rgb(theme.colours.background)
    bottom = theme.rgb(theme.colours.background_end or theme.colours.background)
    column = Image.new("RGB", (1, HEIGHT))
    for y in range(HEIGHT):
        share = y / (HEIGHT - 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * share) for a, b in zip(top, bottom, strict=True))
        )
    background = column.resize((WIDTH, HEIGHT))
    if theme.logo is not None:
        logo = _svg(theme.logo.read_text(encoding="utf-8"), 56, 56)
        background.paste(logo, (WIDTH - 56 - 32, 24), logo)
    return background


def draw_layers(show: ResolvedShow, theme: Theme) -> list[Layer]:
    """The layers of one shot, stacked and centred; shrunk when the shot is crowded."""
    for scale in _SCALES:
        pictures = _pictures(show, theme, scale)
        gap = _even(GAP * scale)
        height = sum(p.height for p, _ in pictures) + gap * (len(pictures) - 1)
        if height <= BOTTOM - TOP:
            break
    y = _even(max(TOP, TOP + (BOTTOM - TOP - height) / 2))
    layers = []
    for i, (picture, motion) in enumerate(pictures):
        layers.append(Layer(picture, _even((WIDTH - picture.width) / 2), y, motion, delay=0.15 * i))
        y += picture.height + gap
    return layers


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


def _pictures(show: ResolvedShow, theme: Theme, scale: float) -> list[tuple[Image.Image, Motion]]:
    only_icon = show.icon is not None and not (show.title or show.text or show.card or show.bullets)
    pictures: list[tuple[Image.Image, Motion]] = []
    if show.icon is not None:
        pictures.append(
            (_icon_badge(show.icon, theme, round((340 if only_icon else 220) * scale)), "pop")
        )
    if show.title:
        font = _font(theme.font_bold, round(80 * scale))
        pictures.append(
            (_text_block(show.title, font, theme.colours.text_on_background, 1120, 2), "slide-up")
        )
    if show.card:
        pictures.append((_card(show.card, theme, scale), "pop"))
    if show.text:
        font = _font(theme.font, round(54 * scale))
        pictures.append(
            (_text_block(show.text, font, theme.colours.text_on_background, 1040, 3), "fade")
        )
    if show.bullets:
        font = _font(theme.font_bold, round(50 * scale))
        width = max(
            _even(max(font.getlength(line) for line in wrap(b, font, 860))) for b in show.bullets
        )
        pictures.extend((_bullet(b, theme, font, width, scale), "slide-left") for b in show.bullets)
    if show.image is not None:
        pictures.append((_image(show.image, scale), "fade"))
    return pictures


def _icon_badge(svg: Path, theme: Theme, diameter: int) -> Image.Image:
    diameter = _even(diameter)
    badge = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    ImageDraw.Draw(badge).ellipse((0, 0, diameter - 1, diameter - 1), fill=theme.colours.accent)
    inner = _even(diameter * 0.56)
    icon_svg = svg.read_text(encoding="utf-8").replace("currentColor", theme.colours.accent_text)
    icon = _svg(icon_svg, inner, inner)
    badge.alpha_composite(icon, ((diameter - inner) // 2, (diameter - inner) // 2))
    return badge


def _text_block(
    text: str, font: ImageFont.FreeTypeFont, colour: str, max_width: int, max_lines: int
) -> Image.Image:
    while True:
        lines = wrap(text, font, max_width)
        if len(lines) <= max_lines or font.size <= 24:
            break
        font = font.font_variant(size=round(font.size * 0.88))
    ascent, descent = font.getmetrics()
    line_height = round((ascent + descent) * 1.12)
    width = _even(max(font.getlength(line) for line in lines) + 8)
    picture = Image.new("RGBA", (width, _even(line_height * len(lines))), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    for i, line in enumerate(lines):
        draw.text((width / 2, i * line_height), line, font=font, fill=colour, anchor="ma")
    return picture


def _card(text: str, theme: Theme, scale: float) -> Image.Image:
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
    draw.text((pad_x - left, pad_y - top), text, font=font, fill=theme.colours.text, anchor="ls")
    return card


def _bullet(
    text: str, theme: Theme, font: ImageFont.FreeTypeFont, text_width: int, scale: float
) -> Image.Image:
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
    for i, line in enumerate(lines):
        draw.text(
            (2 * pad + dot, pad * 0.7 + i * line_height), line, font=font, fill=theme.colours.text
        )
    return pill


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
