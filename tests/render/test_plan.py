"""Planning: keys follow every input and nothing else; personal nodes are shared pictures with
their debtor texts left to the player, and voice tracks per debtor; preview values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from render.cache import content_key
from render.content import ContentRoot
from render.layout import ResolvedShow
from render.plan import (
    ENCODING,
    SegmentPlan,
    ShotPlan,
    _describe,
    personal_nodes,
    preview_values,
)
from render.scene import Scene
from render.validate import load_scene
from tests.conftest import REPO, plan_tiny, track_tiny


def _scene(root: ContentRoot) -> Scene:
    return load_scene(root.find_scene("tiny"), root)


def test_personal_nodes_are_those_using_debtor_variables(render_root: ContentRoot) -> None:
    assert personal_nodes(_scene(render_root)) == {"hello", "amount"}
    bundled = ContentRoot(REPO)
    arrears = load_scene(bundled.find_scene("arrears"), bundled)
    # v1.1: the nodes that say case values are rendered per debtor too
    assert personal_nodes(arrears) == {
        "intro", "situation", "pay_now", "plan_status", "promise_status",
    }  # fmt: skip


def test_plan_resolves_translation_placeholders_and_files(render_root: ContentRoot) -> None:
    menu = plan_tiny(render_root, "menu")
    assert [c.label for c in menu.choices] == ["Şimdi öde", "Sonra"]
    assert menu.shots[1].pause == 0.5 and menu.shots[1].voice is None
    assert menu.shots[0].voice is not None and not menu.personal


def test_a_personal_node_is_a_picture_without_the_debtors_data(render_root: ContentRoot) -> None:
    picture = plan_tiny(render_root, "amount")
    (shot,) = picture.shots
    assert picture.personal and picture.language == "tr"
    assert shot.voice is None  # the voice is the debtor's track
    assert shot.show is not None and shot.show.personal == {"card"}
    assert shot.show.card == "€88.888,88"  # a long stand-in sizes the place kept for it
    assert shot.show.icon == REPO / "static" / "icons" / "invoice.svg"
    assert "80" not in str(picture)


def test_a_track_says_and_shows_the_debtors_values(render_root: ContentRoot) -> None:
    track = track_tiny(render_root, "amount")
    (shot,) = track.shots
    assert shot.voice is not None and shot.voice.text == "Borcunuz: €80,00."
    assert shot.voice.speech == "Borcunuz: seksen avro."  # the voice says it in words
    assert shot.personal_voice and shot.texts == (("card", "€80,00"),)
    assert track.picture == plan_tiny(render_root, "amount").key


def test_keys_change_with_any_input_and_only_then(render_root: ContentRoot) -> None:
    base = plan_tiny(render_root, "amount").key
    assert plan_tiny(render_root, "amount").key == base
    # a debtor's values never change the picture, only their track
    assert plan_tiny(render_root, "amount", amount_due=Decimal("80.01")).key == base
    heard = track_tiny(render_root, "amount").key
    assert track_tiny(render_root, "amount", amount_due=Decimal("80.01")).key != heard
    assert track_tiny(render_root, "amount", name="Someone else").key == heard  # not said here
    assert plan_tiny(render_root, "amount", language="en").key != base
    # the brand's theme
    theme = render_root.static_dir / "brand" / "default"
    theme.mkdir(parents=True)
    bundled_theme = (REPO / "static" / "brand" / "default" / "theme.toml").read_text()
    (theme / "theme.toml").write_text(bundled_theme.replace("#f5b700", "#f5b800"))
    assert plan_tiny(render_root, "amount").key != base


def test_a_card_that_counts_up_has_a_key_of_its_own_and_old_keys_stay() -> None:
    """The player's boxes come with the picture's manifest: a shot that starts counting must
    not be served the boxes of the same shot without it."""
    card = ResolvedShow(card="{amount_due}", personal=frozenset({"card"}))
    plain = _describe(ShotPlan(1, None, 0.0, card))
    assert "count_up" not in plain["show"]  # keys of scenes without it are as before
    counting = _describe(
        ShotPlan(1, None, 0.0, ResolvedShow(**{**card.__dict__, "count_up": True}))
    )
    assert content_key(counting) != content_key(plain)


def test_only_captions_that_webvtt_escaping_changes_get_new_keys(render_root: ContentRoot) -> None:
    def old_key(plan: SegmentPlan) -> str:  # the key before captions were escaped
        shots = [_describe(s) for s in plan.shots]
        return content_key({"encoding": ENCODING, "theme": plan.theme.digest, "shots": shots})

    plain = plan_tiny(render_root, "menu")
    assert plain.key == old_key(plain)  # rendered files stay valid
    # a debtor's own captions come with their manifest, not in a WebVTT file: whatever their
    # name, the picture is the same
    names = ("Tom", "<b>", "Tom & Jerry", '"><img src=x>')
    assert len({plan_tiny(render_root, "hello", name=name).key for name in names}) == 1


def test_a_root_icon_or_voice_setting_changes_the_key(render_root: ContentRoot) -> None:
    base = plan_tiny(render_root, "amount").key
    heard = track_tiny(render_root, "amount").key
    icons = render_root.static_dir / "icons"
    icons.mkdir()
    (icons / "invoice.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"/>'
    )
    fresh = ContentRoot(render_root.path)  # a root's icon list is read once
    with_icon = plan_tiny(fresh, "amount").key
    assert with_icon != base
    (render_root.path / "vidpay.toml").write_text('[voices.tr]\nengine = "espeak"\nrate = 120\n')
    assert track_tiny(ContentRoot(render_root.path), "amount").key != heard


def test_a_recorded_voiceover_replaces_tts_in_the_key(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    base = plan_tiny(render_root, "menu")
    folder = render_root.voiceovers_dir / "tiny" / "tr"
    folder.mkdir(parents=True)
    import wave

    with wave.open(str(folder / "menu-1.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\x10\x00" * 8000)
    recorded = plan_tiny(render_root, "menu")
    assert recorded.shots[0].voice is not None
    assert recorded.shots[0].voice.recorded == folder / "menu-1.wav"
    assert recorded.key != base.key


@pytest.mark.parametrize(
    ("kind", "value"),
    [("money", Decimal("123.45")), ("date", date(2026, 1, 15)), ("number", Decimal("3"))],
)
def test_preview_values_by_type(kind: str, value: object) -> None:
    assert preview_values({"x": kind})["x"] == value  # type: ignore[dict-item]
    assert preview_values({"name": "text", "invoice": "text"}) == {
        "name": "Alex",
        "invoice": "A-1234",
    }
