"""Manifests for one debtor: the shared segments of a scene, and their own personal ones.

Personal segments are rendered when a debtor first opens their link in a language, then
cached like every other segment; a lock per debtor and language keeps two requests from
rendering the same thing at once. A debtor's manifest records the ``values_key`` of what it
was rendered from: when a case value it says has changed (an instalment paid), its personal
nodes are planned again, and only the segments whose words changed are rendered.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from app.case import Case
from app.case_values import case_values, uses_case_values
from app.models import Debtor
from app.scenes import LoadedScene
from render.content import ContentRoot
from render.executors import LocalExecutor
from render.formatting import Value, parse_variable
from render.pipeline import Debtor as DebtorValues
from render.pipeline import manifest_path, render_scene, values_key


class Media:
    def __init__(self, content: ContentRoot, out: Path) -> None:
        self.content = content
        self.out = out
        self._locks: defaultdict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._executor = LocalExecutor(start="thread")  # the server has threads

    def manifest(
        self, loaded: LoadedScene, debtor: Debtor, language: str, case: Case | None = None
    ) -> dict[str, Any]:
        """Every node of the scene for this debtor, personal nodes with their own segments;
        rendered again when the values they say (the case's too) are not those of last time."""
        scene = loaded.scene
        generic = self._ensure(("scene", f"{scene.id}/{language}"), manifest_path(self.out, scene.id, language),
                               lambda: render_scene(scene, self.content, self.out, languages=[language], executor=self._executor))  # fmt: skip
        reference = f"d{debtor.id}"
        values = DebtorValues(reference, personal_values(loaded, debtor, case))
        personal = self._ensure(
            ("debtor", f"{debtor.id}/{language}"),
            manifest_path(self.out, scene.id, language, reference),
            stamp=values_key(values.values),
            render=lambda: render_scene(
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

    def _ensure(
        self, name: tuple[str, str], path: Path, render: Any, stamp: str | None = None
    ) -> dict[str, Any]:
        with self._guard:
            lock = self._locks[name]
        with lock:
            if not path.is_file() or (stamp is not None and _stamp(path) != stamp):
                render()
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data


def _stamp(path: Path) -> str | None:
    stamp = json.loads(path.read_text(encoding="utf-8")).get("values")
    return str(stamp) if stamp is not None else None


def personal_values(loaded: LoadedScene, debtor: Debtor, case: Case | None) -> dict[str, Value]:
    """What the debtor's personal nodes say: their variables and, when the scene uses them,
    the case values (a variable of the same name wins)."""
    values = debtor_values(loaded, debtor)
    if case is None or not uses_case_values(loaded.scene):
        return values
    return {**case_values(case, debtor), **values}


def debtor_values(loaded: LoadedScene, debtor: Debtor) -> dict[str, Value]:
    """The debtor's variables as typed values (the CSV text was checked on import)."""
    return {
        name: parse_variable(kind, debtor.values[name])
        for name, kind in loaded.scene.variables.items()
        if name in debtor.values
    }
