"""A contact sheet of a scene: frames at the start, middle and end of every shot, in a grid,
to see at a glance how a video looks and moves (``vidpay contact-sheet``).

Each node is rendered as a whole segment for the sample debtor (the voice check's: a name, an
amount, a date), so personal nodes show what a debtor sees. The frames are read back from the
encoded video with ffmpeg: the sheet shows what is sent, compression included.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from render.content import ContentRoot
from render.elements import font_of
from render.ffmpeg import ffmpeg_exe
from render.i18n import load_translations
from render.layout import FPS
from render.plan import SegmentPlan, plan_segment
from render.scene import Scene
from render.segment import SegmentResult, render_segment
from render.theme import load_theme
from render.voice_check import sample_values

THUMB = (320, 180)
LABEL = 28  # pixels of caption under each frame
MOMENTS = ("start", "middle", "end")


@dataclass(frozen=True)
class Frame:
    node: str
    shot: int  # from 1, as designers count
    moment: str
    seconds: float


def sample_plan(scene: Scene, root: ContentRoot, node_id: str, language: str) -> SegmentPlan:
    """The node planned as a whole segment for the sample debtor: a personal node too, with
    the sample's values in its picture and voice, so one sees what a debtor sees. Texts
    without a reviewed translation stay in the source language, as in a render."""
    translated = language != scene.source_language and root.po_path(scene.id, language).is_file()
    translations = load_translations(root, scene.id, language) if translated else {}
    return plan_segment(
        scene, node_id, language, root=root, theme=load_theme(root, scene.brand),
        translations=translations, values=sample_values(scene, language), personal=False,
    )  # fmt: skip


def shot_frames(node: str, result: SegmentResult) -> list[Frame]:
    """Three moments of each shot: just after it starts, halfway, and just before it ends."""
    frames = []
    for number, (start, end) in enumerate(result.shots, start=1):
        first, last = start + 1, max(start + 1, end - 2)
        for moment, at in zip(MOMENTS, (first, (first + last) // 2, last), strict=True):
            frames.append(Frame(node, number, moment, at / FPS))
    return frames


def contact_sheet(
    scene: Scene, root: ContentRoot, language: str, out: Path, nodes: list[str] | None = None
) -> Image.Image:
    """Render the nodes (all, in scene order, by default) into ``out`` and draw the sheet:
    one row per shot, its start, middle and end side by side."""
    rows: list[tuple[Frame, list[Image.Image]]] = []
    for node_id in nodes or list(scene.nodes):
        result = render_segment(sample_plan(scene, root, node_id, language), out)
        frames = shot_frames(node_id, result)
        pictures = _read_frames(out / result.video, [f.seconds for f in frames])
        for i in range(0, len(frames), len(MOMENTS)):
            rows.append((frames[i], pictures[i : i + len(MOMENTS)]))
    return _draw(rows, f"{scene.id} ({language})", root, scene)


def _read_frames(video: Path, seconds: list[float]) -> list[Image.Image]:
    """The frames at ``seconds``, scaled to thumbnails, in one ffmpeg run per moment."""
    pictures = []
    with tempfile.TemporaryDirectory() as work:
        for i, at in enumerate(seconds):
            target = Path(work) / f"{i}.png"
            subprocess.run(
                [ffmpeg_exe(), "-v", "error", "-ss", f"{at:.3f}", "-i", str(video),
                 "-frames:v", "1", "-vf", f"scale={THUMB[0]}:{THUMB[1]}", str(target)],
                check=True,
            )  # fmt: skip
            with Image.open(target) as frame:
                pictures.append(frame.convert("RGB"))
    return pictures


def _draw(
    rows: list[tuple[Frame, list[Image.Image]]], title: str, root: ContentRoot, scene: Scene
) -> Image.Image:
    theme = load_theme(root, scene.brand)
    font = font_of(theme.font, 18)
    bold = font_of(theme.font_bold, 24)
    width = len(MOMENTS) * (THUMB[0] + 8) + 8
    height = 48 + len(rows) * (THUMB[1] + LABEL + 8)
    sheet = Image.new("RGB", (width, height), "#f3f4f6")
    draw = ImageDraw.Draw(sheet)
    draw.text((8, 12), title, font=bold, fill="#111827")
    for r, (frame, pictures) in enumerate(rows):
        y = 48 + r * (THUMB[1] + LABEL + 8)
        for c, (picture, moment) in enumerate(zip(pictures, MOMENTS, strict=True)):
            x = 8 + c * (THUMB[0] + 8)
            sheet.paste(picture, (x, y))
            label = f"{frame.node} · shot {frame.shot} · {moment}"
            draw.text((x, y + THUMB[1] + 4), label, font=font, fill="#111827")
    return sheet
