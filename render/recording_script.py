"""The recording script: what a voice actor records for one scene in one language.

Per spoken shot the actor gets the file name to save (``<node>-<shot>.wav``, the name
``render.voices.recorded_voiceover`` looks for), the line in their language, where it stands
in the video (what is on screen, what is said before and after) and about how long it should
take at a calm pace. Lines that say a debtor's own value are marked: no recording can say each
debtor's name, so the TTS voice keeps them (:mod:`render.recordings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel import Locale

from render.content import ContentRoot
from render.formatting import Value, base_language, placeholder_values
from render.i18n import load_translations
from render.recordings import personal_advice, personal_kinds, personal_names, without_personal
from render.scene import Scene, Show, VariableType
from render.texts import fill, needs_translation, placeholders, sentences, word_count
from render.voices import recorded_voiceover

# Calm speaking rates in words per second, for people who read slowly or listen in a second
# language: about 10-15% under ordinary conversation. Turkish and German words are long (many
# syllables each), Spanish ones short.
RATES = {"en": 2.3, "nl": 2.2, "de": 2.0, "es": 2.5, "tr": 1.8}
DEFAULT_RATE = 2.2
SENTENCE_PAUSE = 0.3  # seconds of breath between two sentences
SHORTEST = 1.0  # seconds: even "Thank you." takes about this long, calmly
# What a personal value sounds like when counting words: typical, not the longest.
_STAND_INS: dict[VariableType, Value] = {
    "money": Decimal("123.45"),
    "date": date(2026, 1, 15),
    "number": Decimal("3"),
    "text": "Alex",
}


@dataclass(frozen=True)
class ScriptLine:
    """One shot to record (or, when ``personal``, one the TTS voice keeps)."""

    node_id: str
    shot: int  # counted from 1, as the file name
    text: str  # in the script's language; a debtor's value shown as [name]
    on_screen: str
    before: str
    after: str
    words: int
    target: float  # seconds, at the script's rate
    personal: tuple[str, ...]  # the debtor values the line says
    notes: tuple[str, ...]
    recorded: bool  # a recording is in voiceovers/ already

    @property
    def stem(self) -> str:
        return f"{self.node_id}-{self.shot}"

    @property
    def file_name(self) -> str:
        return f"{self.stem}.wav"


@dataclass(frozen=True)
class Script:
    scene_id: str
    title: str
    language: str
    language_name: str  # in English, for the people organising the recording
    rate: float  # words per second the targets assume
    lines: tuple[ScriptLine, ...]

    def line(self, node_id: str, shot: int) -> ScriptLine | None:
        return next((x for x in self.lines if (x.node_id, x.shot) == (node_id, shot)), None)


def speaking_rate(language: str) -> float:
    """Words per second for a calm voice-over in ``language`` (``nl_BE`` speaks as ``nl``)."""
    return RATES.get(base_language(language), DEFAULT_RATE)


def target_seconds(spoken: str, rate: float) -> float:
    """How long a line should take: its words at ``rate``, plus a breath between sentences."""
    words = word_count(spoken)
    pauses = max(len(sentences(spoken)) - 1, 0) * SENTENCE_PAUSE
    return round(max(words / rate + pauses, SHORTEST), 1)


@dataclass(frozen=True)
class _Wording:
    """A scene's texts in one language: as the actor reads them, and as they are spoken."""

    translations: Mapping[str, str]
    written_values: Mapping[str, str]  # contact fields written out, debtor values as [name]
    spoken_values: Mapping[str, str]  # everything in words, debtor values from stand-ins

    def written(self, text: str) -> str:
        return fill(self.translations.get(text, text), self.written_values)

    def spoken(self, text: str) -> str:
        return fill(self.translations.get(text, text), self.spoken_values)

    def quoted(self, text: str) -> str:
        return f"“{self.written(text)}”"


def _wording(scene: Scene, language: str, translations: Mapping[str, str]) -> _Wording:
    kinds = personal_kinds(scene.variables)
    written = placeholder_values(scene.variables, {}, scene.contact, language)
    markers = {name: f"[{name.replace('_', ' ')}]" for name in kinds}
    stand_ins = {name: _STAND_INS[kind] for name, kind in kinds.items()}
    spoken = placeholder_values(scene.variables, stand_ins, scene.contact, language, spoken=True)
    return _Wording(translations, {**written, **markers}, spoken)


def build_script(scene: Scene, root: ContentRoot, language: str) -> Script:
    """The script for ``language``: every spoken shot, in scene order.

    Raises ``ContentError`` when the language's catalogue cannot be read; a text not yet
    translated is shown in the source language, with a note.
    """
    source = scene.source_language
    translations = {} if language == source else load_translations(root, scene.id, language)
    wording = _wording(scene, language, translations)
    rate = speaking_rate(language)
    arrivals = _arrivals(scene, wording)
    lines = []
    for node_id, node in scene.nodes.items():
        for index, shot in enumerate(node.shots):
            if shot.say is None:
                continue
            spoken = wording.spoken(shot.say)
            lines.append(
                ScriptLine(
                    node_id=node_id,
                    shot=index + 1,
                    text=wording.written(shot.say),
                    on_screen=_on_screen(shot.show, wording),
                    before=_before(scene, node_id, index, wording, arrivals),
                    after=_after(scene, node_id, index, wording),
                    words=word_count(spoken),
                    target=target_seconds(spoken, rate),
                    personal=tuple(personal_names(shot.say, personal_kinds(scene.variables))),
                    notes=tuple(_notes(scene, shot.say, language, wording)),
                    recorded=_recorded(root, scene.id, language, node_id, index + 1),
                )
            )
    name = Locale.parse(language).english_name or language
    return Script(scene.id, scene.title, language, name, rate, tuple(lines))


