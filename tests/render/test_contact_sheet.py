"""The contact sheet: three moments of every shot, read back from the encoded video, for the
sample debtor (personal nodes show the sample's own values)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from app.cli import app
from render.contact_sheet import LABEL, MOMENTS, THUMB, contact_sheet, shot_frames
from render.content import ContentRoot
from render.layout import FPS
from render.segment import SegmentResult
from render.validate import load_scene


def test_three_moments_of_every_shot_inside_it() -> None:
    result = SegmentResult("k", 3.0, "v", "c", "p", (), shots=((0, 30), (30, 75)))
    frames = shot_frames("menu", result)
    assert [(f.shot, f.moment) for f in frames] == [(s, m) for s in (1, 2) for m in MOMENTS]
    first, middle, last = (f.seconds * FPS for f in frames[3:])
    assert 30 < first < middle < last < 75


def test_a_sheet_has_a_row_per_shot_of_real_frames(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    scene = load_scene(render_root.find_scene("tiny"), render_root)
    sheet = contact_sheet(scene, render_root, "tr", tmp_path / "media", ["amount", "menu"])
    rows = 1 + 2  # amount has one shot, menu two
    assert sheet.size == (len(MOMENTS) * (THUMB[0] + 8) + 8, 48 + rows * (THUMB[1] + LABEL + 8))
    frame = sheet.crop((8, 48, 8 + THUMB[0], 48 + THUMB[1]))
    assert len(set(frame.getdata())) > 50  # a rendered picture, not a blank tile


def test_the_command_writes_the_sheet_and_refuses_an_unknown_language(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    runner = CliRunner()
    target = tmp_path / "sheet.png"
    root = ["--root", str(render_root.path)]
    result = runner.invoke(
        app, ["contact-sheet", "tiny", "--node", "bye", "-o", str(target),
              "--out", str(tmp_path / "media"), *root],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Image.open(target) as written:
        assert written.size[1] == 48 + THUMB[1] + LABEL + 8
    refused = runner.invoke(app, ["contact-sheet", "tiny", "--lang", "fr", *root])
    assert refused.exit_code == 2 and "has no language 'fr' (en, tr)" in refused.stderr
