"""The texts of a scene: where they stand, which placeholders they use, and how they are filled.

Texts are the gettext msgids, so the same walk feeds extraction, catalogue checks and rendering.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from render.loader import Loc
from render.scene import Node

_PLACEHOLDER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_NOTHING_TO_TRANSLATE = re.compile(r"^[\s\d.,:;!?%+\-–—/()€$]*$")


@dataclass(frozen=True)
class SceneText:
    """One translatable text of a scene and where it stands in the YAML."""

    text: str
    loc: Loc
    what: str  # for translators: "node intro, shot 1, say"


def node_texts(node_id: str, node: Node) -> Iterator[SceneText]:
    """Every text of a node that a debtor reads or hears, in the order they meet it."""
    base: Loc = ("nodes", node_id)
    for i, shot in enumerate(node.shots):
        where = f"node {node_id}, shot {i + 1}"
        if shot.say is not None:
            yield SceneText(shot.say, (*base, "shots", i, "say"), f"{where}, voice-over")
        if shot.show is None:
            continue
        show: Loc = (*base, "shots", i, "show")
        for key in ("title", "text", "card"):
            value = getattr(shot.show, key)
            if value is not None:
                yield SceneText(value, (*show, key), f"{where}, on screen ({key})")
        for j, bullet in enumerate(shot.show.bullets or []):
            yield SceneText(bullet, (*show, "bullets", j), f"{where}, on screen (bullet)")
    for i, choice in enumerate(node.choices or []):
        yield SceneText(choice.label, (*base, "choices", i, "label"), f"node {node_id}, button")


def raw_node_texts(node_id: str, body: object) -> Iterator[SceneText]:
    """The texts of a node whose shape is broken, read as far as they can be: so that one
    wrong key does not hide an unknown placeholder two lines further."""
    if not isinstance(body, dict):
        return
    base: Loc = ("nodes", node_id)
    shots = body.get("shots")
    for i, shot in enumerate(shots if isinstance(shots, list) else []):
        if not isinstance(shot, dict):
            continue
        where = f"node {node_id}, shot {i + 1}"
        if isinstance(shot.get("say"), str):
            yield SceneText(shot["say"], (*base, "shots", i, "say"), f"{where}, voice-over")
        show = shot.get("show")
        if isinstance(show, dict):
            yield from _raw_show_texts(show, (*base, "shots", i, "show"), where)
    choices = body.get("choices")
    for i, choice in enumerate(choices if isinstance(choices, list) else []):
        if isinstance(choice, dict) and isinstance(choice.get("label"), str):
            loc: Loc = (*base, "choices", i, "label")
            yield SceneText(choice["label"], loc, f"node {node_id}, button")


def _raw_show_texts(show: dict[str, object], loc: Loc, where: str) -> Iterator[SceneText]:
    for key in ("title", "text", "card"):
        value = show.get(key)
        if isinstance(value, str):
            yield SceneText(value, (*loc, key), f"{where}, on screen ({key})")
    bullets = show.get("bullets")
    for j, bullet in enumerate(bullets if isinstance(bullets, list) else []):
        if isinstance(bullet, str):
            yield SceneText(bullet, (*loc, "bullets", j), f"{where}, on screen (bullet)")


def needs_translation(text: str) -> bool:
    """False for texts that read the same in every language, such as ``{amount_due}``."""
    stripped = _PLACEHOLDER.sub("", text)
    return not _NOTHING_TO_TRANSLATE.match(stripped)


def placeholders(text: str) -> list[str]:
    """The placeholder names in ``text``; raise ValueError on malformed braces or formats.

    ``{{`` and ``}}`` are literal braces, as in Python's ``str.format``.
    """
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValueError(
            "unbalanced braces: write a placeholder as {name} and a literal brace as {{ or }}"
        ) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _PLACEHOLDER_NAME.match(name):
            shown = "{" + name + "}"
            raise ValueError(f"placeholder {shown} is not a name; write it like {{name}}")
        if spec or conversion:
            raise ValueError(
                f"placeholder {{{name}}} takes no format; amounts and dates are formatted "
                "per language automatically"
            )
        names.append(name)
    return names


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each placeholder with its (already formatted) value."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            parts.append(values[name])
    return "".join(parts)


def sentences(text: str) -> list[str]:
    """Split text into sentences, for the plain-language length check."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def word_count(sentence: str) -> int:
    return len(re.findall(r"[\w{}'’-]+", sentence))
