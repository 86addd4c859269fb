"""A content root: the folder a creditor keeps its scenes, catalogues, voice-overs and assets in.

The project's own folders form the bundled defaults (icons, the default brand); a content
root may add to them. Content roots live anywhere, so nothing here assumes the working
directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from render.loader import read_yaml
from render.problems import ContentError

BUNDLED = Path(__file__).resolve().parent.parent
SCENE_SUFFIXES = (".yaml", ".yml")


class SceneNotFoundError(LookupError):
    """A scene named on the command line does not exist (a usage error, not a content error)."""


@dataclass(frozen=True)
class ContentRoot:
    path: Path

    @property
    def scenes_dir(self) -> Path:
        return self.path / "scenes"

    @property
    def translations_dir(self) -> Path:
        return self.path / "translations"

    @property
    def voiceovers_dir(self) -> Path:
        return self.path / "voiceovers"

    @property
    def static_dir(self) -> Path:
        return self.path / "static"

    def scene_files(self) -> list[Path]:
        """Every scene file in the root, sorted by name."""
        if not self.scenes_dir.is_dir():
            return []
        return sorted(p for p in self.scenes_dir.iterdir() if p.suffix in SCENE_SUFFIXES)

    def find_scene(self, name: str) -> Path:
        """A scene given as a path, a file name in ``scenes/`` or a scene id."""
        as_path = Path(name)
        if as_path.suffix in SCENE_SUFFIXES and as_path.is_file():
            return as_path
        for suffix in SCENE_SUFFIXES:
            candidate = self.scenes_dir / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        for path in self.scene_files():
            if _declared_id(path) == name:
                return path
        known = ", ".join(p.stem for p in self.scene_files()) or "none"
        raise SceneNotFoundError(f"no scene '{name}' in {self.scenes_dir} (scenes there: {known})")

    def pot_path(self, scene_id: str) -> Path:
        return self.translations_dir / f"{scene_id}.pot"

    def po_path(self, scene_id: str, language: str) -> Path:
        return self.translations_dir / language / "LC_MESSAGES" / f"{scene_id}.po"

    @cached_property
    def icons(self) -> dict[str, Path]:
        """Icon name -> SVG file; the root's own icons win over the bundled ones."""
        found: dict[str, Path] = {}
        for folder in (BUNDLED / "static" / "icons", self.static_dir / "icons"):
            if folder.is_dir():
                found.update({p.stem: p for p in folder.glob("*.svg")})
        return found

    def static_file(self, relative: str) -> Path | None:
        """A file under the root's ``static/`` (or the bundled one), never outside it."""
        for base in (self.static_dir, BUNDLED / "static"):
            candidate = (base / relative).resolve()
            if candidate.is_relative_to(base.resolve()) and candidate.is_file():
                return candidate
        return None

    def brand_dir(self, brand: str) -> Path | None:
        for base in (self.static_dir, BUNDLED / "static"):
            candidate = base / "brand" / brand
            if candidate.is_dir():
                return candidate
        return None


def _declared_id(path: Path) -> str | None:
    try:
        data = read_yaml(path).data
    except ContentError:
        return None
    return data.get("id") if isinstance(data, dict) else None
