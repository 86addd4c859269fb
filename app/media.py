"""Manifests for one debtor: the shared segments of a scene, and their own personal ones.

Personal segments are rendered when a debtor first opens their link in a language, then
cached like every other segment; a lock per debtor and language keeps two requests from
rendering the same thing at once.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from app.models import Debtor
from app.scenes import LoadedScene
from render.content import ContentRoot
from render.executors import LocalExecutor
from render.formatting import Value, parse_variable
from render.pipeline import Debtor as DebtorValues
from render.pipeline import manifest_path, render_scene


class Media:
    def __init__(self, content: ContentRoot, out: Path) -> None:
        self.content = content
        self.out = out
        self._locks: defaultdict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._executor = LocalExecutor(start="thread")  # the server has threads

    def manifest(self, loaded: LoadedScene, debtor: Debtor, language: str) -> dict[str, Any]:
        """Every node of the scene for this debtor, personal nodes with their own segments."""
        scene = loaded.scene
        generic = self._ensure(("scene", f"{scene.id}/{language}"), manifest_path(self.out, scene.id, language),
                               lambda: render_scene(scene, self.content, self.out, languages=[language], executor=self._executor))  # fmt: skip
        reference = f"d{debtor.id}"
        values = DebtorValues(reference, debtor_values(loaded, debtor))
        personal = self._ensure(
            ("debtor", f"{debtor.id}/{language}"),
            manifest_path(self.out, scene.id, language, reference),
            lambda: render_scene(
                scene,
                self.content,
                self.out,
                languages=[language],
                debtor=values,
                executor=self._executor,
            ),
        )
        nodes = {**generic["nodes"], **personal["nodes"]}
        return {**generic, "nodes": nodes}

    def _ensure(self, name: tuple[str, str], path: Path, render: Any) -> dict[str, Any]:
        with self._guard:
            lock = self._locks[name]
        with lock:
            if not path.is_file():
                render()
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data


def debtor_values(loaded: LoadedScene, debtor: Debtor) -> dict[str, Value]:
    """The debtor's variables as typed values (the CSV text was checked on import)."""
    return {
        name: parse_variable(kind, debtor.values[name])
        for name, kind in loaded.scene.variables.items()
        if name in debtor.values
    }
