"""The scene graph as a picture for content designers: Mermaid, Graphviz dot, or SVG.

Each node shows its id and its first line; choices label the edges; self-service steps and ends
are marked. SVG is laid out with grandalf (pure Python), so no Graphviz install is needed.
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass
from typing import Any

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from render.scene import Node, Scene

_FIRST_LINE_CHARS = 36


@dataclass(frozen=True)
class _Box:
    node_id: str
    title: str
    subtitle: str
    kind: str  # "start", "menu", "step", "end" or "plain"


def _boxes(scene: Scene) -> list[_Box]:
    boxes = []
    for node_id, node in scene.nodes.items():
        title = node_id if node.action is None else f"{node_id} · action: {node.action}"
        boxes.append(_Box(node_id, title, _first_line(node), _kind(scene, node_id, node)))
    return boxes


def _kind(scene: Scene, node_id: str, node: Node) -> str:
    if node_id == scene.start:
        return "start"
    if node.action is not None:
        return "step"
    if node.is_end:
        return "end"
    return "menu" if node.choices else "plain"


def _first_line(node: Node) -> str:
    shot = node.shots[0]
    text = shot.say or (shot.show.title if shot.show else None) or f"(pause {shot.pause} s)"
    return text if len(text) <= _FIRST_LINE_CHARS else text[: _FIRST_LINE_CHARS - 1] + "…"


def _edges(scene: Scene) -> list[tuple[str, str, str]]:
    """(source, target, label) for every way on; ``next`` edges have no label."""
    edges = []
    for node_id, node in scene.nodes.items():
        for choice in node.choices or []:
            edges.append((node_id, choice.goto, choice.label))
        if node.next is not None:
            edges.append((node_id, node.next, "done" if node.action else ""))
    return edges


def to_mermaid(scene: Scene) -> str:
    shapes = {"start": ("([", "])"), "end": ("(((", ")))"), "step": ("[/", "/]")}
    lines = ["flowchart TD"]
    for box in _boxes(scene):
        left, right = shapes.get(box.kind, ("[", "]"))
        label = f"<b>{box.title}</b><br/>{box.subtitle}".replace('"', "#quot;")
        lines.append(f'    {_mermaid_id(box.node_id)}{left}"{label}"{right}')
    for source, target, label in _edges(scene):
        arrow = f' -->|"{label.replace(chr(34), "#quot;")}"| ' if label else " --> "
        lines.append(f"    {_mermaid_id(source)}{arrow}{_mermaid_id(target)}")
    return "\n".join(lines) + "\n"


def _mermaid_id(node_id: str) -> str:
    return "n_" + node_id.replace("-", "_")


def to_dot(scene: Scene) -> str:
    styles = {
        "start": 'shape=box, style="rounded,filled,bold", fillcolor="#dbeafe"',
        "end": 'shape=box, style="rounded,filled", peripheries=2, fillcolor="#dcfce7"',
        "step": 'shape=box, style="filled", fillcolor="#fef3c7"',
        "menu": 'shape=box, style="rounded"',
        "plain": 'shape=box, style="rounded"',
    }
    lines = [
        f'digraph "{_dot(scene.id)}" {{',
        "    rankdir=TB;",
        '    node [fontname="sans-serif"];',
    ]
    for box in _boxes(scene):
        label = f"<<b>{html.escape(box.title)}</b><br/>{html.escape(box.subtitle)}>"
        lines.append(f'    "{_dot(box.node_id)}" [label={label}, {styles[box.kind]}];')
    for source, target, label in _edges(scene):
        attrs = f' [label="{_dot(label)}"]' if label else ""
        lines.append(f'    "{_dot(source)}" -> "{_dot(target)}"{attrs};')
    return "\n".join([*lines, "}"]) + "\n"


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# --- SVG -----------------------------------------------------------------------------------

_FILL = {
    "start": "#dbeafe",
    "end": "#dcfce7",
    "step": "#fef3c7",
    "menu": "#ffffff",
    "plain": "#ffffff",
}
_CHAR_WIDTH, _LINE_HEIGHT, _PAD = 7.2, 18, 12


class _View:
    """The size grandalf lays out, and the position it gives back."""

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy: tuple[float, float] = (0.0, 0.0)


class _EdgeView:
    """The route grandalf gives an edge: its end points and one point per layer it crosses."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.points: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.points = list(points)


