"""The checks of a scene's graph: every target known, every node reachable, a way to an end
from every node. Broken nodes are read as far as they can be (``render.structure``)."""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterator
from typing import Any

from render.loader import Loc
from render.problems import Problem
from render.structure import Draft


def _edges(draft: Draft) -> dict[str, list[tuple[str, Loc]]]:
    """node -> [(target, where the target is written)], broken nodes read as far as possible."""
    edges: dict[str, list[tuple[str, Loc]]] = {}
    for node_id, body in draft.raw_nodes.items():
        base: Loc = ("nodes", node_id)
        node = draft.nodes.get(node_id)
        if node is not None and node.choices is not None:
            edges[node_id] = [
                (c.goto, (*base, "choices", i, "goto")) for i, c in enumerate(node.choices)
            ]
        elif node is not None:
            edges[node_id] = [(node.next, (*base, "next"))] if node.next else []
        else:
            edges[node_id] = list(_raw_edges(body, base))
    return edges


def _raw_edges(body: Any, base: Loc) -> Iterator[tuple[str, Loc]]:
    if not isinstance(body, dict):
        return
    if isinstance(body.get("next"), str):
        yield body["next"], (*base, "next")
    choices = body.get("choices")
    for i, choice in enumerate(choices if isinstance(choices, list) else []):
        if isinstance(choice, dict) and isinstance(choice.get("goto"), str):
            yield choice["goto"], (*base, "choices", i, "goto")


def graph_problems(draft: Draft) -> Iterator[Problem]:
    if not draft.raw_nodes:
        return
    positions, declared = draft.positions, set(draft.raw_nodes)
    edges = _edges(draft)
    for targets in edges.values():
        for target, loc in targets:
            if target not in declared:
                yield positions.problem(loc, _unknown_node(target, declared))
    start = draft.fields.get("start")
    if start is not None and start not in declared:
        yield positions.problem(("start",), _unknown_node(start, declared))
    entry = draft.raw_entry
    for status, target in entry.items():
        if target not in declared:
            message = f"entry for '{status}': {_unknown_node(target, declared)}"
            yield positions.problem(("entry", status), message)
    if start in declared:
        starts = [start, *(t for t in entry.values() if t in declared)]
        reached = _reachable(starts, edges)
        where = f"'{start}'" + (" or an entry" if entry else "")
        for node_id in draft.raw_nodes:
            if node_id not in reached:
                message = (
                    f"node '{node_id}' is unreachable: no choice or next leads to it from {where}"
                )
                yield positions.problem(("nodes", node_id), message, key=True)
    yield from _dead_ends(draft, edges)


def _dead_ends(draft: Draft, edges: dict[str, list[tuple[str, Loc]]]) -> Iterator[Problem]:
    """Nodes from which no end can be reached: a debtor would go round in circles forever."""
    # Broken nodes and unknown targets are reported already; count them as ends, not again.
    unknown = {t for targets in edges.values() for t, _ in targets if t not in draft.raw_nodes}
    ends = {n for n, node in draft.nodes.items() if node.is_end} | draft.broken_nodes | unknown
    backwards: dict[str, list[tuple[str, Loc]]] = {}
    for source, targets in edges.items():
        for target, loc in targets:
            backwards.setdefault(target, []).append((source, loc))
    finishing = _reachable(list(ends), backwards)
    for node_id in draft.raw_nodes:
        if node_id not in finishing:
            loop = " → ".join(_walk(node_id, edges))
            message = f"no way to an end from node '{node_id}' ({loop}); add a choice or next that leads to an end"
            yield draft.positions.problem(("nodes", node_id), message, key=True)


def _reachable(starts: list[str], edges: dict[str, list[tuple[str, Loc]]]) -> set[str]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for target, _ in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _walk(node_id: str, edges: dict[str, list[tuple[str, Loc]]]) -> list[str]:
    """Follow the first way out of each node until a node repeats, to show the loop."""
    path = [node_id]
    while edges.get(path[-1]) and path.count(path[-1]) < 2:
        path.append(edges[path[-1]][0][0])
    return path


def _unknown_node(target: str, declared: set[str]) -> str:
    close = difflib.get_close_matches(target, sorted(declared), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"nodes: {', '.join(sorted(declared))}"
    return f"unknown node '{target}'; {hint}"
