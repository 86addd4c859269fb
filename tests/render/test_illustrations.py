"""The illustrations a scene can show: the bundled set loads and draws, a content root adds
its own, and a broken illustrations file is reported with its line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import resvg_py
from PIL import Image

from render.content import ContentRoot
from render.illustrations import load_illustrations
from render.problems import ContentError
from tests.conftest import REPO

ART = REPO / "static" / "illustrations" / "art"


def test_the_bundled_scenes_use_only_vendored_art(bundled: ContentRoot) -> None:
    found = load_illustrations(bundled)
    assert {"calendar", "coins-wallet", "energy-home", "handshake", "phone", "nodding-person",
            "letter"} <= set(found.scenes)  # fmt: skip
    for scene in found.scenes.values():
        for part in scene.parts:
            assert found.art_of(part).parent == ART


@pytest.mark.parametrize("svg", sorted(ART.glob("*.svg")), ids=lambda p: p.stem)
def test_every_vendored_picture_draws(svg: Path) -> None:
    png = bytes(resvg_py.svg_to_bytes(svg_string=svg.read_text(), width=64, height=64))
    alpha = Image.open(io.BytesIO(png)).convert("RGBA").getchannel("A")
    drawn = alpha.point(lambda value: 255 if value > 128 else 0).histogram()[255]
    assert drawn > 64 * 64 * 0.1  # a picture, not an empty square


def test_the_licence_travels_with_the_art() -> None:
    licence = (REPO / "static" / "illustrations" / "LICENSE").read_text()
    assert "MIT License" in licence and "Microsoft Corporation" in licence


def _own(root: ContentRoot, toml: str) -> None:
    folder = root.static_dir / "illustrations"
    (folder / "art").mkdir(parents=True)
    (folder / "art" / "meter.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
    )
    (folder / "scenes.toml").write_text(toml, encoding="utf-8")


def test_a_content_root_adds_and_replaces_scenes(content_root: ContentRoot) -> None:
    _own(
        content_root,
        '[calendar]\nparts = [{ art = "meter" }]\n[meter]\nparts = [{ art = "meter", enter = "pop" }]\n',
    )
    found = load_illustrations(content_root)
    assert [p.art for p in found.scenes["calendar"].parts] == ["meter"]
    assert found.scenes["meter"].parts[0].enter == "pop"
    assert "handshake" in found.scenes  # the bundled ones are still there


def test_a_part_without_its_art_is_named_with_its_line(content_root: ContentRoot) -> None:
    _own(content_root, '# ours\n\n[gauge]\nparts = [{ art = "gauge" }]\n')
    with pytest.raises(ContentError) as failure:
        load_illustrations(content_root)
    (problem,) = failure.value.problems
    assert problem.path.endswith("static/illustrations/scenes.toml") and problem.line == 3
    assert problem.message == "gauge: no art gauge in static/illustrations/art/"


def test_a_wrong_motion_is_refused(content_root: ContentRoot) -> None:
    _own(content_root, '[meter]\nparts = [{ art = "meter", enter = "spin" }]\n')
    with pytest.raises(ContentError) as failure:
        load_illustrations(content_root)
    (problem,) = failure.value.problems
    assert problem.line == 2 and "meter.parts.0.enter" in problem.message
    assert "'fade', 'pop', 'slide-up', 'slide-left' or 'drop'" in problem.message


def test_broken_toml_is_reported_at_its_line(content_root: ContentRoot) -> None:
    _own(content_root, '[meter]\nsize = \nparts = [{ art = "meter" }]\n')
    with pytest.raises(ContentError) as failure:
        load_illustrations(content_root)
    assert failure.value.problems[0].line == 2
    assert failure.value.problems[0].message.startswith("invalid TOML")
