from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageFont

from render.content import ContentRoot
from render.elements import wrap
from render.layout import (
    BOTTOM,
    HEIGHT,
    TOP,
    WIDTH,
    ResolvedShow,
    compose_still,
    draw_background,
    draw_layers,
    pop_frames,
    pop_margin,
)
from render.theme import Theme, load_theme
from tests.conftest import REPO

ICONS = REPO / "static" / "icons"


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme(ContentRoot(REPO), "default")


def test_background_is_a_full_frame_gradient(theme: Theme) -> None:
    background = draw_background(theme)
    assert background.size == (WIDTH, HEIGHT) and background.mode == "RGB"
    top, bottom = background.crop((0, 0, WIDTH, 4)), background.crop((0, HEIGHT - 4, WIDTH, HEIGHT))
    assert _mean(top) == pytest.approx((11, 58, 91), abs=0.3)  # the brand's colours, on average
    assert _mean(bottom) == pytest.approx((17, 79, 120), abs=0.3)


def _mean(image: Image.Image) -> tuple[float, ...]:
    pixels = list(image.getdata())
    return tuple(sum(p[c] for p in pixels) / len(pixels) for c in range(3))


def test_the_gradient_is_dithered_against_banding(theme: Theme) -> None:
    """Without dither a row is one colour and the rows step in bands; with it, each row
    mixes neighbouring shades (in blocks of 2x2, which survive the encoder)."""
    background = draw_background(theme)
    row = background.crop((0, HEIGHT // 2, WIDTH - 200, HEIGHT // 2 + 1))  # left of the logo
    assert len(set(row.getdata())) > 2
    assert background.getpixel((0, 100)) == background.getpixel((1, 101))
    assert draw_background(theme).tobytes() == background.tobytes()  # the same every time


def test_layers_stack_centred_with_even_sizes_and_positions_above_the_caption_band(
    theme: Theme,
) -> None:
    show = ResolvedShow(
        title="Hallo Ayşe",
        card="€ 1.234,56",
        text="Factuur 42",
        bullets=("Kies uw bank", "Bevestig"),
        icon=ICONS / "pay.svg",
    )
    layers = draw_layers(show, theme)
    assert [layer.motion for layer in layers] == [
        "pop",
        "slide-up",
        "pop",
        "fade",
        "slide-left",
        "slide-left",
    ]
    for layer in layers:
        assert layer.x % 2 == 0 and layer.y % 2 == 0
        assert layer.image.width % 2 == 0 and layer.image.height % 2 == 0
        assert layer.y >= TOP and layer.y + layer.image.height <= BOTTOM
        assert abs(layer.x + layer.image.width / 2 - WIDTH / 2) <= 2
    assert [layer.y for layer in layers] == sorted(layer.y for layer in layers)
    assert [layer.delay for layer in layers] == sorted(layer.delay for layer in layers)
    # the bullets line up: same width
    assert layers[4].image.width == layers[5].image.width


def test_a_crowded_shot_is_shrunk_to_fit(theme: Theme) -> None:
    bullets = tuple(f"Point number {i} with some words" for i in range(6))
    layers = draw_layers(
        ResolvedShow(title="A title that is long enough", bullets=bullets, icon=ICONS / "menu.svg"),
        theme,
    )
    assert layers[0].y >= TOP and layers[-1].y + layers[-1].image.height <= BOTTOM


def test_turkish_letters_are_drawn_with_the_bundled_font(theme: Theme) -> None:
    font = ImageFont.truetype(str(theme.font_bold), 64)
    missing = font.getmask("\ue000").getbbox()  # a private-use code point: the font's .notdef box
    for letter in "ğĞşŞıİçÇöÖüÜ€ß¿ñ":
        assert font.getmask(letter).getbbox() != missing, letter


def test_icon_badge_shows_the_icon_in_the_accent_colours(theme: Theme) -> None:
    (badge,) = draw_layers(ResolvedShow(icon=ICONS / "check.svg"), theme)
    image = badge.image
    assert image.size == (340, 340)
    rgb = image.convert("RGB")
    assert rgb.getpixel((170, 10)) == (245, 183, 0)  # the accent disc
    colours = {rgb.getpixel((x, 170)) for x in range(80, 260)}
    assert (11, 58, 91) in colours  # the icon stroke in accent_text


def test_pop_frames_grow_overshoot_and_settle_without_clipping() -> None:
    picture = Image.new("RGBA", (200, 100), (255, 0, 0, 255))
    frames = pop_frames(picture)
    margin = pop_margin(picture)
    assert all(f.size == (200 + 2 * margin, 100 + 2 * margin) for f in frames)
    boxes = [f.getbbox() for f in frames]
    widths = [box[2] - box[0] for box in boxes if box]
    assert widths[0] < 200 and max(widths) > 200 and widths[-1] == 200
    assert all(box and box[0] > 0 for box in boxes)


def test_poster_is_the_frame_with_every_layer_in_place(theme: Theme) -> None:
    background = draw_background(theme)
    layers = draw_layers(ResolvedShow(title="Hello"), theme)
    still = compose_still(background, layers)
    title = layers[0]
    region = still.crop(
        (title.x, title.y, title.x + title.image.width, title.y + title.image.height)
    )
    assert (255, 255, 255) in {
        region.getpixel((x, y)) for x in range(region.width) for y in range(region.height)
    }


def test_wrap_by_rendered_width(theme: Theme) -> None:
    font = ImageFont.truetype(str(theme.font), 40)
    lines = wrap("one two three four five six seven eight nine ten", font, 300)
    assert len(lines) > 1 and all(font.getlength(line) <= 300 for line in lines)
    assert wrap("", font, 300) == [""]


def test_image_layer_fits_its_box(theme: Theme, tmp_path: Path) -> None:
    picture = tmp_path / "meter.png"
    Image.new("RGB", (2001, 999), "white").save(picture)
    (layer,) = draw_layers(ResolvedShow(image=picture), theme)
    assert layer.image.width <= 560 and layer.image.height <= 320
    assert layer.image.width % 2 == 0 and layer.image.height % 2 == 0


def test_the_opening_shot_shows_the_brand_logo_first_on_a_plate(theme: Theme) -> None:
    from render.layout import element_count

    show = ResolvedShow(title="Hallo", icon=ICONS / "wave.svg", logo=True)
    layers = draw_layers(show, theme)
    assert len(layers) == element_count(show) == 3
    logo = layers[0]
    assert logo.motion == "fade" and logo.text is None and logo.y == min(la.y for la in layers)
    assert logo.image.width % 2 == 0 and logo.image.height % 2 == 0
    colours = set(logo.image.convert("RGB").getdata())
    assert (255, 255, 255) in colours and (245, 183, 0) in colours  # the plate, the sun


def test_the_background_carries_the_logo_small_in_the_top_right_corner(theme: Theme) -> None:
    background = draw_background(theme)
    corner = background.crop((WIDTH - 200, 0, WIDTH, 100))
    assert (245, 183, 0) in set(corner.getdata())
    middle = background.crop((WIDTH // 2 - 100, 0, WIDTH // 2 + 100, 100))
    assert (245, 183, 0) not in set(middle.getdata())


def test_a_long_translation_wraps_at_the_same_size_instead_of_shrinking(theme: Theme) -> None:
    """Spanish runs a third longer than English: its title takes more lines, not smaller
    letters, and its bullets keep the size of the English ones."""
    short = draw_layers(ResolvedShow(title="Pay in parts", illustration=()), theme)[0]
    long = draw_layers(
        ResolvedShow(title="Puede pagar el importe pendiente en varios plazos mensuales cómodos"),
        theme,
    )[0]
    assert long.image.height >= 2 * short.image.height - 2  # two lines or more, same letters
    english = draw_layers(ResolvedShow(bullets=("Choose your bank", "Confirm in your app")), theme)
    spanish = draw_layers(
        ResolvedShow(bullets=("Elija su banco", "Confirme el pago en la aplicación de su banco")),
        theme,
    )
    assert spanish[0].image.height == english[0].image.height  # one line each: same size


def test_a_crowded_shot_shrinks_its_picture_before_its_text(theme: Theme) -> None:
    roomy = draw_layers(ResolvedShow(title="Hello", icon=ICONS / "pay.svg"), theme)
    crowded = draw_layers(
        ResolvedShow(title="Hello", icon=ICONS / "pay.svg", card="€ 1.234,56"),
        theme,
    )  # fmt: skip
    assert crowded[0].image.width < roomy[0].image.width  # the icon gave way
    assert crowded[1].image.height == roomy[1].image.height  # the title did not
