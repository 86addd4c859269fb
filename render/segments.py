"""Planning segments: one node in one language, resolved down to what is said and shown.

A plan is plain data (picklable for worker processes and Celery) and carries its cache key,
computed from every input without synthesising or drawing anything: that is what makes a warm
re-render of an unchanged scene nearly free, and a changed Turkish line re-render only the
segments that say it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from render.cache import content_key, file_digest
from render.captions import needs_escaping
from render.content import ContentRoot
from render.formatting import Value, placeholder_values
from render.layout import FPS, HEIGHT, WIDTH, ResolvedShow
from render.scene import Node, Scene, Show, VariableType
from render.texts import fill, node_texts, placeholders
from render.theme import Theme
from render.voices import engine_for, recorded_identity, recorded_voiceover

Say = Callable[[str], str]  # source text -> translated, placeholders filled
ENCODING = {
    "video": "libx264 veryfast crf23 yuv420p",
    "audio": "aac 96k",
    "size": [WIDTH, HEIGHT],
    "fps": FPS,
}


@dataclass(frozen=True)
class VoiceLine:
    """A line to be spoken: by the language's TTS engine, or from a recorded file."""

    text: str  # as the captions show it
    speech: str  # as the engine is asked to say it (amounts in words)
    language: str
    identity: str  # the engine's identity, or the recorded file's hash
    recorded: Path | None = None


@dataclass(frozen=True)
class ShotPlan:
    number: int  # counted from 1, as voice-over files are named
    voice: VoiceLine | None
    pause: float
    show: ResolvedShow | None


@dataclass(frozen=True)
class ChoicePlan:
    label: str  # translated; buttons are drawn by the player, so not part of the key
    icon: str | None
    goto: str


@dataclass(frozen=True)
class SegmentPlan:
    scene_id: str
    node_id: str
    language: str
    personal: bool
    root: Path
    theme: Theme
    shots: tuple[ShotPlan, ...]
    choices: tuple[ChoicePlan, ...]
    key: str


def personal_nodes(scene: Scene) -> set[str]:
    """Nodes whose texts use a debtor variable or a case value: they are rendered per debtor."""
    variables = set(scene.placeholder_kinds())
    return {
        node_id
        for node_id, node in scene.nodes.items()
        if any(set(placeholders(t.text)) & variables for t in node_texts(node_id, node))
    }


def preview_values(variables: Mapping[str, VariableType]) -> dict[str, Value]:
    """Stand-in values for personal nodes when no debtor is given (fixed, so cached)."""
    samples: dict[VariableType, Value] = {
        "money": Decimal("123.45"),
        "date": date(2026, 1, 15),
        "number": Decimal("3"),
    }
    return {
        name: samples.get(kind, "Alex" if "name" in name else "A-1234")
        for name, kind in variables.items()
    }


def plan_segment(
    scene: Scene,
    node_id: str,
    language: str,
    *,
    root: ContentRoot,
    theme: Theme,
    translations: Mapping[str, str],
    values: Mapping[str, Value],
    personal: bool,
) -> SegmentPlan:
    """Resolve a node for one language (and one debtor's values) into a keyed plan."""
    node = scene.nodes[node_id]
    written = placeholder_values(scene.variables, values, scene.contact, language)
    spoken = placeholder_values(scene.variables, values, scene.contact, language, spoken=True)

    def say(text: str) -> str:
        return fill(translations.get(text, text), written)

    def speak(text: str) -> str:
        return fill(translations.get(text, text), spoken)

    shots = tuple(
        _plan_shot(scene, node_id, node, i, language, root, say, speak)
        for i in range(len(node.shots))
    )
    key = content_key(
        {
            "encoding": ENCODING,
            "theme": theme.digest,
            "shots": [_describe(s) for s in shots],
            **_captions_format(shots),
        }
    )
    choices = tuple(ChoicePlan(say(c.label), c.icon, c.goto) for c in node.choices or ())
    return SegmentPlan(scene.id, node_id, language, personal, root.path, theme, shots, choices, key)


def _plan_shot(
    scene: Scene,
    node_id: str,
    node: Node,
    index: int,
    language: str,
    root: ContentRoot,
    say: Say,
    speak: Say,
) -> ShotPlan:
    shot = node.shots[index]
    number = index + 1
    voice = None
    if shot.say is not None:
        recorded = recorded_voiceover(root, scene.id, language, node_id, number)
        identity = (
            recorded_identity(recorded) if recorded else engine_for(root, language).identity()
        )
        voice = VoiceLine(say(shot.say), speak(shot.say), language, identity, recorded)
    show = _resolve_show(shot.show, root, say) if shot.show is not None else None
    return ShotPlan(number, voice, float(shot.pause or 0), show)


def _resolve_show(show: Show, root: ContentRoot, say: Say) -> ResolvedShow:
    image = root.static_file(show.image) if show.image else None
    return ResolvedShow(
        title=say(show.title) if show.title else None,
        text=say(show.text) if show.text else None,
        card=say(show.card) if show.card else None,
        bullets=tuple(say(b) for b in show.bullets or ()),
        icon=root.icons[show.icon] if show.icon else None,
        image=image,
    )


def _captions_format(shots: tuple[ShotPlan, ...]) -> dict[str, str]:
    """Captions that WebVTT escaping changed get a new key; every other key (and file) stays."""
    if any(shot.voice and needs_escaping(shot.voice.text) for shot in shots):
        return {"captions": "escaped"}
    return {}


def _describe(shot: ShotPlan) -> dict[str, Any]:
    """What goes into the key: files by content, never by path."""
    show = shot.show
    return {
        "voice": [shot.voice.text, shot.voice.speech, shot.voice.identity] if shot.voice else None,
        "pause": shot.pause,
        "show": None
        if show is None
        else {
            "title": show.title,
            "text": show.text,
            "card": show.card,
            "bullets": list(show.bullets),
            "icon": file_digest(show.icon) if show.icon else None,
            "image": file_digest(show.image) if show.image else None,
        },
    }
