"""Manifests for one debtor: the shared segments of a scene, and their own voice tracks.

The shared manifest of a scene and language is rendered once (the first debtor to open a link
in that language waits for it, unless ``vidpay render`` or a campaign render made it). A
personal node's picture is part of it; what is the debtor's own is a voice track per personal
node (their lines spoken, timings, captions, and the texts the player draws over the picture).
A campaign render prepares them ahead; else the link prepares the node it opens at, and the
player asks for the others (:meth:`Media.track`) while the one before plays, so a first open
costs one node's lines. A lock per debtor and language keeps two requests from preparing the
same thing at once. Each track records a stamp of what it says: when a case value changes (an
instalment paid), it is prepared again.

The video the player asks for a personal node is joined from the picture and the track on
request (:func:`personal_video`): a few milliseconds, and nothing stored per debtor but audio.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from contextlib import suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.case import Case
from app.case_values import case_values
from app.models import Debtor
from app.scenes import LoadedScene, SceneBook
from render.audio import load_dsp
from render.content import ContentRoot
from render.debtors import DebtorJob, current_tracks, plan_debtor, prepare_debtor
from render.executors import LocalExecutor
from render.formatting import Value, format_money, parse_variable
from render.mux import mux
from render.pipeline import manifest_path, render_scene
from render.problems import ContentError
from render.tts.base import SpeechError
from render.voices import engine_for

COPIES = 32  # joined videos kept in memory: a browser asks for one in several ranges


class Media:
    def __init__(self, content: ContentRoot, out: Path) -> None:
        self.content = content
        self.out = out
        self._locks: defaultdict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._executor = LocalExecutor(start="thread")  # the server has threads
        self._copies: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._read: dict[Path, tuple[int, dict[str, Any]]] = {}  # shared manifests (read only)

    def warm(self, scenes: SceneBook) -> list[str]:
        """Load what the first debtor would otherwise wait for: the signal processing, each
        scene's voices and each language's formats. A burst of first opens (links sent by SMS
        are opened within minutes) then meets a server that is ready; returns the scenes."""
        load_dsp()
        warmed = []
        for path in self.content.scene_files():
            try:
                scene = scenes.get(path.stem).scene
            except (ContentError, LookupError, OSError):
                continue  # a broken scene is reported where it is used
            with tempfile.TemporaryDirectory() as work:
                for language in scene.languages:
                    with suppress(SpeechError, OSError):
                        engine_for(self.content, language).samples("ok", Path(work))
                    format_money(Decimal("1.00"), language)
            warmed.append(scene.id)
        return warmed

    def manifest(
        self, loaded: LoadedScene, debtor: Debtor, language: str, case: Case | None = None
    ) -> dict[str, Any]:
        """Every node of the scene for this debtor, and only the personal nodes they can reach
        from where their case starts them: the one the video starts at with its ``track``
        (prepared now if need be), the others with theirs if prepared, else ``pending``."""
        generic = self._shared(loaded, language)
        job = debtor_job(loaded, debtor, language, case, generic, self.content)
        start = loaded.scene.entry_for(case.status) if case is not None else loaded.scene.start
        tracks = self._tracks(job, {start})
        wanted = {plan.node_id for plan in job.tracks}
        nodes = {}
        for node_id, node in generic["nodes"].items():
            if not node.get("personal"):
                nodes[node_id] = node
            elif node_id in tracks:
                nodes[node_id] = {**node, "track": tracks[node_id]}
            elif node_id in wanted:
                nodes[node_id] = {**node, "pending": True}
        return {**generic, "nodes": nodes}

    def track(
        self, loaded: LoadedScene, debtor: Debtor, language: str, node_id: str, case: Case | None
    ) -> dict[str, Any] | None:
        """A personal node with this debtor's ``track``, prepared now if need be; None when
        they have no such node (not personal, or not reachable for them)."""
        generic = self._shared(loaded, language)
        node = generic["nodes"].get(node_id)
        job = debtor_job(loaded, debtor, language, case, generic, self.content)
        if node is None or node_id not in {plan.node_id for plan in job.tracks}:
            return None
        return {**node, "track": self._tracks(job, {node_id})[node_id]}

    def personal_video(
        self, loaded: LoadedScene, debtor: Debtor, language: str, node_id: str, case: Case | None
    ) -> tuple[bytes, str] | None:
        """The MP4 of a personal node for this debtor and an ETag, or None when there is no
        such node for them; joined on request and kept in memory for the next few ranges."""
        node = self.track(loaded, debtor, language, node_id, case)
        if node is None:
            return None
        track = node["track"]
        tag = copy_tag(node)
        name = (media_reference(debtor.id), language, tag)
        with self._guard:
            if name in self._copies:
                self._copies.move_to_end(name)
                return self._copies[name], tag
        frames = [tuple(f) for f in node["frames"]]
        times = [tuple(t) for t in track["shots"]]
        body = mux(self.out / node["video"], self.out / track["audio"], frames, times)
        with self._guard:
            self._copies[name] = body
            while len(self._copies) > COPIES:
                self._copies.popitem(last=False)
        return body, tag

    def _shared(self, loaded: LoadedScene, language: str) -> dict[str, Any]:
        scene = loaded.scene
        return self._ensure(
            ("scene", f"{scene.id}/{language}"),
            manifest_path(self.out, scene.id, language),
            lambda: render_scene(
                scene, self.content, self.out, languages=[language], executor=self._executor
            ),
        )

    def _tracks(self, job: DebtorJob, needed: set[str]) -> dict[str, Any]:
        """The debtor's up-to-date tracks by node, the ``needed`` ones prepared if missing."""
        with self._guard:
            lock = self._locks[("debtor", f"{job.reference}/{job.language}")]
        with lock:
            current = current_tracks(job, self.out)
            if needed & ({plan.node_id for plan in job.tracks} - set(current)):
                prepare_debtor(job, self.out, only=needed)
                current = current_tracks(job, self.out)
            return current

    def _ensure(
        self, name: tuple[str, str], path: Path, render: Callable[[], Any]
    ) -> dict[str, Any]:
        with self._guard:
            lock = self._locks[name]
        with lock:
            if not path.is_file():
                render()
            stamp = path.stat().st_mtime_ns
            cached = self._read.get(path)
            if cached is None or cached[0] != stamp:  # every request of a debtor reads it
                cached = (stamp, json.loads(path.read_text(encoding="utf-8")))
                self._read[path] = cached
            return cached[1]


