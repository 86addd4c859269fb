"""The studio's node preview and its voice-check results.

A preview renders one node's segment in one language for the sample debtor of the voice check
(:func:`render.voice_check.sample_values`) with the same code a campaign render uses
(``plan_segment`` and ``render_segment``). Its files go to a media store of their own under the
app's media folder (``<media>/studio``), never into the content root, and are served only to
signed-in users: a segment is named by the hash of everything in it, so a second preview of an
unchanged node is a file check, not an encode.

The voice check (``vidpay voice check``) leaves its last results in
``<root>/reports/voice-check/<scene>.json``; the scene page shows them, or says how to make them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

from app.cli.voice import report_path
from app.deps import StateDep
from app.web.admin_access import AdminRoute, CurrentUser
from render.cache import MediaStore, prune
from render.contact_sheet import sample_plan
from render.content import ContentRoot
from render.plan import SegmentPlan
from render.problems import ContentError
from render.scene import Scene
from render.segment import RenderError, SegmentResult, render_segment, segment_files
from render.tts.base import SpeechError
from render.voice_check import SAMPLE_AMOUNT, SAMPLE_DATE, SAMPLE_NAMES

router = APIRouter(route_class=AdminRoute)

STORE = "studio"  # under the media folder
MEDIA_TYPES = {"mp4": "video/mp4", "vtt": "text/vtt", "jpg": "image/jpeg"}
_MEDIA_NAME = re.compile(r"([0-9a-f]{40})\.(mp4|vtt|jpg)")
KEEP_SECONDS = 7 * 86400  # a preview nobody asked for again in a week is deleted


@dataclass(frozen=True)
class PreviewAnswer:
    """What the preview form got: a segment to play, or why not (with the page's status)."""

    status: int
    node: str
    language: str
    message: str = ""  # set when there is nothing to play
    video: str = ""
    captions: str = ""
    poster: str = ""
    duration: float = 0.0
    seconds: float = 0.0  # how long the answer took
    cached: bool = False


def preview_languages(scene: Scene) -> list[str]:
    """The languages a node can be previewed in: the debtors', and the source language."""
    return list(dict.fromkeys([*scene.languages, scene.source_language]))


def sample_description() -> str:
    """Who the sample debtor is, in words for the page."""
    names = ", ".join(f"{name} in {lang}" for lang, name in SAMPLE_NAMES.items())
    return f"{names}; {SAMPLE_AMOUNT} euros due on {SAMPLE_DATE.isoformat()}"


def media_url(key: str, extension: str) -> str:
    return f"/admin/studio/media/{key}.{extension}"


def preview_answer(
    scene: Scene | None, root: ContentRoot, media_dir: Path, node: str | None, lang: str | None
) -> PreviewAnswer:
    """The preview the form asks for; a wrong node or language is a message, not a traceback."""
    node, lang = (node or "").strip(), (lang or "").strip()
    if scene is None:
        message = "This scene has errors that stop a preview: fix the problems listed below."
        return PreviewAnswer(422, node, lang, message)
    node = node or scene.start
    lang = lang or scene.languages[0]
    if node not in scene.nodes:
        return PreviewAnswer(
            404, node, lang, f"The scene has no node '{node}'. Pick one in the form."
        )
    if lang not in preview_languages(scene):
        offered = ", ".join(preview_languages(scene))
        message = f"The scene is not offered in '{lang}'. Pick one of: {offered}."
        return PreviewAnswer(400, node, lang, message)
    started = time.perf_counter()
    try:
        plan = plan_preview(scene, root, node, lang)
        cached = MediaStore(media_dir / STORE).has("segments", plan.key, segment_files(plan))
        result = render_preview(plan, media_dir / STORE)
    except ContentError as exc:
        return PreviewAnswer(422, node, lang, f"The {lang} catalogue cannot be read: {exc}")
    except (RenderError, SpeechError) as exc:
        return PreviewAnswer(500, node, lang, f"The preview could not be rendered: {exc}")
    return PreviewAnswer(
        200, node, lang, video=media_url(plan.key, "mp4"), captions=media_url(plan.key, "vtt"),
        poster=media_url(plan.key, "jpg"), duration=result.duration,
        seconds=time.perf_counter() - started, cached=cached,
    )  # fmt: skip


def plan_preview(scene: Scene, root: ContentRoot, node_id: str, language: str) -> SegmentPlan:
    """The node as a whole segment for the sample debtor (as the contact sheet draws it)."""
    return sample_plan(scene, root, node_id, language)


def render_preview(plan: SegmentPlan, out: Path) -> SegmentResult:
    """Render the plan into the studio's store unless it is there; a fresh render clears
    previews untouched for a week, so the store does not grow without end."""
    store = MediaStore(out)
    if store.has("segments", plan.key, segment_files(plan)):
        for extension in segment_files(plan):  # in use: young again, kept by the next prune
            store.path("segments", plan.key, extension).touch()
        return render_segment(plan, out)
    result = render_segment(plan, out)
    prune(out, keep={plan.key, *result.uses}, older_than=KEEP_SECONDS)
    return result


@router.get("/media/{name}")
def preview_media(name: str, user: CurrentUser, state: StateDep) -> Response:
    """A preview's video, captions or poster, for signed-in users only."""
    found = _MEDIA_NAME.fullmatch(name)
    if found is None:
        raise HTTPException(status_code=404, detail="There is no such preview file.")
    key, extension = found.groups()
    path = MediaStore(state.settings.media_dir / STORE).path("segments", key, extension)
    if not path.is_file():
        raise HTTPException(status_code=404, detail="This preview is gone: preview it again.")
    return FileResponse(path, media_type=MEDIA_TYPES[extension])


# --- the voice check's results ------------------------------------------------------------


@dataclass(frozen=True)
class HeardLine:
    node: str
    shot: int
    text: str
    heard: str
    wer: float
    facts: dict[str, bool]
    over: bool


@dataclass(frozen=True)
class HeardLanguage:
    language: str
    lines: list[HeardLine]

    @property
    def mean(self) -> float:
        return sum(line.wer for line in self.lines) / len(self.lines) if self.lines else 0.0

    @property
    def over(self) -> int:
        return sum(line.over for line in self.lines)


@dataclass(frozen=True)
class VoiceReport:
    """The last voice check of a scene, or how to make one (``found`` False)."""

    path: str  # relative to the content root
    command: str
    found: bool = False
    problem: str = ""  # the report is there but cannot be read
    checked_at: str = ""
    threshold: float = 0.0
    stale: bool = False  # the scene file changed after the check
    languages: list[HeardLanguage] = field(default_factory=list)


def voice_report(root: ContentRoot, scene_id: str, scene_path: Path) -> VoiceReport:
    """The scene's voice-check report as the page shows it, grouped by language."""
    path = report_path(root.path, scene_id)
    shown = path.relative_to(root.path).as_posix()
    command = f"vidpay voice check {scene_id} --root {root.path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        lines = data["lines"]
        threshold = float(data.get("threshold", 0.0))
        stale = scene_path.stat().st_mtime > path.stat().st_mtime
    except FileNotFoundError:
        return VoiceReport(shown, command)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        problem = f"The report cannot be read ({type(exc).__name__}): run the check again."
        return VoiceReport(shown, command, found=True, problem=problem)
    grouped: dict[str, list[HeardLine]] = {}
    for line in lines if isinstance(lines, list) else []:
        if (read := _heard_line(line)) is not None:
            grouped.setdefault(read[0], []).append(read[1])
    languages = [HeardLanguage(lang, found) for lang, found in grouped.items()]
    return VoiceReport(shown, command, True, "", str(data.get("checked_at", "")), threshold,
                       stale, languages)  # fmt: skip


def _heard_line(line: Any) -> tuple[str, HeardLine] | None:
    """One line of the report and its language, or None when it is not one the check writes."""
    try:
        facts = {str(name): bool(ok) for name, ok in dict(line.get("facts") or {}).items()}
        return str(line["language"]), HeardLine(
            str(line["node"]), int(line["shot"]), str(line.get("text", "")),
            str(line.get("heard", "")), float(line["wer"]), facts, bool(line.get("over")),
        )  # fmt: skip
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
