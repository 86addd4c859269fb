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
