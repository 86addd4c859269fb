"""A creditor's logo: an SVG or PNG under ``static/``, checked when the theme loads and drawn
into the video (first shot and corner) by :mod:`render.layout`.

An SVG is read as data, never run: no DOCTYPE or entities (so no entity expansion or external
files), no scripts, event handlers, foreign objects or links outside the file. It is parsed with
``defusedxml`` when that is installed, else with the standard parser after the strict check.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as StdET
from pathlib import Path
from types import ModuleType

import resvg_py
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 512_000  # a logo, not a poster
SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "embed", "object"}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


class LogoError(ValueError):
    """The logo cannot be used; the message says why, for the theme's problem list."""


def check_logo(path: Path) -> tuple[int, int]:
    """The logo's own width and height (its aspect), or ``LogoError`` saying what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LogoError(f"'{path.name}' cannot be read: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise LogoError(f"'{path.name}' is {len(data):,} bytes; a logo may be {MAX_BYTES:,}")
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return _svg_size(data, path.name)
    if suffix == ".png":
        return _png_size(data, path.name)
    raise LogoError(f"'{path.name}' is neither an SVG nor a PNG file")


def logo_picture(path: Path, size: tuple[int, int], max_width: int, max_height: int) -> Image.Image:
    """The logo as RGBA, as large as fits in the box, its aspect kept."""
    width, height = size
    scale = min(max_width / width, max_height / height)
    target = (max(2, round(width * scale)), max(2, round(height * scale)))
    if path.suffix.lower() == ".svg":
        svg = path.read_text(encoding="utf-8")
        png = resvg_py.svg_to_bytes(
            svg_string=svg, width=target[0], height=target[1], skip_system_fonts=True
        )
        picture: Image.Image = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
        return picture
    with Image.open(path) as source:
        resized: Image.Image = source.convert("RGBA").resize(target, Image.Resampling.LANCZOS)
    return resized


def _svg_size(data: bytes, name: str) -> tuple[int, int]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LogoError(f"'{name}' is not UTF-8 text, so not an SVG") from exc
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise LogoError(f"'{name}' has a DOCTYPE or ENTITY; a logo needs neither")
    try:
        root = _parser().fromstring(text)
    except (StdET.ParseError, ValueError) as exc:  # defusedxml's refusals are ValueErrors
        raise LogoError(f"'{name}' is not a well-formed SVG: {exc}") from exc
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        raise LogoError(f"'{name}' is XML but not an SVG (its root is <{_local(root.tag)}>)")
    for element in root.iter():
        tag = _local(element.tag)
        if tag in _FORBIDDEN_TAGS:
            raise LogoError(f"'{name}' has a <{tag}>; a logo is a picture only")
        for attribute, value in element.attrib.items():
            local = _local(attribute)
            if local.lower().startswith("on"):
                raise LogoError(f"'{name}' has an event handler ({local}); remove it")
            if local == "href" and not value.startswith(("#", "data:image/")):
                raise LogoError(f"'{name}' links to '{value[:60]}'; a logo must be one file")
    return _svg_dimensions(root, name)


def _svg_dimensions(root: StdET.Element, name: str) -> tuple[int, int]:
    box = root.get("viewBox")
    if box:
        parts = re.split(r"[\s,]+", box.strip())
        try:
            width, height = float(parts[2]), float(parts[3])
        except (IndexError, ValueError):
            raise LogoError(f"'{name}' has a viewBox that is not four numbers: '{box}'") from None
    else:
        found = [_LENGTH.match(root.get(key) or "") for key in ("width", "height")]
        if not all(found):
            raise LogoError(f"'{name}' needs a viewBox (or a width and height in pixels)")
        width, height = (float(m.group(1)) for m in found if m)
    if width <= 0 or height <= 0:
        raise LogoError(f"'{name}' has no size (width {width:g}, height {height:g})")
    return max(1, round(width)), max(1, round(height))


def _png_size(data: bytes, name: str) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise LogoError(f"'{name}' is a {image.format} image, not a PNG")
            image.verify()
            width, height = image.size
            return int(width), int(height)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise LogoError(f"'{name}' is not a readable PNG: {exc}") from exc


def _parser() -> ModuleType:
    try:
        from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]
    except ImportError:
        return StdET  # after the DOCTYPE/ENTITY check, expat expands nothing
    return SafeET  # type: ignore[no-any-return]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
