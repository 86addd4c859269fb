"""A debtor's voice tracks of a scene in one language: what to prepare (a ``DebtorJob``, plain
data for a worker process or Celery), preparing it, and the manifest that lists the tracks.

A campaign render prepares every track a debtor can reach; the web app prepares the one a link
opens at and the others as the player asks for them, so a link nobody prepared costs its first
node's lines. Each track in the manifest carries a stamp of what it says and shows, over which
picture: one with another stamp (a payment came in, the scene or the voice changed) is
prepared again, the others are kept.

A debtor's files live in one folder, ``debtors/<reference>/``, which is all the purge removes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from render.cache import atomic_path, content_key
from render.content import ContentRoot
from render.ffmpeg import FfmpegError
from render.formatting import Value
from render.plan import sayer
from render.scene import Scene
from render.segment import RenderError
from render.tracks import Track, TrackPlan, _plan_track, _work, prepare_track
from render.tts.base import SpeechError

MANIFEST_VERSION = 2


@dataclass(frozen=True)
class DebtorJob:
    """What to prepare for one debtor: plain data, sent to a worker process or to Celery."""

    reference: str  # names their folder: d<debtor id> in the web app
    scene_id: str
    language: str
    tracks: tuple[TrackPlan, ...]

    @property
    def stamp(self) -> str:
        """What all the tracks say and show, over which pictures."""
        return content_key({"debtor": sorted(node_stamp(t) for t in self.tracks)})


def node_stamp(plan: TrackPlan) -> str:
    """What one track says and shows, over which picture."""
    texts = [list(shot.texts) for shot in plan.shots]
    return content_key({"track": [plan.node_id, plan.picture, plan.key, texts]})


def plan_debtor(
    scene: Scene,
    language: str,
    *,
    root: ContentRoot,
    translations: Mapping[str, str],
    values: Mapping[str, Value],
    pictures: Mapping[str, str],
    reference: str,
    start: str | None = None,
) -> DebtorJob:
    """The tracks of the personal nodes a debtor can reach from ``start`` (default: every
    personal node); ``pictures`` are the keys of their shared pictures in ``language``."""
    wanted = scene.reachable_from(start) if start is not None else set(scene.nodes)
    sayers = (  # the debtor's values formatted once, for all their nodes
        sayer(scene, language, translations, values),
        sayer(scene, language, translations, values, spoken=True),
    )
    tracks = tuple(
        _plan_track(scene, node, language, root, sayers, picture)
        for node, picture in pictures.items()
        if node in wanted
    )
    return DebtorJob(reference, scene.id, language, tracks)


def prepare_debtor(job: DebtorJob, out: Path, only: Iterable[str] | None = None) -> Path:
    """Prepare a debtor's tracks (``only`` these nodes, else all) that are not up to date, and
    write their manifest; returns its path. ``RenderError`` says which scene, debtor, node and
    language failed, and why."""
    current = current_tracks(job, out)
    chosen = set(only) if only is not None else None
    missing = [
        plan
        for plan in job.tracks
        if plan.node_id not in current and (chosen is None or plan.node_id in chosen)
    ]
    path = debtor_manifest_path(out, job.reference, job.scene_id, job.language)
    if not missing and path.is_file() and _listed(path) == set(current):
        return path
    folder = audio_folder(out, job.reference, job.scene_id, job.language)
    made = {}
    with tempfile.TemporaryDirectory(dir=_work(out)) as work:
        for plan in missing:
            try:
                made[plan.node_id] = _entry(plan, prepare_track(plan, out, folder, Path(work)))
            except (SpeechError, FfmpegError, av.FFmpegError, OSError) as exc:
                where = f"scene {job.scene_id}, debtor {job.reference}, node {plan.node_id}"
                raise RenderError(f"{where}, language {job.language}: {exc}") from exc
    return write_debtor_manifest(out, job, {**current, **made})


def current_tracks(job: DebtorJob, out: Path) -> dict[str, dict[str, Any]]:
    """The tracks of the debtor's manifest that are up to date with ``job``, by node."""
    path = debtor_manifest_path(out, job.reference, job.scene_id, job.language)
    manifest = read_debtor_manifest(path)
    if manifest is None:
        return {}
    listed = manifest.get("nodes", {})
    found = {}
    for plan in job.tracks:
        entry = listed.get(plan.node_id)
        if entry and entry.get("stamp") == node_stamp(plan) and (out / entry["audio"]).is_file():
            found[plan.node_id] = entry
    return found


def prepared(job: DebtorJob, out: Path) -> dict[str, Any] | None:
    """The debtor's tracks when every one of ``job`` is up to date, by node; else None."""
    current = current_tracks(job, out)
    return current if len(current) == len(job.tracks) else None


def _entry(plan: TrackPlan, track: Track) -> dict[str, Any]:
    return {
        "stamp": node_stamp(plan),
        "picture": track.picture,
        "audio": track.audio,
        "duration": round(track.duration, 3),
        "shots": [list(s) for s in track.shots],
        "cues": list(track.cues),
        "texts": list(track.texts),
    }


def _listed(path: Path) -> set[str]:
    manifest = read_debtor_manifest(path)
    return set(manifest.get("nodes", {})) if manifest else set()


def debtor_folder(out: Path, reference: str) -> Path:
    """Everything of one debtor in the media folder (what the purge removes)."""
    return out / "debtors" / reference


def debtor_manifest_path(out: Path, reference: str, scene_id: str, language: str) -> Path:
    return debtor_folder(out, reference) / scene_id / f"{language}.json"


def audio_folder(out: Path, reference: str, scene_id: str, language: str) -> Path:
    return debtor_folder(out, reference) / scene_id / language


def write_debtor_manifest(out: Path, job: DebtorJob, nodes: dict[str, dict[str, Any]]) -> Path:
    """Write the manifest of ``nodes`` (of the job's nodes only), then remove the audio of
    earlier tracks it no longer names."""
    order = [plan.node_id for plan in job.tracks if plan.node_id in nodes]
    path = debtor_manifest_path(out, job.reference, job.scene_id, job.language)
    manifest = {"version": MANIFEST_VERSION, "scene": job.scene_id, "language": job.language,
                "debtor": job.reference, "nodes": {n: nodes[n] for n in order}}  # fmt: skip
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    named = {Path(nodes[n]["audio"]).name for n in order}
    folder = audio_folder(out, job.reference, job.scene_id, job.language)
    for stale in folder.glob("*.m4a") if folder.is_dir() else ():
        if stale.name not in named:
            stale.unlink(missing_ok=True)
    return path


def read_debtor_manifest(path: Path) -> dict[str, Any] | None:
    """A debtor's manifest, or None when there is none (or it cannot be read: prepare again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION else None


def prepare_batch(jobs: list[DebtorJob], out: Path) -> list[str | None]:
    """Prepare several debtors (a worker's task): per job, None or what went wrong; one
    debtor's failure does not stop the others."""
    errors: list[str | None] = []
    for job in jobs:
        try:
            prepare_debtor(job, out)
            errors.append(None)
        except RenderError as exc:
            errors.append(str(exc))
    return errors
