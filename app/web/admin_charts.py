"""The admin pages' charts: horizontal bar charts drawn as SVG on the server.

Readable at a glance (labels and values on the bars), accessible (a ``<title>`` and a
``<desc>`` that says the numbers), and each shown beside a table of the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from app.deps import AppState
from app.funnel import NODE_STAGES, STAGES, Funnel, NodeFunnel, node_funnels
from app.outcome_labels import node_titles
from render.content import SceneNotFoundError
from render.problems import ContentError


@dataclass(frozen=True)
class SceneInfo:
    id: str
    title: str
    nodes: list[tuple[str, bool, bool]]  # in the scene's order: (node, has choices, has a step)
    node_titles: dict[str, str] = field(default_factory=dict)  # for the nodes that have one


def scenes_of(state: AppState, scene_ids: list[str]) -> dict[str, SceneInfo]:
    found = {}
    for scene_id in scene_ids:
        try:
            scene = state.scenes.get(scene_id).scene
        except (SceneNotFoundError, ContentError, OSError):
            continue  # the scene file is gone or broken: show the numbers without its order
        nodes = [(n, bool(b.choices), b.action is not None) for n, b in scene.nodes.items()]
        found[scene_id] = SceneInfo(scene_id, scene.title, nodes, node_titles(scene))
    return found


@dataclass(frozen=True)
class NodeChart:
    scene_id: str
    title: str
    rows: list[tuple[NodeFunnel, bool, bool]]
    chart: Markup


def node_charts(
    session: Session, campaign_id: int, scene_ids: list[str], scenes: dict[str, SceneInfo]
) -> list[NodeChart]:
    found: dict[str, dict[str, NodeFunnel]] = {}
    for row in node_funnels(session, campaign_id):
        found.setdefault(row.scene_id, {})[row.node] = row
    charts: list[NodeChart] = []
    for scene_id in scene_ids:
        counted = found.get(scene_id, {})
        info = scenes.get(scene_id)
        if info is not None:
            rows = [
                (counted.get(node) or NodeFunnel(scene_id, node, 0, 0, 0, 0), choices, step)
                for node, choices, step in info.nodes
            ]
            known = {node for node, _, _ in info.nodes}
            rows += [
                (r, r.chose > 0, r.completed > 0) for n, r in counted.items() if n not in known
            ]
        else:
            ordered = sorted(counted.values(), key=lambda r: (-r.reached, r.node))
            rows = [(r, r.chose > 0, r.completed > 0) for r in ordered]
        groups = []
        for row, choices, step in rows:
            keep = [True, True, choices, step]
            bars = [
                Bar(
                    index,
                    count,
                    _value_label(count, row.reached if index else None),
                    f"{row.node}: {label.lower()}: {count:,}",
                )
                for index, ((_, label), count, wanted) in enumerate(
                    zip(
                        NODE_STAGES,
                        (row.reached, row.watched, row.chose, row.completed),
                        keep,
                        strict=True,
                    )
                )
                if wanted
            ]
            groups.append(Group(row.node, bars))
        title = f"The funnel per part of “{scene_id}”"
        summary = "; ".join(
            f"{row.node}: {row.reached} reached, {row.watched} to the end"
            + (f", {row.chose} chose" if choices else "")
            + (f", {row.completed} completed the step" if step else "")
            for row, choices, step in rows
        )
        chart = bar_chart(
            chart_id=f"nodes-{len(charts) + 1}",
            title=title,
            desc=f"Debtors per part of the video, in the order of the scene. {summary}.",
            groups=groups,
            series=[label for _, label in NODE_STAGES],
        )
        charts.append(NodeChart(scene_id, info.title if info else scene_id, rows, chart))
    return charts


def _value_label(count: int, first: int | None) -> str:
    if first is None or not first:
        return f"{count:,}"
    return f"{count:,} · {count / first * 100:.0f}%"


def overall_chart(overall: Funnel) -> Markup:
    groups = [
        Group(
            stage.label,
            [
                Bar(
                    index,
                    stage.count,
                    _value_label(stage.count, overall.debtors if index else None),
                    f"{stage.label}: {stage.count:,}",
                )
            ],
        )
        for index, stage in enumerate(overall.stages)
    ]
    desc = "; ".join(
        f"{s.label}: {s.count:,}"
        + (f" ({drop(s.drop_off)} from the stage before)" if s.drop_off is not None else "")
        for s in overall.stages
    )
    return bar_chart(
        chart_id="overall",
        title="The campaign's funnel",
        desc=f"Debtors at each stage, from the links sent to a completed step. {desc}.",
        groups=groups,
        series=[label for _, label in STAGES],
        legend=False,
    )


def group_chart(chart_id: str, title: str, groups: list[Funnel]) -> Markup:
    drawn = []
    for funnel in groups:
        bars = [
            Bar(
                index,
                stage.count,
                _value_label(stage.count, funnel.debtors if index else None),
                f"{funnel.key}: {stage.label.lower()}: {stage.count:,}",
            )
            for index, stage in enumerate(funnel.stages)
        ]
        drawn.append(Group(funnel.key, bars))
    desc = "; ".join(
        f"{f.key}: " + ", ".join(f"{s.count:,} {s.label.lower()}" for s in f.stages) for f in groups
    )
    return bar_chart(
        chart_id=chart_id,
        title=title,
        desc=f"Debtors at each stage. {desc or 'No debtors yet'}.",
        groups=drawn,
        series=[label for _, label in STAGES],
    )


# --- SVG bar charts -----------------------------------------------------------------------------

COLOURS = ("#0b3a5b", "#1f6f8b", "#6b4fa0", "#b45309", "#15803d")  # each >= 4.5:1 on white
INK = "#0f172a"


@dataclass(frozen=True)
class Bar:
    series: int
    value: int
    label: str  # shown after the bar
    tooltip: str


@dataclass(frozen=True)
class Group:
    label: str
    bars: list[Bar]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    groups: list[Group],
    series: list[str],
    legend: bool = True,
    width: int = 760,
) -> Markup:
    """Horizontal grouped bars as well-formed SVG, with a ``<title>`` and a ``<desc>``."""
    label_width, value_width, bar, gap, group_gap = 210, 120, 18, 3, 14
    area = width - label_width - value_width
    top = 8
    parts: list[str] = []
    if legend:
        x, y = 0.0, 8
        for index, name in enumerate(series):
            span = 20 + 6.6 * len(name) + 24
            if x + span > width and x > 0:
                x, y = 0.0, y + 24
            parts.append(
                f'<rect x="{x:.0f}" y="{y}" width="14" height="14" rx="2" fill="{COLOURS[index % len(COLOURS)]}"/>'
                f'<text x="{x + 20:.0f}" y="{y + 12}">{escape(name)}</text>'
            )
            x += span
        top = y + 34
    largest = max((b.value for g in groups for b in g.bars), default=0) or 1
    y = top
    for group in groups:
        height = len(group.bars) * (bar + gap) - gap
        parts.append(
            f'<text class="group" x="{label_width - 10}" y="{y + height / 2 + 5:.0f}" '
            f'text-anchor="end">{escape(_short(group.label, 26))}</text>'
        )
        for item in group.bars:
            length = max(item.value / largest * area, 2 if item.value else 0)
            colour = COLOURS[item.series % len(COLOURS)]
            parts.append(
                f"<g><title>{escape(item.tooltip)}</title>"
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" rx="2" fill="{colour}"/>'
                f'<text x="{label_width + length + 6:.1f}" y="{y + bar - 5}">{escape(item.label)}</text></g>'
            )
            y += bar + gap
        y += group_gap - gap
    if not groups:
        parts.append(f'<text x="0" y="{top + 14}">No data yet.</text>')
        y += 24
    parts.append(
        f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{y - group_gap + 4}" stroke="{INK}"/>'
    )
    height = y + 4
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" fill="{INK}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(parts) + "</svg>"
    )
    return Markup(svg)  # every text in it is escaped above


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def drop(value: float | None) -> str:
    """A drop-off as a change: minus 38% (fewer), +5% (more: a stage can be skipped), 0%."""
    if value is None:
        return "–"
    shown = round(value * 100)
    return "0%" if shown == 0 else f"−{shown}%" if shown > 0 else f"+{-shown}%"
