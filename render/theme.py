"""Brand themes: the creditor's name, logo, contact, colours and fonts from
``static/brand/<name>/theme.toml``.

``name`` names the theme; ``display_name`` is the creditor as debtors know it (pages, titles,
messages), ``name`` when left out. ``logo`` is an SVG or PNG under ``static/`` (checked by
:mod:`render.logo`), ``[contact]`` the phone and website shown where no scene is known (a
mistyped link). All three are optional, so older themes stay valid.

Fonts are always files the content root or this project ships: a render worker's system fonts
are not part of the content, and would make the same scene look different on another machine.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from PIL import ImageColor
from pydantic import AfterValidator, ValidationError

from render.content import ContentRoot
from render.logo import LogoError, check_logo
from render.problems import ContentError, Problem, display_path
from render.scene import StrictModel

MIN_CONTRAST = 4.5  # WCAG 2.2 AA for normal text


def _colour(value: str) -> str:
    try:
        ImageColor.getrgb(value)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a colour; write it like #0b3a5b") from exc
    return value


Colour = Annotated[str, AfterValidator(_colour)]


class Colours(StrictModel):
    background: Colour
    background_end: Colour | None = None
    text_on_background: Colour
    surface: Colour
    text: Colour
    accent: Colour
    accent_text: Colour


def _website(url: str) -> str:
    if not url.startswith(("https://", "http://")) or len(url.split("//", 1)[1]) < 3:
        raise ValueError(f"'{url}' is not a web address starting with https://")
    return url


class Contact(StrictModel):
    """How debtors reach the creditor when no scene says it (the scene's contact wins)."""

    phone: str | None = None
    website: Annotated[str, AfterValidator(_website)] | None = None


class ThemeFile(StrictModel):
    name: str
    display_name: str | None = None
    font: str
    font_bold: str
    logo: str | None = None
    contact: Contact = Contact()
    colours: Colours


@dataclass(frozen=True)
class Theme:
    """A loaded theme: files resolved, and a digest of everything that changes a picture."""

    name: str
    colours: Colours
    font: Path
    font_bold: Path
    logo: Path | None
    digest: str
    display_name: str = ""  # the creditor as debtors know it; ``name`` when the file has none
    logo_size: tuple[int, int] | None = None  # the logo's own width and height (its aspect)
    contact: Contact = field(default_factory=Contact)
    logo_path: str | None = None  # the logo as written in theme.toml (relative to static/)

    @property
    def creditor(self) -> str:
        return self.display_name or self.name

    def rgb(self, colour: str) -> tuple[int, int, int]:
        red, green, blue = ImageColor.getrgb(colour)[:3]
        return red, green, blue


def load_theme(root: ContentRoot, brand: str) -> Theme:
    """Load and check a brand theme; ``ContentError`` names the file and what is wrong."""
    folder = root.brand_dir(brand)
    if folder is None:
        raise ContentError([Problem(f"static/brand/{brand}", 1, 1, f"unknown brand '{brand}'")])
    path = folder / "theme.toml"
    shown = display_path(path)
    data = _read_toml(path, shown)
    try:
        spec = ThemeFile.model_validate(data)
    except ValidationError as exc:
        raise ContentError(
            [
                Problem(shown, 1, 1, f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
                for e in exc.errors()
            ]
        ) from exc
    files = {key: _static(root, getattr(spec, key), shown, key) for key in ("font", "font_bold")}
    logo = _static(root, spec.logo, shown, "logo") if spec.logo else None
    logo_size = _logo_size(logo, shown) if logo else None
    _check_contrast(spec.colours, shown)
    digest = hashlib.sha256(path.read_bytes())
    for file in [*files.values(), logo]:
        if file is not None:
            digest.update(file.read_bytes())
    return Theme(
        spec.name, spec.colours, files["font"], files["font_bold"], logo, digest.hexdigest(),
        display_name=spec.display_name or spec.name, logo_size=logo_size, contact=spec.contact,
        logo_path=spec.logo,
    )  # fmt: skip


def _logo_size(logo: Path, shown: str) -> tuple[int, int]:
    try:
        return check_logo(logo)
    except LogoError as exc:
        raise ContentError([Problem(shown, 1, 1, f"logo: {exc}")]) from exc


def _read_toml(path: Path, shown: str) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError([Problem(shown, 1, 1, "the brand has no theme.toml")]) from exc
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 1) or 1
        col = getattr(exc, "colno", 1) or 1
        raise ContentError([Problem(shown, line, col, f"invalid TOML: {exc}")]) from exc


def _static(root: ContentRoot, relative: str, shown: str, key: str) -> Path:
    found = root.static_file(relative)
    if found is None:
        raise ContentError(
            [Problem(shown, 1, 1, f"{key}: '{relative}' is not a file under static/")]
        )
    return found


def _check_contrast(colours: Colours, shown: str) -> None:
    pairs = [
        ("text_on_background", colours.text_on_background, colours.background),
        ("text", colours.text, colours.surface),
        ("accent_text", colours.accent_text, colours.accent),
    ]
    if colours.background_end:
        pairs.append(("text_on_background", colours.text_on_background, colours.background_end))
    problems = [
        Problem(
            shown, 1, 1, f"{name} {fg} on {bg} has contrast {ratio:.1f}:1; needs {MIN_CONTRAST}:1"
        )
        for name, fg, bg in pairs
        if (ratio := contrast_ratio(fg, bg)) < MIN_CONTRAST
    ]
    if problems:
        raise ContentError(problems)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = ImageColor.getrgb(colour)[:3]
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
