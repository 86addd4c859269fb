"""The checks of what a scene draws from the content root: its brand, icons, images and
illustrations."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from render.content import ContentRoot
from render.illustrations import load_illustrations
from render.loader import Loc, Positions
from render.problems import ContentError, Problem
from render.scene import Node
from render.structure import Draft
from render.theme import load_theme


def asset_problems(draft: Draft, root: ContentRoot) -> Iterator[Problem]:
    positions = draft.positions
    brand = draft.fields.get("brand")
    if brand is not None and root.brand_dir(brand) is None:
        yield positions.problem(
            ("brand",), f"unknown brand '{brand}': no folder static/brand/{brand}/"
        )
    elif brand is not None:
        try:
            load_theme(root, brand)
        except ContentError as exc:
            yield from exc.problems
    for node_id, node in draft.nodes.items():
        for loc, icon in _icons(node_id, node):
            if icon not in root.icons:
                close = difflib.get_close_matches(icon, sorted(root.icons), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "see static/icons/README.md"
                yield positions.problem(loc, f"unknown icon '{icon}'; {hint}")
        yield from _illustration_problems(node_id, node, root, positions)
        for i, shot in enumerate(node.shots):
            image = shot.show.image if shot.show else None
            if image is None:
                continue
            loc = ("nodes", node_id, "shots", i, "show", "image")
            found = root.static_file(image)
            if found is None:
                yield positions.problem(loc, f"image '{image}' is not a file under static/")
            elif (reason := _unreadable_image(found)) is not None:
                yield positions.problem(loc, f"image '{image}' cannot be read: {reason}")


def _illustration_problems(
    node_id: str, node: Node, root: ContentRoot, positions: Positions
) -> Iterator[Problem]:
    wanted = [
        (i, shot.show.illustration)
        for i, shot in enumerate(node.shots)
        if shot.show is not None and shot.show.illustration is not None
    ]
    if not wanted:
        return
    try:
        known = load_illustrations(root).scenes
    except ContentError as exc:
        yield from exc.problems
        return
    for i, name in wanted:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "see static/illustrations/README.md"
            loc: Loc = ("nodes", node_id, "shots", i, "show", "illustration")
            yield positions.problem(loc, f"unknown illustration '{name}'; {hint}")


def _unreadable_image(path: Path) -> str | None:
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _icons(node_id: str, node: Node) -> Iterator[tuple[Loc, str]]:
    base: Loc = ("nodes", node_id)
    for i, shot in enumerate(node.shots):
        if shot.show is not None and shot.show.icon is not None:
            yield (*base, "shots", i, "show", "icon"), shot.show.icon
    for i, choice in enumerate(node.choices or []):
        if choice.icon is not None:
            yield (*base, "choices", i, "icon"), choice.icon
