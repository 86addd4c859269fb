"""Rendering a scene: plan every segment, render the missing ones in parallel, write manifests.

A manifest per scene and language tells the player, for each node, which segment to play, its
captions, poster and duration, and the choices after it; for a personal node, its shared picture
with each shot's frames and the places of the personal texts. A debtor adds their own manifest
of voice tracks (:mod:`render.tracks`): no video is rendered per debtor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from render.cache import atomic_path, prune
from render.content import ContentRoot
from render.debtors import plan_debtor, prepare_debtor
from render.executors import Executor, LocalExecutor, Progress
from render.formatting import Value, parse_variable
from render.i18n import load_translations
from render.plan import SegmentPlan, personal_nodes, plan_segment, preview_values
from render.problems import ContentError, Problem, display_path
from render.scene import Scene
from render.segment import RenderError, SegmentResult
from render.theme import load_theme
from render.tts.base import SpeechError

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Debtor:
    """One debtor's values for the personal nodes; ``reference`` names their manifest."""

    reference: str
    values: Mapping[str, Value]


def read_debtor(path: Path, scene: Scene) -> Debtor:
    """A debtor JSON file: ``{"reference": "...", "name": "...", "amount_due": "1234.56"}``."""
    shown = display_path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, ValueError) as exc:
        raise ContentError([Problem(shown, 1, 1, f"cannot read debtor file: {exc}")]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("reference"), str):
        raise ContentError([Problem(shown, 1, 1, "a debtor file is an object with a 'reference'")])
    problems, values = [], {}
    for name, kind in scene.variables.items():
        if name not in data:
            problems.append(Problem(shown, 1, 1, f"missing value for variable '{name}' ({kind})"))
            continue
        try:
            values[name] = parse_variable(kind, str(data[name]))
        except ValueError as exc:
            problems.append(Problem(shown, 1, 1, f"{name}: {exc}"))
    if problems:
        raise ContentError(problems)
    return Debtor(_safe_reference(data["reference"]), values)


def _safe_reference(reference: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in reference)
    return safe[:80] or "debtor"


def plan_scene(
    scene: Scene,
    root: ContentRoot,
    *,
    languages: Iterable[str],
    nodes: Iterable[str] | None = None,
    debtor: Debtor | None = None,
) -> dict[str, dict[str, SegmentPlan]]:
    """language -> node -> plan. With a debtor, only the personal nodes' pictures."""
    theme = load_theme(root, scene.brand)
    personal = personal_nodes(scene)
    wanted = list(nodes) if nodes is not None else list(scene.nodes)
    if debtor is not None:
        wanted = [n for n in wanted if n in personal]
    # case values too, so a preview of an ``entry`` node reads like what a debtor sees
    values = debtor.values if debtor else preview_values(scene.placeholder_kinds())
    plans: dict[str, dict[str, SegmentPlan]] = {}
    for language in languages:
        translations = (
            {} if language == scene.source_language else load_translations(root, scene.id, language)
        )
        try:
            plans[language] = {
                node_id: plan_segment(
                    scene,
                    node_id,
                    language,
                    root=root,
                    theme=theme,
                    translations=translations,
                    values=values,
                    personal=node_id in personal,
                )
                for node_id in wanted
            }
        except SpeechError as exc:  # the voice is checked while planning (its identity)
            raise RenderError(f"scene {scene.id}, language {language}: {exc}") from exc
    return plans


def render_plans(
    plans: Iterable[SegmentPlan],
    out: Path,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> dict[str, SegmentResult]:
    """Render every distinct segment (cached ones cost a file check), with a local process pool
    unless another executor is given; key -> result. ``SegmentsFailedError`` (a
    ``RenderError``) names the segments that failed."""
    return (executor or LocalExecutor(jobs)).run(plans, out, progress)


def manifest_path(out: Path, scene_id: str, language: str) -> Path:
    return out / "manifests" / scene_id / f"{language}.json"


def write_manifest(
    scene: Scene,
    language: str,
    plans: Mapping[str, SegmentPlan],
    results: Mapping[str, SegmentResult],
    out: Path,
) -> Path:
    """Write (or update, for a subset of nodes) the manifest of one language."""
    path = manifest_path(out, scene.id, language)
    nodes: dict[str, Any] = {}
    if path.is_file():
        nodes = json.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    for node_id, plan in plans.items():
        result = results[plan.key]
        node = scene.nodes[node_id]
        nodes[node_id] = {
            "video": result.video,
            "captions": result.captions,
            "poster": result.poster,
            "duration": result.duration,
            "personal": plan.personal,
            "choices": [{"label": c.label, "icon": c.icon, "goto": c.goto} for c in plan.choices],
            "next": node.next,
            "action": node.action,
        }
        if plan.personal:  # the picture: its shots' frames, the places of the debtor's texts
            nodes[node_id].update(frames=[list(f) for f in result.shots], boxes=list(result.boxes))
    manifest = {
        "version": MANIFEST_VERSION,
        "scene": scene.id,
        "language": language,
        "start": scene.start,
        "nodes": {node_id: nodes[node_id] for node_id in scene.nodes if node_id in nodes},
    }
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def render_scene(
    scene: Scene,
    root: ContentRoot,
    out: Path,
    *,
    languages: Iterable[str],
    nodes: Iterable[str] | None = None,
    debtor: Debtor | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> list[Path]:
    """Render a scene (or some nodes); return the manifests. With a debtor: the pictures of
    the personal nodes (shared, so usually there) and the debtor's voice tracks."""
    plans = plan_scene(scene, root, languages=languages, nodes=nodes, debtor=debtor)
    everything = [plan for per_language in plans.values() for plan in per_language.values()]
    results = render_plans(everything, out, jobs=jobs, progress=progress, executor=executor)
    if debtor is not None:
        return [prepare_voice(scene, root, out, language, pictures, debtor)
                for language, pictures in plans.items()]  # fmt: skip
    manifests = [
        write_manifest(scene, language, per_language, results, out)
        for language, per_language in plans.items()
    ]
    prune(out, keep=_in_use(out))
    return manifests


def prepare_voice(
    scene: Scene,
    root: ContentRoot,
    out: Path,
    language: str,
    pictures: Mapping[str, SegmentPlan],
    debtor: Debtor,
    start: str | None = None,
) -> Path:
    """A debtor's voice tracks of the personal nodes (reachable from ``start``) in one
    language, those not up to date prepared; returns the manifest's path."""
    translations = (
        {} if language == scene.source_language else load_translations(root, scene.id, language)
    )
    try:
        job = plan_debtor(scene, language, root=root, translations=translations,
                          values=debtor.values, pictures={n: p.key for n, p in pictures.items()},
                          reference=debtor.reference,
                          start=start)  # fmt: skip
    except SpeechError as exc:
        raise RenderError(f"scene {scene.id}, language {language}: {exc}") from exc
    return prepare_debtor(job, out)  # what is up to date is kept, not written again


def _in_use(out: Path) -> set[str]:
    """Keys of every file a manifest still points at, directly or through a segment."""
    keep: set[str] = set()
    for manifest in (out / "manifests").rglob("*.json"):
        for node in json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {}).values():
            key = Path(node["video"]).stem
            keep.add(key)
            sidecar = out / Path(node["video"]).with_suffix(".json")
            if sidecar.is_file():
                keep.update(json.loads(sidecar.read_text(encoding="utf-8")).get("uses", []))
    return keep
