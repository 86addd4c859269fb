"""The creditor's brand as the debtor's pages show it: name, logo and contact.

A scene names its brand (``brand: default``); a page of a link nobody knows has no scene and
shows the content root's ``default`` brand. The logo is served from ``/static`` when it is a
bundled file, else inlined as a ``data:`` address (the debtor pages allow ``img-src data:``),
so a content root's own logo needs no route of its own.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request

from render.content import BUNDLED, ContentRoot
from render.problems import ContentError
from render.theme import Theme, load_theme

LOGO_HEIGHT = 40  # pixels in the page header; the width follows the logo's aspect,
LOGO_WIDTH = 112  # up to this (a wide logo is drawn lower instead)
DEFAULT_BRAND = "default"
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from app.deps import Visit


@dataclass(frozen=True)
class Brand:
    name: str  # the creditor as debtors know it
    logo: str | None  # an address for <img src>
    logo_width: int
    logo_height: int
    phone: str | None  # the brand's own contact, for pages without a scene
    website: str | None
    key: str = ""  # its folder name: the page colours are /brand/<key>.css
    style: str = ""  # those colours as CSS custom properties (see ``page_style``)
    # its own font files by weight ("regular", "bold"), for /brand/<key>/<weight>.<suffix>;
    # empty when it uses the pages' font
    fonts: dict[str, Path] = field(default_factory=dict)


def brand_of(root: ContentRoot, brand: str, *, fallback: str) -> Brand:
    """The brand ``brand`` of ``root``; a missing or broken theme gives ``fallback`` as the
    name and no logo (the page still shows, and the problem is logged)."""
    folder = root.brand_dir(brand)
    theme_file = folder / "theme.toml" if folder else None
    try:
        stamp = theme_file.stat().st_mtime_ns if theme_file else 0
        return _loaded(root, brand, stamp, fallback)
    except (ContentError, OSError) as exc:
        log.warning("brand %r cannot be shown: %s", brand, exc)
        return Brand(fallback, None, 0, 0, None, None)


@lru_cache(maxsize=32)
def _loaded(root: ContentRoot, brand: str, stamp: int, fallback: str) -> Brand:
    theme = load_theme(root, brand)  # ContentError when it is broken: not cached
    width, height = _logo_box(theme)
    return Brand(
        name=theme.creditor or fallback,
        logo=_logo_address(theme.logo) if theme.logo else None,
        logo_width=width,
        logo_height=height,
        phone=theme.contact.phone,
        website=theme.contact.website,
        key=brand,
        style=page_style(theme) + font_style(theme, brand),
        fonts=_own_fonts(theme),
    )


def page_style(theme: Theme) -> str:
    """The brand's colours for the debtor pages, as the site's stylesheet names them: the
    header, cards and main buttons in the brand's background with its text colour, the call
    button in its accent. Only pairs the theme checks for contrast (4.5:1) are used; links on
    the white page keep the site's colour, which a light brand colour would not match."""
    colours = theme.colours
    pairs = {
        "--bar": colours.background,
        "--on-bar": colours.text_on_background,
        "--accent": colours.accent,
        "--on-accent": colours.accent_text,
    }
    return ":root { " + " ".join(f"{name}: {value};" for name, value in pairs.items()) + " }\n"


FONT_WEIGHTS = {"regular": 400, "bold": 700}
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf"}  # what Pillow draws the video with too
BUNDLED_FONT = (BUNDLED / "static" / "fonts" / "AtkinsonHyperlegibleNext-Regular.ttf").resolve()


def font_style(theme: Theme, key: str) -> str:
    """The brand's font on the debtor pages too, when it has its own (the bundled Atkinson
    Hyperlegible Next is the pages' font already): its two weights from ``/brand/<key>/``,
    with the pages' font and the system's behind it for any letter it lacks."""
    fonts = _own_fonts(theme)
    if not fonts:
        return ""
    faces = "".join(
        f'@font-face {{ font-family: "vidpay brand"; font-weight: {FONT_WEIGHTS[name]}; '
        f'font-display: swap; src: url("/brand/{key}/{name}{path.suffix.lower()}"); }}\n'
        for name, path in fonts.items()
    )
    return (
        faces
        + ':root { --font: "vidpay brand", "Atkinson Hyperlegible Next", system-ui, sans-serif; }\n'
    )


def _own_fonts(theme: Theme) -> dict[str, Path]:
    """The theme's font files by weight, unless they are the pages' font already."""
    if theme.font.resolve() == BUNDLED_FONT:
        return {}
    return {"regular": theme.font, "bold": theme.font_bold}


def _logo_box(theme: Theme) -> tuple[int, int]:
    if theme.logo_size is None:
        return 0, 0
    width, height = theme.logo_size
    scale = min(LOGO_HEIGHT / height, LOGO_WIDTH / width)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _logo_address(logo: Path) -> str:
    bundled = (BUNDLED / "static").resolve()
    if logo.is_relative_to(bundled):
        return "/static/" + logo.relative_to(bundled).as_posix()
    kind = "image/svg+xml" if logo.suffix.lower() == ".svg" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(logo.read_bytes()).decode('ascii')}"


def visit_brand(request: Request, visit: Visit) -> Brand:
    """The brand of the debtor's scene."""
    settings = request.app.state.vidpay.settings
    return brand_of(settings.content, visit.loaded.scene.brand, fallback=settings.creditor_name)


def default_brand(request: Request) -> Brand:
    """The content root's default brand: for a page of a link that names no known debtor."""
    settings = request.app.state.vidpay.settings
    return brand_of(settings.content, DEFAULT_BRAND, fallback=settings.creditor_name)
