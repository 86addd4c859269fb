"""Drawing one element of a shot with Pillow: the logo on its plate, an icon badge, a title
or a text, a card, a bullet on its pill, an image. :mod:`render.layout` stacks them.

A *personal* element (one that says the debtor's name or amount) is drawn as the place kept
for it, and a :class:`TextBox` tells the player where, in which font and size, to draw the
debtor's own text over the video.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import resvg_py
from PIL import Image, ImageDraw, ImageFont

from render.logo import logo_picture
from render.theme import Theme

EXTRA_LINES = 2  # a title or text takes this many lines more before its letters get smaller
MIN_TEXT_SIZE = 36  # pixels of the 720-pixel frame (the smallest a long text gets)


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
    emphasis: str | None = None  # "count-up": the player counts the amount up to its value


def logo_plate(theme: Theme, max_width: int, max_height: int) -> Image.Image:
    """The brand's logo on a rounded plate of the surface colour, so that a logo made for
    white paper shows on any background; at most ``max_width`` by ``max_height``."""
    if theme.logo is None or theme.logo_size is None:
        raise ValueError(f"the brand '{theme.name}' has no logo")
    pad = max(4, even(max_height * 0.14))
    logo = logo_picture(theme.logo, theme.logo_size, max_width - 2 * pad, max_height - 2 * pad)
    size = (even(logo.width + 2 * pad + 1), even(logo.height + 2 * pad + 1))
    plate = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(plate).rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1), radius=pad * 2, fill=theme.colours.surface
    )
    plate.alpha_composite(logo, ((size[0] - logo.width) // 2, (size[1] - logo.height) // 2))
    return plate


def icon_badge(svg: Path, theme: Theme, diameter: int) -> Image.Image:
    diameter = even(diameter)
    badge = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    ImageDraw.Draw(badge).ellipse((0, 0, diameter - 1, diameter - 1), fill=theme.colours.accent)
    inner = even(diameter * 0.56)
    icon_svg = svg.read_text(encoding="utf-8").replace("currentColor", theme.colours.accent_text)
    icon = svg_picture(icon_svg, inner, inner)
    badge.alpha_composite(icon, ((diameter - inner) // 2, (diameter - inner) // 2))
    return badge


@dataclass(frozen=True)
class Block:
    """A text straight on the background: a title or a line of text."""

    element: str
    font: ImageFont.FreeTypeFont
    colour: str
    max_width: int
    max_lines: int
    personal: bool
    bold: bool


def text_block(text: str, block: Block) -> tuple[Image.Image, TextBox | None]:
    """The text drawn, or for a personal one the place kept for it (as wide as the line may
    be, as high as the stand-in text needs)."""
    font = block.font
    while True:  # more lines first (a long translation wraps); smaller only past that
        lines = wrap(text, font, block.max_width)
        if len(lines) <= block.max_lines + EXTRA_LINES or font.size <= MIN_TEXT_SIZE:
            break
        font = font.font_variant(size=round(font.size * 0.88))
    ascent, descent = font.getmetrics()
    line_height = round((ascent + descent) * 1.12)
    width = even(max(font.getlength(line) for line in lines) + 8)
    height = even(line_height * len(lines))
    if block.personal:
        width = even(block.max_width)
        box = TextBox(block.element, 0, 0, width, height, block.bold, round(font.size),
                      block.colour, "center", block.max_lines)  # fmt: skip
        return Image.new("RGBA", (width, height), (0, 0, 0, 0)), box
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    for i, line in enumerate(lines):
        draw.text((width / 2, i * line_height), line, font=font, fill=block.colour, anchor="ma")
    return picture, None


def card_picture(
    text: str, theme: Theme, scale: float, personal: bool
) -> tuple[Image.Image, TextBox | None]:
    font = font_of(theme.font_bold, round(112 * scale))
    while font.getlength(text) > 1000 and font.size > 36:
        font = font.font_variant(size=round(font.size * 0.9))
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    pad_x, pad_y = round(56 * scale), round(30 * scale)
    size = (even(right - left + 2 * pad_x), even(bottom - top + 2 * pad_y))
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


def bullet_pill(
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
    width = even(text_width + dot + 3 * pad)
    height = even(line_height * len(lines) + 2 * pad * 0.7)
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


def image_picture(path: Path, scale: float) -> Image.Image:
    try:
        with Image.open(path) as source:
            picture: Image.Image = source.convert("RGBA")
    except (OSError, ValueError) as exc:  # a broken file: say which one, whatever Pillow says
        raise OSError(f"the image {path.name} cannot be read: {exc}") from exc
    picture.thumbnail((round(560 * scale), round(320 * scale)))
    return picture.crop((0, 0, even(picture.width), even(picture.height)))


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
def font_of(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def svg_picture(svg: str, width: int, height: int) -> Image.Image:
    png = resvg_py.svg_to_bytes(svg_string=svg, width=width, height=height, skip_system_fonts=True)
    image: Image.Image = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
    return image


def even(value: float) -> int:
    """Sizes and positions are even: a yuv420p overlay snaps to even pixels."""
    return int(value) // 2 * 2