def copy_tag(node: dict[str, Any]) -> str:
    """Names a debtor's copy of a personal node: its picture and its track."""
    return f"{Path(node['video']).stem[:12]}-{Path(node['track']['audio']).stem}"


def debtor_job(
    loaded: LoadedScene,
    debtor: Debtor,
    language: str,
    case: Case | None,
    shared: dict[str, Any],
    content: ContentRoot,
) -> DebtorJob:
    """What this debtor's tracks say over the pictures of the ``shared`` manifest, planned
    without speaking anything (cheap); from where their case starts them."""
    pictures = {
        node_id: Path(node["video"]).stem
        for node_id, node in shared["nodes"].items()
        if node.get("personal")
    }
    return plan_tracks(loaded, debtor, language, case, pictures, content)


def plan_tracks(
    loaded: LoadedScene,
    debtor: Debtor,
    language: str,
    case: Case | None,
    pictures: dict[str, str],
    content: ContentRoot,
) -> DebtorJob:
    """The one way a debtor's tracks are planned, for a link that opens and for a campaign
    render alike (``pictures``: the key of each personal node's picture)."""
    scene = loaded.scene
    return plan_debtor(
        scene,
        language,
        root=content,
        translations=loaded.translations.get(language, {}),
        values=personal_values(loaded, debtor, case),
        pictures=pictures,
        reference=media_reference(debtor.id),
        start=scene.entry_for(case.status) if case is not None else scene.start,
    )


def media_reference(debtor_id: int) -> str:
    """A debtor's name in the media folder (``debtors/d<id>/``): their id, never their own
    reference, which is personal data and may hold any character."""
    return f"d{debtor_id}"


def personal_values(loaded: LoadedScene, debtor: Debtor, case: Case | None) -> dict[str, Value]:
    """What the debtor's personal nodes say: their variables and, when the scene uses them,
    the case values (a variable of the same name wins)."""
    values = debtor_values(loaded, debtor)
    if case is None or not loaded.says_case_values:
        return values
    return {**case_values(case, debtor), **values}


def debtor_values(loaded: LoadedScene, debtor: Debtor) -> dict[str, Value]:
    """The debtor's variables as typed values (the CSV text was checked on import)."""
    return {
        name: parse_variable(kind, debtor.values[name])
        for name, kind in loaded.scene.variables.items()
        if name in debtor.values
    }