def to_svg(scene: Scene) -> str:
    boxes = {b.node_id: b for b in _boxes(scene)}
    vertices = {node_id: Vertex(node_id) for node_id in boxes}
    for node_id, vertex in vertices.items():
        box = boxes[node_id]
        width = max(len(box.title), len(box.subtitle)) * _CHAR_WIDTH + 2 * _PAD
        vertex.view = _View(width, 2 * _LINE_HEIGHT + 2 * _PAD)
    edges = []
    for source, target, label in _edges(scene):
        edge = Edge(vertices[source], vertices[target])
        edge.view = _EdgeView(label)
        edges.append(edge)
    graph = Graph(list(vertices.values()), edges)
    x_offset = 0.0
    for component in graph.C:
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = 40, 70
        roots = [vertices[scene.start]] if scene.start in component.sV else None
        layout.init_all(roots=roots)
        layout.draw()
        shift = x_offset - min(v.view.xy[0] - v.view.w / 2 for v in component.sV)
        for v in component.sV:
            v.view.xy = (v.view.xy[0] + shift, v.view.xy[1])
        for e in component.sE:
            e.view.points = [(x + shift, y) for x, y in e.view.points]
        x_offset = max(v.view.xy[0] + v.view.w / 2 for v in component.sV) + 40
    return _svg_document(scene, boxes, vertices, edges)


def _svg_document(
    scene: Scene, boxes: dict[str, _Box], vertices: dict[str, Any], edges: list[Any]
) -> str:
    margin = 30
    views = [v.view for v in vertices.values()]
    route_points = [p for e in edges for p in e.view.points]
    right = max([v.xy[0] + v.w / 2 for v in views] + [x for x, _ in route_points]) + margin
    bottom = max(v.xy[1] + v.h / 2 for v in views) + margin
    top = min(v.xy[1] - v.h / 2 for v in views) - margin
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-margin} {top:.0f} {right + margin:.0f} {bottom - top:.0f}" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="13" role="img" '
        f'aria-label="Scene graph {html.escape(scene.id)}">',
        f"<title>{html.escape(scene.title)}</title>",
        f'<rect x="{-margin}" y="{top:.0f}" width="{right + margin:.0f}" height="{bottom - top:.0f}" '
        'fill="#ffffff"/>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#475569"/></marker></defs>',
    ]
    for edge in edges:
        parts.append(_svg_edge(edge.v[0].view, edge.v[1].view, edge.view))
    for node_id, box in boxes.items():
        parts.append(_svg_box(box, vertices[node_id].view))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _svg_edge(a: _View, b: _View, route: _EdgeView) -> str:
    """A smooth line through the layer points, from box border to box border."""
    points = route.points or [a.xy, b.xy]
    downward = points[-1][1] > points[0][1]
    (x1, y1), (x2, y2) = points[0], points[-1]
    points[0] = (x1, y1 + (a.h / 2 if downward else -a.h / 2))
    points[-1] = (x2, y2 + (-b.h / 2 if downward else b.h / 2))
    path = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (px, py), (qx, qy) in itertools.pairwise(points):
        middle = (py + qy) / 2
        path += f" C{px:.1f},{middle:.1f} {qx:.1f},{middle:.1f} {qx:.1f},{qy:.1f}"
    dash = "" if downward else ' stroke-dasharray="5 4"'
    svg = f'<path d="{path}" fill="none" stroke="#475569" stroke-width="1.4" marker-end="url(#arrow)"{dash}/>'
    if route.label:
        (px, py), (qx, qy) = points[-2], points[-1]
        lx, ly = px + (qx - px) * 0.6, py + (qy - py) * 0.6
        svg += (
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" fill="#1e3a8a" '
            f'paint-order="stroke" stroke="#ffffff" stroke-width="4">{html.escape(route.label)}</text>'
        )
    return svg


def _svg_box(box: _Box, view: _View) -> str:
    x, y = view.xy[0] - view.w / 2, view.xy[1] - view.h / 2
    border = ' stroke-width="3"' if box.kind in ("start", "end") else ""
    return (
        f'<g><rect x="{x:.1f}" y="{y:.1f}" width="{view.w:.1f}" height="{view.h:.1f}" rx="8" '
        f'fill="{_FILL[box.kind]}" stroke="#334155"{border}/>'
        f'<text x="{view.xy[0]:.1f}" y="{y + _PAD + 13:.1f}" text-anchor="middle" font-weight="bold">'
        f"{html.escape(box.title)}</text>"
        f'<text x="{view.xy[0]:.1f}" y="{y + _PAD + 13 + _LINE_HEIGHT:.1f}" text-anchor="middle" '
        f'fill="#334155">{html.escape(box.subtitle)}</text></g>'
    )


FORMATS = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}
