"""Planning segments: one node in one language, resolved down to what is said and shown.

A plan is plain data (picklable for worker processes and Celery) and carries its cache key,
computed from every input without synthesising or drawing anything: that is what makes a warm
re-render of an unchanged scene nearly free, and a changed Turkish line re-render only the
segments that say it.

A *personal* node (one that says a debtor's name, amount or date) is planned twice: once per
language as a shared *picture* (no voice, no debtor data: the places of the personal texts are
kept empty, sized by stand-ins) and once per debtor as a voice *track* (:mod:`render.tracks`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from render.cache import content_key, file_digest
from render.captions import needs_escaping
from render.compose import AUDIO_ARGS, PICTURE_ARGS, VIDEO_ARGS
from render.content import ContentRoot
from render.formatting import Value, placeholder_values
from render.illustrate import ResolvedPart
from render.illustrations import load_illustrations
from render.layout import FPS, HEIGHT, LOOK, WIDTH, ResolvedShow
from render.scene import Node, Scene, Show, VariableType
from render.texts import fill, node_texts, placeholders
from render.theme import Theme
from render.voices import engine_for, recorded_identity, recorded_voiceover

Say = Callable[[str], str]  # source text -> translated, placeholders filled
# what the encoder is asked for, so that changing an argument re-renders every segment
ENCODING = {
    "video": list(VIDEO_ARGS),
    "audio": list(AUDIO_ARGS),
    "size": [WIDTH, HEIGHT],
    "fps": FPS,
    "look": LOOK,
}
PICTURE_ENCODING = {**ENCODING, "picture": list(PICTURE_ARGS), "audio": None}


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
    personal: bool  # the shared picture of a personal node: no voice, empty personal places
    root: Path
    theme: Theme
    shots: tuple[ShotPlan, ...]
    choices: tuple[ChoicePlan, ...]
    key: str


def personal_nodes(scene: Scene) -> set[str]:
    """Nodes whose texts use a debtor variable or a case value: each debtor gets their own voice
    track and texts over the shared picture."""
    variables = set(scene.placeholder_kinds())
    return {
        node_id
        for node_id, node in scene.nodes.items()
        if any(set(placeholders(t.text)) & variables for t in node_texts(node_id, node))
    }


def personal_placeholders(scene: Scene) -> set[str]:
    """The placeholders whose value is the debtor's own (contact fields are everyone's)."""
    return set(scene.placeholder_kinds())


def is_personal(text: str, personal: set[str]) -> bool:
    return bool(set(placeholders(text)) & personal)


def sizing_values(variables: Mapping[str, VariableType]) -> dict[str, Value]:
    """Long stand-ins that size the places kept for personal texts in a shared picture, so
    that most debtors' values fit at full size (the player shrinks the rare longer one)."""
    samples: dict[VariableType, Value] = {
        "money": Decimal("88888.88"),
        "date": date(2026, 9, 30),  # September: among the longest month names
        "number": Decimal("888"),
    }
    return {name: samples.get(kind, "Wilhelmina Jansen") for name, kind in variables.items()}


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
    """Resolve a node for one language into a keyed plan; for a ``personal`` node that is its
    shared picture, planned from stand-ins rather than from ``values``."""
    node = scene.nodes[node_id]
    if personal:
        values = sizing_values(scene.placeholder_kinds())
    say = sayer(scene, language, translations, values)
    mine = personal_placeholders(scene) if personal else set()
    if personal:
        shots = tuple(
            ShotPlan(i + 1, None, float(shot.pause or 0),
                     _resolve_show(shot.show, root, say, mine) if shot.show else None)
            for i, shot in enumerate(node.shots)
        )  # fmt: skip
    else:
        speak = sayer(scene, language, translations, values, spoken=True)
        shots = tuple(
            _plan_shot(scene, node_id, node, i, language, root, say, speak)
            for i in range(len(node.shots))
        )
    if theme.logo is not None and node_id in opening_nodes(scene):
        shots = _with_logo(shots)
    key = content_key(
        {
            "encoding": PICTURE_ENCODING if personal else ENCODING,
            "theme": theme.digest,
            "shots": [_describe(s) for s in shots],
            **_captions_format(shots),
        }
    )
    choices = tuple(ChoicePlan(say(c.label), c.icon, c.goto) for c in node.choices or ())
    return SegmentPlan(scene.id, node_id, language, personal, root.path, theme, shots, choices, key)


