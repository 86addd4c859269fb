"""Rendering one planned segment: voice, soundtrack, layers, video, captions and poster; or,
for a personal node, its shared picture: layers, video and poster, no voice and no captions.

Runs in a worker process (or a Celery worker on another machine): it reads only the plan and
the content root, and writes only into the media store, every file atomically.
"""

from __future__ import annotations

import json
import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from render.audio import (
    SAMPLE_RATE,
    Samples,
    from_pcm16,
    normalize_loudness,
    read_samples,
    wav_duration,
)
from render.cache import MediaStore, atomic_path, content_key
from render.captions import Spoken, cues_for, to_webvtt
from render.compose import compose_video, encode_audio
from render.content import ContentRoot
from render.ffmpeg import FfmpegError
from render.layout import FPS
from render.plan import SegmentPlan, VoiceLine
from render.timeline import Slot, picture_slots, shot_slots, visuals
from render.tts.base import SpeechError
from render.voices import engine_for, read_speech

LOUDNESS = -16.0
SEGMENT_FILES = ("mp4", "vtt", "jpg", "json")
PICTURE_FILES = ("mp4", "jpg", "json")


class RenderError(RuntimeError):
    """A segment could not be rendered; says which scene, node, language and what failed."""


@dataclass(frozen=True)
class SegmentResult:
    key: str
    duration: float
    video: str  # paths relative to the output folder
    captions: str
    poster: str
    uses: tuple[str, ...]  # keys of cached speech and soundtrack files, kept while in use
    # each shot's frames [start, end); for a shared picture also the places of personal texts
    shots: tuple[tuple[int, int], ...] = ()
    boxes: tuple[dict[str, object], ...] = ()


def segment_files(plan: SegmentPlan) -> tuple[str, ...]:
    """The files a finished segment has in the store."""
    return PICTURE_FILES if plan.personal else SEGMENT_FILES


def render_segment(plan: SegmentPlan, out: Path, *, threads: int = 0) -> SegmentResult:
    """Render a segment unless it is in the store already; return where its files are."""
    store = MediaStore(out)
    if store.has("segments", plan.key, segment_files(plan)):
        return _result(json.loads(store.path("segments", plan.key, "json").read_text()))
    try:
        if plan.personal:
            return _render_picture(plan, store, threads)
        return _render(plan, store, threads)
    except (SpeechError, FfmpegError, OSError) as exc:
        where = f"scene {plan.scene_id}, node {plan.node_id}, language {plan.language}"
        raise RenderError(f"{where}: {exc}") from exc


def _render(plan: SegmentPlan, store: MediaStore, threads: int) -> SegmentResult:
    root = ContentRoot(plan.root)
    (store.out / "tmp").mkdir(parents=True, exist_ok=True)
    speech = [speech_file(shot.voice, root, store) if shot.voice else None for shot in plan.shots]
    seconds = [wav_duration(p) if p else 0.0 for p in speech]
    slots = shot_slots([(s, shot.pause) for s, shot in zip(seconds, plan.shots, strict=True)])
    with tempfile.TemporaryDirectory(dir=store.out / "tmp") as work_dir:
        work = Path(work_dir)
        audio = _soundtrack(speech, slots, store, work)
        lines = [shot.voice.text if shot.voice else None for shot in plan.shots]
        pictures = visuals([shot.show for shot in plan.shots], slots, plan.theme, work, lines)
        with atomic_path(store.path("segments", plan.key, "mp4")) as temporary:
            compose_video(pictures.pieces, audio, temporary, threads=threads)
        with atomic_path(store.path("segments", plan.key, "jpg")) as temporary:
            pictures.poster.save(temporary, "JPEG", quality=85)
    spoken = [
        Spoken(shot.voice.text, slot.start / FPS, slot.start / FPS + slot.speech)
        for shot, slot in zip(plan.shots, slots, strict=True)
        if shot.voice is not None
    ]
    with atomic_path(store.path("segments", plan.key, "vtt")) as temporary:
        temporary.write_text(to_webvtt(cues_for(spoken)), encoding="utf-8")
    url = {ext: store.url(store.path("segments", plan.key, ext)) for ext in ("mp4", "vtt", "jpg")}
    result = SegmentResult(
        key=plan.key,
        duration=slots[-1].end / FPS,
        video=url["mp4"],
        captions=url["vtt"],
        poster=url["jpg"],
        uses=tuple(p.stem for p in [*speech, audio] if p is not None),
        shots=tuple((slot.start, slot.end) for slot in slots),  # for contact sheets
    )
    with atomic_path(store.path("segments", plan.key, "json")) as temporary:
        temporary.write_text(json.dumps(asdict(result)), encoding="utf-8")
    return result


