"""Scenes as the web app uses them: loaded once, reloaded when a file changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from app.case_values import uses_case_values
from render.content import ContentRoot
from render.formatting import placeholder_values
from render.i18n import load_translations
from render.scene import Scene
from render.texts import fill
from render.validate import load_scene


@dataclass(frozen=True)
class LoadedScene:
    scene: Scene
    translations: dict[str, dict[str, str]]  # language -> msgid -> msgstr

    def say(self, language: str, values: dict[str, Any]) -> Callable[[str], str]:
        """Source text -> the debtor's language, placeholders filled with written values."""
        table = self.translations.get(language, {})
        filled = placeholder_values(self.scene.variables, values, self.scene.contact, language)
        return lambda text: fill(table.get(text, text), filled)

    @cached_property
    def says_case_values(self) -> bool:
        """Whether a text says a case value: looked up once per loaded scene, not once per
        debtor (it reads every text of the scene)."""
        return uses_case_values(self.scene)


@dataclass
class SceneBook:
    """The content root's scenes, keyed by id; a changed scene or catalogue is read again.

    Files are looked at no more than once a ``RECHECK`` seconds per scene: the events API asks
    for a scene with every event.
    """

    RECHECK = 1.0
    root: ContentRoot
    _loaded: dict[str, tuple[float, LoadedScene]] = field(default_factory=dict)
    _checked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, scene_id: str) -> LoadedScene:
        now = time.monotonic()
        with self._lock:
            cached = self._loaded.get(scene_id)
            if cached and now - self._checked.get(scene_id, 0.0) < self.RECHECK:
                return cached[1]
        path = self.root.find_scene(scene_id)
        stamp = self._stamp(path, scene_id)
        with self._lock:
            self._checked[scene_id] = now
            if cached and cached[0] == stamp:
                return cached[1]
        scene = load_scene(path, self.root)
        translations = {
            language: load_translations(self.root, scene.id, language)
            for language in scene.languages
            if language != scene.source_language
        }
        loaded = LoadedScene(scene, translations)
        with self._lock:
            self._loaded[scene_id] = (stamp, loaded)
        return loaded

    def _stamp(self, path: Path, scene_id: str) -> float:
        files = [path, *self.root.translations_dir.glob(f"*/LC_MESSAGES/{scene_id}.po")]
        return max(f.stat().st_mtime for f in files)
