"""Illustrations: small scenes of pictures a shot shows (``show: {illustration: calendar}``).

The pictures are Microsoft's Fluent Emoji (flat, MIT), vendored in
``static/illustrations/art/`` by ``scripts/vendor_illustrations.py`` (nothing is fetched at
render time). ``static/illustrations/scenes.toml`` composes them: a house with its energy, a
calendar whose page turns, coins going into a wallet. A content root adds its own scenes and
art under its ``static/illustrations/``; its scenes win a name. The icons stay for buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError

from render.content import BUNDLED, ContentRoot
from render.problems import ContentError, Problem, display_path
from render.scene import StrictModel
from render.toml_files import model_problems, read_toml

FOLDER = "illustrations"
SCENES_FILE = "scenes.toml"
Enter = Literal["fade", "pop", "slide-up", "slide-left", "drop"]
Emphasis = Literal["nod", "page-turn", "draw"]
Fraction = Annotated[float, Field(ge=0, le=1)]


class Part(StrictModel):
    """One picture of an illustration, placed in its square."""

    art: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    x: Fraction = 0.5
    y: Fraction = 0.5
    size: Annotated[float, Field(gt=0, le=1)] = 0.8
    enter: Enter = "fade"
    delay: Annotated[float, Field(ge=0, le=5)] = 0.0
    emphasis: Emphasis | None = None


class Illustration(StrictModel):
    about: str = ""
    parts: Annotated[list[Part], Field(min_length=1, max_length=6)]


@dataclass(frozen=True)
class Illustrations:
    """Every illustration a content root offers, and the art files they are drawn from."""

    scenes: dict[str, Illustration]
    art: dict[str, Path]

    def art_of(self, part: Part) -> Path:
        return self.art[part.art]


def load_illustrations(root: ContentRoot) -> Illustrations:
    """The bundled illustrations and the root's own; ``ContentError`` names the file and line
    of a broken scene or of a part whose art is not there. Read once per version of the files
    (every shot that shows an illustration asks)."""
    bases = tuple(_bases(root))
    stamps = tuple(_stamp(base / SCENES_FILE) + _stamp(base / "art") for base in bases)
    return _load(bases, stamps)


def _stamp(path: Path) -> tuple[int, ...]:
    try:
        found = path.stat()
    except OSError:
        return (0,)
    return (found.st_ino, found.st_size, found.st_mtime_ns)


@lru_cache(maxsize=16)
def _load(bases: tuple[Path, ...], _stamps: tuple[tuple[int, ...], ...]) -> Illustrations:
    art: dict[str, Path] = {}
    scenes: dict[str, Illustration] = {}
    files: list[Path] = []
    for base in bases:
        if (base / "art").is_dir():
            art.update({p.stem: p for p in (base / "art").glob("*.svg")})
        if (base / SCENES_FILE).is_file():
            files.append(base / SCENES_FILE)
    problems: list[Problem] = []
    for path in files:
        found, broken = _read_scenes(path, art)
        scenes.update(found)
        problems += broken
    if problems:
        raise ContentError(problems)
    return Illustrations(scenes, art)


def _bases(root: ContentRoot) -> list[Path]:
    bundled = BUNDLED / "static" / FOLDER
    own = root.static_dir / FOLDER
    return [bundled] if own.resolve() == bundled.resolve() else [bundled, own]


def _read_scenes(path: Path, art: dict[str, Path]) -> tuple[dict[str, Illustration], list[Problem]]:
    data, text = read_toml(path)
    shown = display_path(path)
    scenes: dict[str, Illustration] = {}
    problems: list[Problem] = []
    for name, body in data.items():
        try:
            scene = Illustration.model_validate(body)
        except ValidationError as exc:
            problems += model_problems(exc, shown, text, "[calendar]", prefix=(name,))
            continue
        missing = sorted({p.art for p in scene.parts} - set(art))
        if missing:
            line = _line_of_table(text, name)
            message = f"{name}: no art {', '.join(missing)} in static/{FOLDER}/art/"
            problems.append(Problem(shown, line, 1, message))
            continue
        scenes[name] = scene
    return scenes, problems


def _line_of_table(text: str, name: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == f"[{name}]":
            return number
    return 1