def _render_picture(plan: SegmentPlan, store: MediaStore, threads: int) -> SegmentResult:
    """The picture of a personal node, the same for every debtor: each shot's elements enter
    and settle, the personal ones as empty places; a key frame starts each shot."""
    (store.out / "tmp").mkdir(parents=True, exist_ok=True)
    slots = picture_slots([shot.show for shot in plan.shots])
    with tempfile.TemporaryDirectory(dir=store.out / "tmp") as work_dir:
        pictures = visuals([shot.show for shot in plan.shots], slots, plan.theme, Path(work_dir))
        with atomic_path(store.path("segments", plan.key, "mp4")) as temporary:
            compose_video(pictures.pieces, None, temporary, threads=threads,
                          keyframes=[slot.start for slot in slots])  # fmt: skip
        with atomic_path(store.path("segments", plan.key, "jpg")) as temporary:
            pictures.poster.save(temporary, "JPEG", quality=85)
    result = SegmentResult(
        key=plan.key,
        duration=slots[-1].end / FPS,
        video=store.url(store.path("segments", plan.key, "mp4")),
        captions="",
        poster=store.url(store.path("segments", plan.key, "jpg")),
        uses=(),
        shots=tuple((slot.start, slot.end) for slot in slots),
        boxes=tuple(pictures.boxes),
    )
    with atomic_path(store.path("segments", plan.key, "json")) as temporary:
        temporary.write_text(json.dumps(asdict(result)), encoding="utf-8")
    return result


def _result(data: dict[str, object]) -> SegmentResult:
    data["uses"] = tuple(data.get("uses", ()))  # type: ignore[arg-type]
    data["shots"] = tuple(tuple(shot) for shot in data.get("shots", ()))  # type: ignore[attr-defined]
    data["boxes"] = tuple(data.get("boxes", ()))  # type: ignore[arg-type]
    return SegmentResult(**data)  # type: ignore[arg-type]


def speech_file(voice: VoiceLine, root: ContentRoot, store: MediaStore) -> Path:
    """The line spoken and loudness-normalised, from the cache when said before."""
    key = content_key({"speech": voice.speech, "voice": voice.identity, "lufs": LOUDNESS})
    target = store.path("speech", key, "wav")
    if not target.is_file():
        (store.out / "tmp").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=store.out / "tmp") as work:
            raw = Path(work) / "raw.wav"
            spoken_line(voice, root, raw, target)
    return target


def spoken_line(
    voice: VoiceLine,
    root: ContentRoot,
    raw: Path,
    target: Path,
    *,
    exact: bool = True,
    rate: int = SAMPLE_RATE,
) -> None:
    """Synthesise (or read the recording of) one line into ``raw``, then write it to
    ``target`` normalised (atomically: ``target`` may be a shared cache file)."""
    say_line(voice, root, raw)
    with atomic_path(target) as temporary:
        normalize_loudness(raw, temporary, lufs=LOUDNESS, exact=exact, rate=rate)


def say_line(voice: VoiceLine, root: ContentRoot, raw: Path) -> None:
    """One line as the engine says it (or as it was recorded), before any normalising."""
    if voice.recorded is not None:
        read_speech(voice.recorded, raw)
    else:
        engine_for(root, voice.language).synthesize(voice.speech, raw)


def line_samples(
    voice: VoiceLine, root: ContentRoot, work: Path, *, personal: bool = False
) -> tuple[Samples, int]:
    """One line's samples and rate, before any normalising; in memory where the engine can.

    ``personal`` must be what the line was planned with (``plan_voice``): a debtor's own line
    goes to an engine over the network only where ``vidpay.toml`` allows it."""
    if voice.recorded is not None:
        read_speech(voice.recorded, work / "raw.wav")
        return read_samples(work / "raw.wav")
    engine = engine_for(root, voice.language, personal=personal)
    pcm, rate = engine.samples(voice.speech, work)
    return from_pcm16(pcm), rate


def _soundtrack(
    speech: list[Path | None], slots: list[Slot], store: MediaStore, work: Path
) -> Path:
    """Each shot's speech followed by silence to its end, encoded to AAC once and cached."""
    key = content_key(
        {
            "soundtrack": [
                [p.stem if p else None, s.end - s.start] for p, s in zip(speech, slots, strict=True)
            ]
        }
    )
    target = store.path("audio", key, "m4a")
    if target.is_file():
        return target
    pcm = bytearray()
    for path, slot in zip(speech, slots, strict=True):
        if path is not None:
            with wave.open(str(path), "rb") as source:
                pcm += source.readframes(source.getnframes())
        pcm += b"\0" * max(0, slot.end * SAMPLE_RATE // FPS * 2 - len(pcm))
    wav = work / "soundtrack.wav"
    with wave.open(str(wav), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(SAMPLE_RATE)
        sink.writeframes(bytes(pcm))
    with atomic_path(target) as temporary:
        encode_audio(wav, temporary)
    return target
