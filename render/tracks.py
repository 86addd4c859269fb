"""A debtor's voice track for a personal node: their lines spoken, when each shot begins and
ends, their captions, and their texts for the places the shared picture keeps empty.

This is all a debtor costs: a few lines of speech (a few milliseconds each with the offline
voice), one AAC encode in this process, and a small JSON manifest. The picture is the node's
shared one (:mod:`render.plan`), joined to the track when the player asks for it
(:mod:`render.mux`). Lines that say nothing personal come from the shared speech cache; the
debtor's own lines are synthesised into a temporary folder and kept only inside their track.

A debtor's tracks of a scene, and the manifest that lists them, are :mod:`render.debtors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from render.audio import normalized_samples, pcm16, read_samples, resampled
from render.cache import MediaStore, atomic_path, content_key
from render.captions import Spoken, cues_for
from render.content import ContentRoot
from render.formatting import Value
from render.layout import FPS
from render.plan import (
    Say,
    VoiceLine,
    is_personal,
    personal_elements,
    personal_placeholders,
    plan_voice,
    sayer,
)
from render.scene import Scene
from render.segment import LOUDNESS, line_samples, speech_file
from render.timeline import shot_slots

TRACK_VERSION = 3  # what is in a track file (3: cues of at most three phone lines); a new one
# prepares every track again
TRACK_RATE = 16_000  # wideband speech: what phones call HD voice; the encoder's work is 2/3
AAC_BITRATE = 32_000  # mono: 4 KB a second


@dataclass(frozen=True)
class TrackShot:
    voice: VoiceLine | None
    personal_voice: bool  # says a debtor's value: synthesised for them, never cached shared
    pause: float
    texts: tuple[tuple[str, str], ...]  # (element, the debtor's text) for the kept places


@dataclass(frozen=True)
class TrackPlan:
    """One debtor's track of one personal node in one language (plain data, picklable)."""

    scene_id: str
    node_id: str
    language: str
    root: Path
    picture: str  # the key of the node's shared picture in this language
    shots: tuple[TrackShot, ...]
    key: str  # of what is heard: voices, their texts and pauses


@dataclass(frozen=True)
class Track:
    node: str
    picture: str
    audio: str  # relative to the media folder
    duration: float
    shots: tuple[tuple[float, float], ...]  # seconds [start, end) of each shot
    cues: tuple[dict[str, Any], ...]  # {"start", "end", "text"}: the captions
    texts: tuple[dict[str, str], ...]  # per shot: element -> text


def plan_track(
    scene: Scene,
    node_id: str,
    language: str,
    *,
    root: ContentRoot,
    translations: Mapping[str, str],
    values: Mapping[str, Value],
    picture: str,
) -> TrackPlan:
    """The debtor's lines and texts of a personal node, with the key of what is heard."""
    say = sayer(scene, language, translations, values)
    speak = sayer(scene, language, translations, values, spoken=True)
    return _plan_track(scene, node_id, language, root, (say, speak), picture)


def _plan_track(
    scene: Scene,
    node_id: str,
    language: str,
    root: ContentRoot,
    sayers: tuple[Say, Say],
    picture: str,
) -> TrackPlan:
    say, speak = sayers
    mine = personal_placeholders(scene)
    shots = []
    for i, shot in enumerate(scene.nodes[node_id].shots):
        personal = shot.say is not None and is_personal(shot.say, mine)
        voice = plan_voice(scene, node_id, i, language, root, say, speak, personal=personal)
        elements = personal_elements(shot.show, mine) if shot.show else frozenset()
        texts = tuple((element, say(_source(shot.show, element))) for element in sorted(elements))
        shots.append(TrackShot(voice, personal, float(shot.pause or 0), texts))
    heard = [[s.voice.text, s.voice.speech, s.voice.identity] if s.voice else None for s in shots]
    key = content_key({"track": TRACK_VERSION, "heard": heard, "pauses": [s.pause for s in shots],
                       "lufs": LOUDNESS, "aac": AAC_BITRATE})  # fmt: skip
    return TrackPlan(scene.id, node_id, language, root.path, picture, tuple(shots), key)


def _source(show: Any, element: str) -> str:
    if element.startswith("bullet"):
        return str(show.bullets[int(element[len("bullet") :])])
    return str(getattr(show, element))


def prepare_track(plan: TrackPlan, out: Path, folder: Path, work: Path) -> Track:
    """Speak the debtor's lines (through ``work``, a temporary folder) into ``folder`` as one
    AAC file; an earlier track's file of the node stays until the manifest no longer names it."""
    store = MediaStore(out)
    root = ContentRoot(plan.root)
    audio = folder / f"{plan.node_id}-{plan.key[:20]}.m4a"
    pcm: list[bytes] = []
    for shot in plan.shots:
        if shot.voice is None:
            pcm.append(b"")
        elif shot.personal_voice:  # the debtor's own line: kept in memory, never cached
            samples, rate = line_samples(shot.voice, root, work, personal=shot.personal_voice)
            line = normalized_samples(samples, rate, lufs=LOUDNESS, exact=False, rate=TRACK_RATE)
            pcm.append(pcm16(line))
        else:
            pcm.append(_pcm(speech_file(shot.voice, root, store)))
    holds = [(len(p) / 2 / TRACK_RATE, s.pause) for p, s in zip(pcm, plan.shots, strict=True)]
    slots = shot_slots(holds)
    if not audio.is_file():
        _encode(pcm, [(s.start, s.end) for s in slots], audio)
    times = tuple((s.start / FPS, s.end / FPS) for s in slots)
    spoken = [
        Spoken(shot.voice.text, start, start + slot.speech)
        for shot, slot, (start, _) in zip(plan.shots, slots, times, strict=True)
        if shot.voice is not None
    ]
    cues = tuple(
        {"start": round(c.start, 3), "end": round(c.end, 3), "text": "\n".join(c.lines)}
        for c in cues_for(spoken)
    )
    return Track(
        plan.node_id, plan.picture, audio.relative_to(out).as_posix(), times[-1][1], times,
        cues, tuple(dict(shot.texts) for shot in plan.shots),
    )  # fmt: skip


def _work(out: Path) -> Path:
    work = out / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    return work


def _pcm(path: Path) -> bytes:
    """A shared line as 16-bit samples at the track's rate (the shared cache keeps 24 kHz)."""
    samples, rate = read_samples(path)
    return pcm16(resampled(samples, rate, TRACK_RATE))


def _encode(lines: list[bytes], frames: list[tuple[int, int]], target: Path) -> None:
    """Each shot's speech followed by silence to its end, as AAC in MP4, in this process. The
    silence after the last line is left out: the picture holds on without it, and encoding
    it was an eighth of the work."""
    pcm = bytearray()
    for index, (line, (_, end)) in enumerate(zip(lines, frames, strict=True)):
        pcm += line
        if index < len(lines) - 1 or not pcm:
            pcm += b"\0" * max(0, end * TRACK_RATE // FPS * 2 - len(pcm))
    samples = np.frombuffer(bytes(pcm), dtype="<i2").reshape(1, -1)
    options = {"fflags": "+bitexact"}
    with atomic_path(target) as temporary, av.open(str(temporary), "w", "mp4", options) as output:
        stream = output.add_stream("aac", rate=TRACK_RATE, layout="mono")
        stream.bit_rate = AAC_BITRATE
        # the fast coder, and no temporal noise shaping: a fifth less work for speech, which
        # has few of the sharp transients TNS is for
        stream.codec_context.options = {"aac_coder": "fast", "aac_tns": "0"}
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = TRACK_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)
