"""Checking a voice actor's recordings and taking the good ones into ``voiceovers/``.

A recording replaces the TTS voice for one shot in every video of its language, so a bad one
reaches every debtor: a file that is not audio, a telephone-quality take, a clipped one or one
named for a shot that does not exist is refused, and nothing of it is written. A good one is
trimmed of the silence around it and evened out to the loudness every voice is spliced at
(EBU R128, :mod:`render.audio`), and written as ``<node>-<shot>.wav`` atomically.
"""

from __future__ import annotations

import difflib
import math
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from render.audio import (
    TARGET_LUFS,
    Samples,
    measure_loudness,
    normalize_loudness,
    read_samples,
    write_pcm16,
)
from render.content import ContentRoot
from render.ffmpeg import FfmpegError
from render.recording_script import Script, ScriptLine
from render.recordings import personal_advice, without_personal
from render.scene import Scene
from render.voices import RECORDED_SUFFIXES, recorded_voiceover

MIN_SAMPLE_RATE = 16_000  # below this, speech sounds like an old telephone
FULL_SCALE = 0.999  # a sample this close to the limit was clipped by the recorder
CLIPPED_REFUSED = 0.001  # share of samples at full scale that is audible distortion
CLIPPED_WARNED = 0.0001  # a few clipped peaks: usually inaudible, worth a look
TOO_SHORT = 0.5  # of the target length: words were probably left out
TOO_LONG = 2.0  # of the target length: a retake, a long pause or another line included
QUIET_LUFS = -40.0  # raising speech this quiet raises the room's noise with it
WINDOW = 0.01  # seconds per level measurement when looking for silence
SILENCE_BELOW_PEAK = 40.0  # dB under the loudest window: room tone, not speech
SILENCE_FLOOR = -60.0  # dBFS: quieter than this is silence however quiet the speech
KEEP_BEFORE = 0.1  # seconds of silence kept before the first word (no clipped onset)
KEEP_AFTER = 0.2  # and after the last (the tail of the last word)
_NAME = re.compile(r"^(?P<node>.+)-(?P<shot>\d+)$")


@dataclass
class RecordingCheck:
    """What checking one file found, and where the good one was written."""

    name: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    written: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportReport:
    outcomes: list[RecordingCheck]
    missing: list[ScriptLine]  # lines to record that still have no recording
    personal: list[ScriptLine]  # lines the TTS voice keeps

    @property
    def failed(self) -> bool:
        return bool(self.missing) or any(not outcome.ok for outcome in self.outcomes)


def import_recordings(
    folder: Path, scene: Scene, script: Script, root: ContentRoot
) -> ImportReport:
    """Check every file in ``folder`` (hidden files aside) and copy the good ones."""
    target = root.voiceovers_dir / scene.id / script.language
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    outcomes = [RecordingCheck(path.name) for path in files]
    lines = {
        path.name: line
        for path, outcome in zip(files, outcomes, strict=True)
        if (line := _identify(path, scene, script, outcome)) is not None
    }
    _refuse_duplicates(outcomes, lines)
    for path, outcome in zip(files, outcomes, strict=True):
        if outcome.ok:
            take_recording(path, lines[path.name], target, outcome)
    missing = [
        line
        for line in script.lines
        if not line.personal
        and recorded_voiceover(root, scene.id, script.language, line.node_id, line.shot) is None
    ]
    return ImportReport(outcomes, missing, [x for x in script.lines if x.personal])


