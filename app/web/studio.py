"""The studio: the content root's scenes as a designer sees them, for designers and operators.

``/admin/studio`` lists every scene file with its errors and warnings (a compliance finding
names its rule); ``/admin/studio/<scene>`` shows one scene: its graph (SVG, with the same in
words beside it), how far each language is translated, its problems with their lines, the
last voice check, and a preview of any node (:mod:`app.web.studio_preview`).

Nothing is cached between requests: a designer saves a file, reloads, and sees what is on disk
now. A scene is inspected in about 50 ms, so this costs little. The routes read files and may
run ffmpeg: they are plain ``def``, run in a thread, off the event loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from babel.messages.catalog import Catalog
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.deps import StateDep
from app.web import studio_preview
from app.web.admin_access import AdminRoute, CurrentUser
from app.web.admin_page import admin_page
from app.web.studio_preview import PreviewAnswer, preview_answer, voice_report
from render.content import ContentRoot
from render.coverage import Coverage, scene_coverage
from render.graph import to_svg
from render.i18n import read_catalogue
from render.problems import Problem
from render.scene import Scene
from render.validate import inspect_scene

router = APIRouter(prefix="/admin/studio", route_class=AdminRoute)
_VIEW_BOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
router.include_router(studio_preview.router)


def scene_file_or_404(scene_id: str, state: StateDep) -> Path:
    """The scene file named by the address (its file name without ``.yaml``); only files
    in the content root's ``scenes/`` can be named, so an address never reaches elsewhere."""
    for path in state.settings.content.scene_files():
        if path.stem == scene_id:
            return path
    raise HTTPException(status_code=404, detail=f"There is no scene '{scene_id}' in the studio.")


SceneFile = Annotated[Path, Depends(scene_file_or_404)]


@dataclass(frozen=True)
class Finding:
    """A problem as the page shows it: where (relative to the content root), what, which rule."""

    where: str
    severity: str
    message: str
    rule: str


@dataclass(frozen=True)
class SceneStatus:
    """A scene file's line in the list."""

    name: str  # the file name without its suffix: the scene page's address
    title: str
    errors: int
    warnings: int
    rules: tuple[str, ...]  # the compliance rules it breaks, each once


@dataclass(frozen=True)
class Exit:
    """One way out of a node: a choice's label (empty for ``next``) and where it leads."""

    label: str
    goto: str


@dataclass(frozen=True)
class NodeOutline:
    """A node in words: the graph's text alternative."""

    id: str
    kind: str  # "start", "step", "end" or ""
    action: str | None
    first_line: str
    exits: tuple[Exit, ...]


@dataclass(frozen=True)
class Studied:
    """What the studio reads of one scene file, fresh from disk."""

    name: str
    scene: Scene | None  # usable for the graph, coverage and preview (catalogues aside)
    problems: list[Problem]


def study(path: Path, root: ContentRoot) -> Studied:
    """Inspect a scene file. Missing or broken translations are errors that leave no scene
    to show, yet the graph, the coverage and the preview are what help fix them: then the
    scene is read again without its catalogues."""
    inspection = inspect_scene(path, root)
    scene = inspection.scene
    if scene is None:
        scene = inspect_scene(path, root, catalogues=False).scene
    return Studied(path.stem, scene, inspection.problems)


def findings(problems: list[Problem], root: ContentRoot) -> list[Finding]:
    return [
        Finding(f"{_shown(p.path, root)}:{p.line}:{p.col}", p.severity, p.message, p.rule)
        for p in problems
    ]


def _shown(path: str, root: ContentRoot) -> str:
    """A problem's file relative to the content root, as the designer's editor has it."""
    try:
        return Path(path).absolute().relative_to(root.path.absolute()).as_posix()
    except ValueError:
        return path


def status_of(studied: Studied) -> SceneStatus:
    errors = [p for p in studied.problems if p.is_error]
    rules = sorted({p.rule for p in studied.problems if p.rule})
    title = studied.scene.title if studied.scene is not None else ""
    warnings = len(studied.problems) - len(errors)
    return SceneStatus(studied.name, title, len(errors), warnings, tuple(rules))


def outline(scene: Scene) -> list[NodeOutline]:
    """Every node, where it leads and how, in the order of the file."""
    nodes = []
    for node_id, node in scene.nodes.items():
        exits = [Exit(choice.label, choice.goto) for choice in node.choices or ()]
        if node.next is not None:
            exits.append(Exit("", node.next))
        kind = "start" if node_id == scene.start else ""
        kind = kind or ("step" if node.action else "end" if node.is_end else "")
        shot = node.shots[0]
        first = shot.say or (shot.show.title if shot.show else None) or f"(pause {shot.pause} s)"
        nodes.append(NodeOutline(node_id, kind, node.action, first, tuple(exits)))
    return nodes


def graph_svg(scene: Scene) -> Markup:
    """The graph drawn by ``render.graph``, to inline in the page. Every text in it (ids,
    titles, lines, labels) is escaped by ``to_svg``, and it is drawn only from a scene that
    passed validation, so a designer's ``<script>`` arrives as text."""
    svg = to_svg(scene)
    box = _VIEW_BOX.search(svg)
    if box is not None:  # drawn at its own size, in a region that scrolls: the text stays legible
        width, height = box.group(1), box.group(2)
        svg = svg.replace("<svg ", f'<svg width="{width}" height="{height}" ', 1)
    return Markup(svg)  # escaped where it is drawn, see above


def coverage_of(scene: Scene, root: ContentRoot) -> list[Coverage]:
    """Each language's coverage, from its catalogue as it is on disk."""
    catalogues: dict[str, Catalog | None] = {}
    for language in scene.languages:
        path = root.po_path(scene.id, language)
        po = read_catalogue(path, language)[0] if path.is_file() else None
        catalogues[language] = po.catalog if po is not None else None
    return scene_coverage(scene, catalogues)


@router.get("", response_class=HTMLResponse)
def studio(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """The scenes of the content root with their errors and warnings."""
    root = state.settings.content
    scenes = [status_of(study(path, root)) for path in root.scene_files()]
    return admin_page(
        request, state, "studio.html", title="Studio", user=user,
        scenes=scenes, scenes_dir=root.scenes_dir,
    )  # fmt: skip


@router.get("/{scene_id}", response_class=HTMLResponse)
def scene_page(
    request: Request,
    path: SceneFile,
    user: CurrentUser,
    state: StateDep,
    node: str | None = None,
    lang: str | None = None,
) -> Response:
    """One scene: graph, translations, problems, the voice check and a node's preview."""
    root = state.settings.content
    studied = study(path, root)
    scene = studied.scene
    preview: PreviewAnswer | None = None
    if node is not None or lang is not None:
        preview = preview_answer(scene, root, state.settings.media_dir, node, lang)
    context = {
        "name": studied.name,
        "scene": scene,
        "counts": status_of(studied),
        "problems": findings(studied.problems, root),
        "graph": graph_svg(scene) if scene is not None else None,
        "nodes": outline(scene) if scene is not None else [],
        "coverage": coverage_of(scene, root) if scene is not None else [],
        "voice": voice_report(root, scene.id if scene else studied.name, path),
        "preview": preview,
        "languages": studio_preview.preview_languages(scene) if scene is not None else [],
        "sample": studio_preview.sample_description(),
    }
    title = scene.title if scene is not None else studied.name
    status = preview.status if preview is not None else 200
    return admin_page(
        request, state, "studio_scene.html", title=title, user=user,
        status=status, **context,
    )  # fmt: skip