def _recorded(root: ContentRoot, scene_id: str, language: str, node_id: str, shot: int) -> bool:
    return recorded_voiceover(root, scene_id, language, node_id, shot) is not None


def _notes(scene: Scene, say: str, language: str, wording: _Wording) -> list[str]:
    """What the actor (or whoever organises the recording) must know about one line."""
    kinds = personal_kinds(scene.variables)
    notes = []
    names = personal_names(say, kinds)
    if names:
        source = scene.source_language
        suggestion = without_personal(say, kinds, source)
        advice = personal_advice(names, suggestion, source if language != source else None)
        notes.append(f"Personal line, do not record: {advice}.")
    contact = scene.contact.fields()
    for name in dict.fromkeys(placeholders(say)):
        if name in contact and name not in kinds:
            notes.append(
                f"{{{name}}} is the same for every debtor: say it as "
                f"“{wording.spoken_values[name]}” (record again if it changes)."
            )
    if (
        needs_translation(say)
        and say not in wording.translations
        and language != scene.source_language
    ):
        notes.append(
            f"Not translated into {language} yet (or only as a draft): the "
            f"{scene.source_language} text is shown; record it once the translation is reviewed."
        )
    return notes


def _on_screen(show: Show | None, wording: _Wording) -> str:
    if show is None:
        return "nothing new"
    parts = [
        f"{key}: {wording.quoted(value)}"
        for key in ("title", "text", "card")
        if (value := getattr(show, key)) is not None
    ]
    if show.bullets:
        parts.append("bullets: " + " · ".join(wording.quoted(b) for b in show.bullets))
    if show.icon:
        parts.append(f"icon: {show.icon}")
    if show.image:
        parts.append(f"image: {show.image}")
    return "; ".join(parts) or "nothing new"


def _arrivals(scene: Scene, wording: _Wording) -> dict[str, list[str]]:
    """node -> how a debtor gets there: the start, an entry, a button or a next."""
    found: dict[str, list[str]] = {scene.start: ["the video starts here"]}
    for status, node_id in scene.entry.items():
        found.setdefault(node_id, []).append(f"the video starts here when the case is {status}")
    for node_id, node in scene.nodes.items():
        for choice in node.choices or []:
            found.setdefault(choice.goto, []).append(
                f"node {node_id}, button {wording.quoted(choice.label)}"
            )
        if node.next is not None:
            how = f"after the {node.action} step" if node.action else "next"
            found.setdefault(node.next, []).append(f"node {node_id} ({how})")
    return found


def _before(
    scene: Scene, node_id: str, index: int, wording: _Wording, arrivals: dict[str, list[str]]
) -> str:
    for number in range(index - 1, -1, -1):
        earlier = scene.nodes[node_id].shots[number].say
        if earlier is not None:
            return f"shot {number + 1}: {wording.quoted(earlier)}"
    ways = arrivals.get(node_id, [])
    return "beginning of the node; comes after: " + ("; ".join(ways) or "nothing")


def _after(scene: Scene, node_id: str, index: int, wording: _Wording) -> str:
    node = scene.nodes[node_id]
    held = 0.0
    for number in range(index + 1, len(node.shots)):
        shot = node.shots[number]
        if shot.say is not None:
            pause = f"a pause of {held:g} s, then " if held else ""
            return f"{pause}shot {number + 1}: {wording.quoted(shot.say)}"
        held += shot.pause or 0
    pause = f"a pause of {held:g} s, then " if held else ""
    if node.choices:
        return pause + "the buttons " + " · ".join(wording.quoted(c.label) for c in node.choices)
    if node.next is not None:
        step = f"the {node.action} step on screen, then " if node.action else ""
        first = next((s.say for s in scene.nodes[node.next].shots if s.say), None)
        line = f": {wording.quoted(first)}" if first else ""
        return f"{pause}{step}node {node.next}{line}"
    return pause + "the end of the video"


# --- written forms -------------------------------------------------------------------------

SCRIPT_COLUMNS = (
    "file",
    "node",
    "shot",
    "text",
    "personal",
    "notes",
    "on screen",
    "before",
    "after",
    "words",
    "target seconds",
    "recorded already",
)


def script_rows(script: Script) -> list[list[str]]:
    """The script as a table, header first, for a spreadsheet (the caller writes it safely)."""
    header = [
        *SCRIPT_COLUMNS[:3],
        f"text ({script.language})",
        *SCRIPT_COLUMNS[4:10],
        f"target seconds (at {script.rate:g} words/s)",
        SCRIPT_COLUMNS[11],
    ]
    rows = [header]
    for line in script.lines:
        rows.append(
            [
                line.file_name,
                line.node_id,
                str(line.shot),
                line.text,
                "personal: do not record" if line.personal else "",
                " ".join(line.notes),
                line.on_screen,
                line.before,
                line.after,
                str(line.words),
                f"{line.target:.1f}",
                "yes" if line.recorded else "no",
            ]
        )
    return rows


TEMPLATES = Path(__file__).resolve().parent / "templates"


def script_html(script: Script) -> str:
    """The script as a printable, accessible HTML page (every text escaped)."""
    from jinja2 import Environment, FileSystemLoader  # only when a page is asked for

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    template = environment.get_template("recording_script.html")
    return template.render(script=script, personal=sum(1 for x in script.lines if x.personal))