def _identify(
    path: Path, scene: Scene, script: Script, outcome: RecordingCheck
) -> ScriptLine | None:
    """The line a file is named for; every reason it cannot be taken goes into ``outcome``."""
    if path.is_dir():
        outcome.errors.append("a folder, not a recording")
        return None
    suffix = path.suffix.lower()
    if suffix not in RECORDED_SUFFIXES:
        outcome.errors.append(
            f"not a WAV or MP3 file ({suffix or 'no extension'}); export the take as WAV"
        )
    match = _NAME.match(path.stem)
    example = script.lines[0].file_name if script.lines else "intro-1.wav"
    if match is None:
        outcome.errors.append(f"name it <node>-<shot>.wav, such as {example} (shots count from 1)")
        return None
    node_id, number = match["node"], int(match["shot"])
    node = scene.nodes.get(node_id)
    if node is None:
        close = difflib.get_close_matches(node_id, list(scene.nodes), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see the recording script"
        outcome.errors.append(f"scene '{scene.id}' has no node '{node_id}'; {hint}")
        return None
    if not 1 <= number <= len(node.shots):
        outcome.errors.append(
            f"node '{node_id}' has {len(node.shots)} shot(s), counted from 1; there is no shot {number}"
        )
        return None
    line = script.line(node_id, number)
    if line is None:
        outcome.errors.append(f"shot {number} of node '{node_id}' is a pause: it says nothing")
        return None
    if line.personal:
        say = node.shots[number - 1].say or ""
        source = scene.source_language
        suggestion = without_personal(say, scene.placeholder_kinds(), source)
        in_source = source if script.language != source else None
        advice = personal_advice(list(line.personal), suggestion, in_source)
        outcome.errors.append(f"a personal line, not taken: {advice}")
    return line


def _refuse_duplicates(outcomes: list[RecordingCheck], lines: dict[str, ScriptLine]) -> None:
    """Two files for one shot: which one is meant cannot be guessed, so neither is taken."""
    by_shot: dict[str, list[str]] = {}
    for name, line in lines.items():
        by_shot.setdefault(line.stem, []).append(name)
    for outcome in outcomes:
        if outcome.name not in lines:
            continue
        stem = lines[outcome.name].stem
        others = [name for name in by_shot[stem] if name != outcome.name]
        if others:
            outcome.errors.append(
                f"{', '.join(others)} is a recording of the same shot ({stem}); keep one"
            )


def take_recording(path: Path, line: ScriptLine, target: Path, outcome: RecordingCheck) -> None:
    """Check one take and, when it is good, write it trimmed and at the target loudness as
    ``target/<node>-<shot>.wav``; the reasons it is not go into ``outcome``.

    The take is read from a copy in a temporary folder, so nothing is written beside the
    actor's file (which may be on a read-only card), and nothing reaches ``target`` unless
    every check passed.
    """
    with tempfile.TemporaryDirectory(prefix="vidpay-recording-") as work:
        trimmed = Path(work) / "trimmed.wav"
        rate = _checked(path, Path(work), trimmed, line, outcome)
        if rate is None:
            return
        written = target / line.file_name
        replaced = [written.with_suffix(s) for s in RECORDED_SUFFIXES]
        earlier = [p.name for p in replaced if p.is_file()]
        normalize_loudness(trimmed, written, rate=rate)
    for stale in replaced:
        if stale != written:
            stale.unlink(missing_ok=True)  # an .mp3 would be shadowed by the .wav anyway
    outcome.written = written
    outcome.done.append(f"loudness now {measure_loudness(written):.1f} LUFS")
    if earlier:
        outcome.done.append(f"replaced the earlier {', '.join(earlier)}")


def _checked(
    path: Path, work: Path, trimmed: Path, line: ScriptLine, outcome: RecordingCheck
) -> int | None:
    """Decode, check and trim one take into ``trimmed``; its sample rate, or None (with the
    reasons in ``outcome``) when it fails."""
    if path.stat().st_size == 0:
        outcome.errors.append("the file is empty")
        return None
    if audio_format(path) is None:
        outcome.errors.append("holds no WAV or MP3 audio, whatever its name says")
        return None
    staged = work / f"take{path.suffix.lower()}"
    shutil.copyfile(path, staged)
    try:
        samples, rate = read_samples(staged)
    except FfmpegError as exc:
        outcome.errors.append(f"cannot be decoded as audio: {_last_line(str(exc))}")
        return None
    _check_quality(samples, rate, outcome)
    if not outcome.ok:
        return None
    start, end = speech_bounds(samples, rate)
    if start >= end:
        outcome.errors.append("holds no sound, only silence")
        return None
    write_pcm16(trimmed, samples[start:end], rate)
    before = measure_loudness(trimmed)
    if not math.isfinite(before):
        outcome.errors.append("holds no sound, only silence")
        return None
    cut = (start / rate, (len(samples) - end) / rate)
    if max(cut) >= 0.05:
        outcome.done.append(
            f"trimmed {cut[0]:.2f} s of silence at the start, {cut[1]:.2f} s at the end"
        )
    outcome.done.append(f"loudness was {before:.1f} LUFS")
    if before < QUIET_LUFS:
        outcome.warnings.append(
            f"very quiet ({before:.1f} LUFS): raised by {TARGET_LUFS - before:.0f} dB, and the "
            "room's noise with it; record closer to the microphone"
        )
    _check_length((end - start) / rate, line, outcome)
    return rate


def _check_quality(samples: Samples, rate: int, outcome: RecordingCheck) -> None:
    """What no trimming or gain can repair: too few samples per second, clipped peaks."""
    if rate < MIN_SAMPLE_RATE:
        outcome.errors.append(
            f"sample rate {rate} Hz is too low: record at {MIN_SAMPLE_RATE} Hz at least "
            "(44100 or 48000 Hz is usual)"
        )
    clipped = clipped_share(samples)
    if clipped > CLIPPED_REFUSED:
        outcome.errors.append(
            f"clipped: {clipped:.2%} of the samples are at full scale (at most "
            f"{CLIPPED_REFUSED:.1%} is taken); record again with less input gain"
        )
    elif clipped > CLIPPED_WARNED:
        outcome.warnings.append(
            f"{clipped:.3%} of the samples are at full scale; listen for distortion"
        )


def _check_length(seconds: float, line: ScriptLine, outcome: RecordingCheck) -> None:
    """Much shorter than the words need, or much longer: probably not the line as written."""
    said = f"{seconds:.1f} s of speech for {line.words} words (target {line.target:.1f} s)"
    if seconds < TOO_SHORT * line.target:
        outcome.warnings.append(f"too short: {said}; is every word there?")
    elif seconds > TOO_LONG * line.target:
        outcome.warnings.append(
            f"too long: {said}, over {TOO_LONG:g}x; a retake, a long pause or another line?"
        )
    else:
        outcome.done.append(said)


def audio_format(path: Path) -> str | None:
    """``wav`` or ``mp3`` from the first bytes of a file, or None for anything else."""
    with path.open("rb") as stream:
        head = stream.read(12)
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def clipped_share(samples: Samples) -> float:
    """The share of samples at (or within a hair of) full scale."""
    if not len(samples):
        return 0.0
    return float(np.count_nonzero(np.abs(samples) >= FULL_SCALE)) / len(samples)


def speech_bounds(samples: Samples, rate: int) -> tuple[int, int]:
    """Where the speech starts and ends, as sample indices, with a little silence kept.

    Silence is a 10 ms window quieter than the room can be: 40 dB under the loudest window,
    and anything under -60 dBFS. ``start >= end`` when there is no speech at all.
    """
    size = max(int(WINDOW * rate), 1)
    count = len(samples) // size
    if count == 0:
        return 0, 0
    windows = samples[: count * size].reshape(count, size)
    with np.errstate(divide="ignore"):
        level = 10 * np.log10(np.mean(np.square(windows), axis=1))
    loudest = float(level.max())
    threshold = max(loudest - SILENCE_BELOW_PEAK, SILENCE_FLOOR)
    loud = np.flatnonzero(level > threshold)
    if not len(loud) or not math.isfinite(loudest):
        return 0, 0
    start = max(int(loud[0]) * size - int(KEEP_BEFORE * rate), 0)
    end = min((int(loud[-1]) + 1) * size + int(KEEP_AFTER * rate), len(samples))
    return start, end


def _last_line(message: str) -> str:
    lines = [x for x in message.strip().splitlines() if x.strip()]
    return lines[-1] if lines else message
