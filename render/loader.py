"""YAML loaded with the position of every key and value, so each problem can name its line.

PyYAML composes a node tree that keeps marks; we build plain Python values from it ourselves
instead of using a constructor, which lets us:

- remember where each key and value stands (``Positions``),
- refuse duplicate keys (PyYAML silently keeps the last one),
- read decimals as ``Decimal`` from their literal text (money is never a float),
- use YAML 1.2 booleans, so ``no`` or ``on`` stay strings (``no`` is Norwegian, not False),
- refuse YAML bombs while composing, before anything is built: values nested deeper than
  ``MAX_DEPTH`` (PyYAML recurses per level) and aliases that expand a document to more than
  ``MAX_VALUES`` values (a "billion laughs" file of a few hundred bytes stands for billions).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from render.problems import ContentError, Problem, display_path

Loc = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"

# A scene is about 8 levels deep and 550 values; these leave ample room and stop bombs early.
MAX_DEPTH = 50
MAX_VALUES = 100_000
_TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep"


class _Yaml12Resolver(Resolver):
    """PyYAML's resolver with YAML 1.2 booleans: only true/false are booleans."""


_Yaml12Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TAG + "bool"]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_Yaml12Resolver.add_implicit_resolver(
    _TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that is refused for its size: too deep, or aliases expanding too far."""


class _Loader(Reader, Scanner, Parser, Composer, SafeConstructor, _Yaml12Resolver):
    def __init__(self, stream: str | bytes | IO[str] | IO[bytes]) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        _Yaml12Resolver.__init__(self)
        self._depth = 0
        # id of each finished node -> how many values it stands for with its aliases expanded
        self._sizes: dict[int, int] = {}

    def fetch_flow_collection_start(self, TokenClass: type) -> None:  # noqa: N803 (PyYAML's)
        # The scanner looks up to 1,024 characters ahead for a key at each bracket, and its
        # look-ahead costs grow with the number of open brackets: stop before it runs away.
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(None, None, _TOO_DEEP, self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # untyped in stubs
        if self.check_event(AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                message = "an alias inside the value it names would repeat it forever"
                raise _Refused(None, None, message, mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(None, None, _TOO_DEEP, mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        size = 1 + sum(self._sizes[id(child)] for child in children)
        if size > MAX_VALUES:
            message = f"more than {MAX_VALUES:,} values once aliases (*name) are expanded"
            raise _Refused(None, None, message, mark)
        self._sizes[id(node)] = size
        return node


@dataclass
class Positions:
    """Where each key and value of a document stands (1-based line and column)."""

    file: str
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def at(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """The position of ``loc``, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        for end in range(len(loc), -1, -1):
            part = loc[:end]
            if part in table:
                return table[part]
            if part in self.keys:
                return self.keys[part]
        return (1, 1)

    def problem(
        self, loc: Loc, message: str, *, key: bool = False, warning: bool = False
    ) -> Problem:
        line, col = self.at(loc, key=key)
        return Problem(self.file, line, col, message, "warning" if warning else "error")


@dataclass
class Document:
    """A parsed YAML file: its data as plain Python values, and where everything stands."""

    data: Any
    positions: Positions


def read_yaml(path: Path) -> Document:
    """Read a YAML file; raise ``ContentError`` naming the file, line and column on bad input."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError([Problem(shown, 1, 1, f"cannot read file: {exc.strerror}")]) from exc
    return parse_yaml(raw, shown)


def parse_yaml(source: str | bytes, shown: str) -> Document:
    """Parse YAML text; ``shown`` is the file name used in problems."""
    if isinstance(source, bytes):
        source = _decode(source, shown)
    loader = _Loader(source)
    try:
        root = loader.get_single_node()
    except _Refused as exc:
        assert exc.problem_mark is not None
        line, col = exc.problem_mark.line + 1, exc.problem_mark.column + 1
        raise ContentError([Problem(shown, line, col, str(exc.problem))]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.context_mark and exc.problem_mark:
            start = exc.context_mark
            message += (
                f" ({exc.context} that starts at line {start.line + 1}, column {start.column + 1})"
            )
        raise ContentError([Problem(shown, line, col, message)]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([Problem(shown, 1, 1, f"invalid YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    positions = Positions(shown)
    if root is None:
        return Document(None, positions)
    builder = _Builder(positions)
    data = builder.build(root, ())
    if builder.problems:
        raise ContentError(builder.problems)
    return Document(data, positions)


def _decode(raw: bytes, shown: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = "the file is not UTF-8 text; save it as UTF-8"
        raise ContentError([Problem(shown, line, col, message)]) from exc


def _mark(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns composed nodes into Python values, recording positions and problems on the way."""

    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()

    def build(self, node: Node, loc: Loc) -> Any:
        self.positions.values[loc] = _mark(node)
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, loc)

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[Hashable, Any]:
        result: dict[Hashable, Any] = {}
        for key_node, value_node in node.value:
            line, col = _mark(key_node)
            if not isinstance(key_node, ScalarNode):
                self._fail(line, col, "a key must be a plain word, not a list or mapping")
                continue
            key = key_node.value
            if key in result:
                first = self.positions.keys[(*loc, key)]
                self._fail(line, col, f"duplicate key '{key}' (first at line {first[0]})")
                continue
            self.positions.keys[(*loc, key)] = (line, col)
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _scalar(self, node: ScalarNode, loc: Loc) -> Any:
        tag = node.tag.removeprefix(_TAG)
        if tag == "str":
            return node.value
        if tag == "float":
            return self._decimal(node)
        if tag in ("int", "bool", "null", "timestamp"):
            return self._constructor.construct_object(node)
        line, col = _mark(node)
        self._fail(line, col, f"unsupported YAML tag '{node.tag}'")
        return None

    def _decimal(self, node: ScalarNode) -> Decimal | None:
        text = node.value.replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            line, col = _mark(node)
            self._fail(line, col, f"'{node.value}' is not a finite number")
            return None
        return value

    def _fail(self, line: int, col: int, message: str) -> None:
        self.problems.append(Problem(self.positions.file, line, col, message))
