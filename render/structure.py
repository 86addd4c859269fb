"""Shape checks of a scene document, field by field and node by node.

Validating the whole document in one go would give either a model or a list of errors; a
content designer wants every problem in one run, so we validate each top-level field and each
node on its own. What is valid is kept (a ``Draft``) and the graph, text and catalogue checks
run on it, while what is broken is reported once and not again by every later check.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from render.loader import Document, Loc, Positions
from render.problems import Problem
from render.scene import Node, Scene

_KEY_NOUNS = {"nodes": "node id", "variables": "variable name", "entry": "case status"}
_PATTERN_HINTS = {
    r"^[a-z0-9-]+$": "use only lowercase letters, digits and '-'",
    r"^[A-Za-z0-9_-]+$": "use only letters, digits, '-' and '_'",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "use only letters, digits and '_', not starting with a digit",
}


@dataclass
class Draft:
    """The valid parts of a scene document, with the problems of the rest."""

    positions: Positions
    fields: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    raw_nodes: dict[str, Any] = field(default_factory=dict)
    # status -> node as written, kept when ``entry`` is broken (an unknown status) so that its
    # targets are still checked and still count as ways into the graph
    raw_entry: dict[str, str] = field(default_factory=dict)
    # the names written under ``variables`` and ``contact``, kept when those sections are
    # broken so that the placeholders of the rest of the scene are still checked against them
    raw_names: dict[str, set[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def broken_nodes(self) -> set[str]:
        return set(self.raw_nodes) - set(self.nodes)

    def scene(self) -> Scene | None:
        """The complete scene, when every part of it is valid."""
        if self.problems:
            return None
        return Scene.model_validate({**self.fields, "nodes": self.nodes})


def read_draft(document: Document) -> Draft:
    """Validate a scene document part by part."""
    draft = Draft(document.positions)
    data = document.data
    if not isinstance(data, dict):
        message = "a scene is a mapping with keys such as id, title, languages, start and nodes"
        draft.problems.append(draft.positions.problem((), message))
        return draft
    for key in data:
        if key not in Scene.model_fields:
            draft.problems.append(_unknown_key(draft.positions, (key,), Scene))
    for name, info in Scene.model_fields.items():
        if name == "nodes":
            continue
        if name not in data:
            if info.is_required():
                message = f"missing required key '{name}'"
                draft.problems.append(draft.positions.problem((), message))
            else:
                draft.fields[name] = info.get_default(call_default_factory=True)
            continue
        value, problems = _validate(_field_shape(name), data[name], (name,), draft.positions)
        draft.problems.extend(problems)
        if not problems:
            draft.fields[name] = value
    for section in ("variables", "contact"):
        if isinstance(data.get(section), dict):
            draft.raw_names[section] = {str(k) for k in data[section]}
    entry = data.get("entry")
    if isinstance(entry, dict):
        draft.raw_entry = {str(k): v for k, v in entry.items() if isinstance(v, str)}
    _read_nodes(draft, data.get("nodes"))
    return draft


def _read_nodes(draft: Draft, raw: Any) -> None:
    positions = draft.positions
    if raw is None:
        draft.problems.append(positions.problem((), "missing required key 'nodes'"))
        return
    if not isinstance(raw, dict) or not raw:
        draft.problems.append(positions.problem(("nodes",), "nodes: give at least one node"))
        return
    draft.raw_nodes = {str(k): v for k, v in raw.items()}
    for node_id, body in raw.items():
        loc: Loc = ("nodes", node_id)
        _, id_problems = _validate(_node_id_shape(), node_id, loc, positions, key=True)
        node, problems = _validate(_node_shape(), body, loc, positions)
        draft.problems.extend(id_problems + problems)
        if not problems:
            draft.nodes[str(node_id)] = node


def _validate(
    shape: _Shape, value: Any, loc: Loc, positions: Positions, *, key: bool = False
) -> tuple[Any, list[Problem]]:
    try:
        return shape.adapter.validate_python(value), []
    except ValidationError as exc:
        return None, [_problem(err, loc, positions, shape, key=key) for err in exc.errors()]


def _problem(
    err: ErrorDetails, prefix: Loc, positions: Positions, shape: _Shape, *, key: bool
) -> Problem:
    inner: Loc = tuple(err["loc"])
    loc = (*prefix, *inner)
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key(positions, loc, _model_at(shape.type, inner[:-1]))
    if kind == "missing":
        parent = loc[:-1]
        return positions.problem(parent, f"missing required key '{loc[-1]}'", key=True)
    named = key or (bool(inner) and inner[-1] == "[key]")  # the message is about a key's name
    if inner and inner[-1] == "[key]":
        loc = loc[:-1]
    point_at_key = named or (not inner and loc in positions.keys)  # a whole node: at its name
    return positions.problem(loc, _message(err, loc, key=named), key=point_at_key)


def _message(err: ErrorDetails, loc: Loc, *, key: bool) -> str:
    names = [p for p in loc if isinstance(p, str) and not p.startswith("[")]
    name = names[-1] if names else "value"
    if key:
        name = _KEY_NOUNS.get(str(loc[0]), "key")
    kind, ctx, given = err["type"], err.get("ctx", {}), err["input"]
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error" and loc[0] == "variables":
        return f"variable '{name}' has unknown type '{given}' (expected {ctx['expected']})"
    if kind == "literal_error":
        return f"unknown {name} '{given}' (expected {ctx['expected']})"
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(ctx["pattern"], f"it must match {ctx['pattern']}")
        return f"{name} '{given}' is not valid: {hint}"
    message = err["msg"]
    return f"{name}: {message[0].lower()}{message[1:]}"


def _unknown_key(positions: Positions, loc: Loc, model: type[BaseModel] | None) -> Problem:
    key = str(loc[-1])
    message = f"unknown key '{key}'"
    if model is not None:
        allowed = list(model.model_fields)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(allowed)}"
        message = f"{message}; {hint}"
    return positions.problem(loc, message, key=True)


def _model_at(tp: Any, loc: Iterable[str | int]) -> type[BaseModel] | None:
    """The model that a location inside type ``tp`` points into, for key suggestions."""
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(part))
            tp = info.annotation if info else None
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the type underneath."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(tp) if a is not type(None)]
            if len(options) != 1:
                return tp
            tp = options[0]
        else:
            return tp


@dataclass(frozen=True)
class _Shape:
    """A type and its pydantic validator, kept together for error messages."""

    type: Any
    adapter: TypeAdapter[Any]

    @classmethod
    def of(cls, tp: Any) -> _Shape:
        return cls(tp, TypeAdapter(tp))


@cache
def _field_shape(name: str) -> _Shape:
    info = Scene.model_fields[name]
    return _Shape.of(Annotated[info.annotation, info])


@cache
def _node_shape() -> _Shape:
    return _Shape.of(Node)


@cache
def _node_id_shape() -> _Shape:
    key_type = get_args(_unwrap(Scene.model_fields["nodes"].annotation))[0]
    return _Shape.of(key_type)