def opening_nodes(scene: Scene) -> set[str]:
    """The nodes a video starts with (``start`` and each case's ``entry``): their first shot
    shows the creditor's logo large, so the debtor sees at once who this is from."""
    return {scene.start, *scene.entry.values()}


def _with_logo(shots: tuple[ShotPlan, ...]) -> tuple[ShotPlan, ...]:
    if not shots:
        return shots
    first = shots[0]
    show = replace(first.show, logo=True) if first.show else ResolvedShow(logo=True)
    return (replace(first, show=show), *shots[1:])


def sayer(
    scene: Scene,
    language: str,
    translations: Mapping[str, str],
    values: Mapping[str, Value],
    *,
    spoken: bool = False,
) -> Say:
    """Translate a source text and fill its placeholders (written, or ``spoken`` forms)."""
    filled = placeholder_values(scene.variables, values, scene.contact, language, spoken=spoken)

    def say(text: str) -> str:
        return fill(translations.get(text, text), filled)

    return say


def plan_voice(
    scene: Scene,
    node_id: str,
    index: int,
    language: str,
    root: ContentRoot,
    say: Say,
    speak: Say,
    *,
    personal: bool = False,
) -> VoiceLine | None:
    """What shot ``index`` (from 0) of a node says: a recorded file, else the language's TTS.

    A ``personal`` line (a debtor's own, synthesised by ``line_samples`` with the same flag)
    may get another engine than the shared lines: see :func:`render.voices.engine_for`.
    """
    line = scene.nodes[node_id].shots[index].say
    if line is None:
        return None
    number = index + 1
    recorded = recorded_voiceover(root, scene.id, language, node_id, number)
    if recorded:
        identity = recorded_identity(recorded)
    else:
        identity = engine_for(root, language, personal=personal).identity()
    return VoiceLine(say(line), speak(line), language, identity, recorded)


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
    voice = plan_voice(scene, node_id, index, language, root, say, speak)
    show = _resolve_show(shot.show, root, say, set()) if shot.show is not None else None
    return ShotPlan(index + 1, voice, float(shot.pause or 0), show)


def personal_elements(show: Show, personal: set[str]) -> frozenset[str]:
    """The elements of a shot that say a debtor's value: the player draws those."""
    named = {key: getattr(show, key) for key in ("title", "text", "card")}
    named.update({f"bullet{i}": bullet for i, bullet in enumerate(show.bullets or ())})
    return frozenset(k for k, text in named.items() if text and is_personal(text, personal))


def _resolve_show(show: Show, root: ContentRoot, say: Say, personal: set[str]) -> ResolvedShow:
    image = root.static_file(show.image) if show.image else None
    return ResolvedShow(
        title=say(show.title) if show.title else None,
        text=say(show.text) if show.text else None,
        card=say(show.card) if show.card else None,
        bullets=tuple(say(b) for b in show.bullets or ()),
        icon=root.icons[show.icon] if show.icon else None,
        image=image,
        personal=personal_elements(show, personal),
        illustration=_illustration(show.illustration, root) if show.illustration else (),
        count_up=show.emphasis == "count-up",
    )


def _illustration(name: str, root: ContentRoot) -> tuple[ResolvedPart, ...]:
    found = load_illustrations(root)
    return tuple(
        ResolvedPart(found.art_of(p), p.x, p.y, p.size, p.enter, p.delay, p.emphasis)
        for p in found.scenes[name].parts
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
            **({"personal": sorted(show.personal)} if show.personal else {}),
            **({"logo": True} if show.logo else {}),  # the logo's file is in the theme's digest
            **({"count_up": True} if show.count_up else {}),
            **(
                {"illustration": [_part_key(p) for p in show.illustration]}
                if show.illustration
                else {}
            ),
        },
    }


def _part_key(part: ResolvedPart) -> list[Any]:
    return [file_digest(part.art), part.x, part.y, part.size, part.enter, part.delay, part.emphasis]
