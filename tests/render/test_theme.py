from __future__ import annotations

import pytest

from render.content import ContentRoot
from render.problems import ContentError
from render.theme import contrast_ratio, load_theme

GOOD = """\
name = "Acme"
font = "fonts/AtkinsonHyperlegibleNext-Regular.ttf"
font_bold = "fonts/AtkinsonHyperlegibleNext-Bold.ttf"
[colours]
background = "#222222"
text_on_background = "#ffffff"
surface = "#ffffff"
text = "#111111"
accent = "#ffcc00"
accent_text = "#222222"
"""


def _brand(root: ContentRoot, text: str) -> None:
    folder = root.static_dir / "brand" / "acme"
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text(text)


def test_bundled_default_theme_loads_with_bundled_fonts(bundled: ContentRoot) -> None:
    theme = load_theme(bundled, "default")
    assert theme.font.name == "AtkinsonHyperlegibleNext-Regular.ttf"
    assert theme.rgb(theme.colours.background) == (11, 58, 91)


def test_a_content_root_brand_uses_bundled_fonts_and_digest_follows_colours(
    content_root: ContentRoot,
) -> None:
    _brand(content_root, GOOD)
    first = load_theme(content_root, "acme")
    (content_root.static_dir / "brand" / "acme" / "theme.toml").write_text(
        GOOD.replace("#ffcc00", "#ffdd00")
    )
    assert load_theme(content_root, "acme").digest != first.digest


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace('"#111111"', '"#eeeeee"'),
            "text #eeeeee on #ffffff has contrast 1.2:1; needs 4.5:1",
        ),
        (GOOD.replace('"#222222"\ntext_on', '"dark"\ntext_on'), "'dark' is not a colour"),
        (
            GOOD.replace("fonts/AtkinsonHyperlegibleNext-Bold.ttf", "fonts/Comic.ttf"),
            "font_bold: 'fonts/Comic.ttf' is not a file",
        ),
        (GOOD + "sparkle = true\n", "sparkle: Extra inputs are not permitted"),
        ("name = \n", "invalid TOML"),
    ],
)
def test_broken_themes_say_what_is_wrong(
    content_root: ContentRoot, text: str, message: str
) -> None:
    _brand(content_root, text)
    with pytest.raises(ContentError) as failure:
        load_theme(content_root, "acme")
    assert any(message in p.message for p in failure.value.problems), failure.value.problems
    assert all(p.path.endswith("theme.toml") for p in failure.value.problems)


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def _logo(root: ContentRoot, name: str, data: bytes) -> None:
    folder = root.static_dir / "brand" / "acme"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40"/></svg>'


def test_an_old_theme_is_still_valid_and_the_creditor_is_its_name(
    content_root: ContentRoot,
) -> None:
    _brand(content_root, GOOD)
    theme = load_theme(content_root, "acme")
    assert (theme.creditor, theme.logo, theme.contact.phone) == ("Acme", None, None)


def test_a_brand_names_the_creditor_its_logo_and_contact(content_root: ContentRoot) -> None:
    _brand(
        content_root,
        GOOD.replace('name = "Acme"\n', 'name = "acme"\ndisplay_name = "Acme Energie"\n').replace(
            "[colours]", 'logo = "brand/acme/logo.svg"\n[colours]'
        )
        + '[contact]\nphone = "+31 20 123 4567"\nwebsite = "https://acme.example"\n',
    )
    _logo(content_root, "logo.svg", SVG)
    theme = load_theme(content_root, "acme")
    assert (theme.creditor, theme.logo_size) == ("Acme Energie", (120, 40))
    assert (theme.contact.phone, theme.contact.website) == (
        "+31 20 123 4567",
        "https://acme.example",
    )
    before = theme.digest
    _logo(content_root, "logo.svg", SVG.replace(b'height="40"/>', b'height="40" fill="red"/>'))
    assert load_theme(content_root, "acme").digest != before  # a new logo renders again


def test_a_png_logo_is_read_with_pillow(content_root: ContentRoot) -> None:
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGBA", (90, 30), (200, 0, 0, 255)).save(picture, "PNG")
    _logo(content_root, "logo.png", picture.getvalue())
    _brand_with_logo(content_root, "brand/acme/logo.png")
    assert load_theme(content_root, "acme").logo_size == (90, 30)


def _brand_with_logo(root: ContentRoot, logo: str) -> None:
    folder = root.static_dir / "brand" / "acme"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "theme.toml").write_text(
        GOOD.replace('name = "Acme"\n', f'name = "Acme"\nlogo = "{logo}"\n')
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (None, b"", "logo: 'brand/acme/nothing.svg' is not a file under static/"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect>", "not a well-formed SVG"),
        ("logo.svg", b"<html><body/></html>", "XML but not an SVG (its root is <html>)"),
        (
            "logo.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
            "has a DOCTYPE or ENTITY",
        ),
        ("logo.svg", SVG.replace(b"<rect", b"<script>alert(1)</script><rect"), "has a <script>"),
        ("logo.svg", SVG.replace(b"<rect", b'<rect onclick="x()"'), "event handler (onclick)"),
        (
            "logo.svg",
            SVG.replace(b"<rect", b'<image href="https://evil.example/x.png"/><rect'),
            "links to 'https://evil.example/x.png'",
        ),
        ("logo.svg", SVG.replace(b' viewBox="0 0 120 40"', b""), "needs a viewBox"),
        ("logo.svg", b"\xff\xfe<svg/>", "is not UTF-8 text"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "is not a readable PNG"),
        ("logo.png", b"GIF89a" + b"\0" * 20, "is not a readable PNG"),
        ("logo.gif", b"GIF89a", "neither an SVG nor a PNG"),
    ],
)
def test_a_broken_logo_says_what_is_wrong(
    content_root: ContentRoot, name: str | None, data: bytes, message: str
) -> None:
    if name is None:
        _brand_with_logo(content_root, "brand/acme/nothing.svg")
    else:
        _logo(content_root, name, data)
        _brand_with_logo(content_root, f"brand/acme/{name}")
    with pytest.raises(ContentError) as failure:
        load_theme(content_root, "acme")
    assert any(message in p.message for p in failure.value.problems), failure.value.problems
    assert all(p.path.endswith("theme.toml") for p in failure.value.problems)


def test_a_website_must_be_a_web_address(content_root: ContentRoot) -> None:
    _brand(
        content_root, GOOD.replace("[colours]", '[contact]\nwebsite = "acme.example"\n[colours]')
    )
    with pytest.raises(ContentError) as failure:
        load_theme(content_root, "acme")
    assert "is not a web address" in failure.value.problems[0].message


@pytest.mark.parametrize("brand", ["default", "noordstroom"])
def test_the_sample_brands_have_a_creditor_a_logo_and_a_phone(
    bundled: ContentRoot, brand: str
) -> None:
    theme = load_theme(bundled, brand)
    assert theme.logo is not None and theme.logo_size is not None
    assert theme.creditor and theme.contact.phone
    assert contrast_ratio(theme.colours.text_on_background, theme.colours.background) >= 4.5
