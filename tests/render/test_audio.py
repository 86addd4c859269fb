"""Loudness normalisation with real ffmpeg on real speech."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from render.audio import (
    CEILING,
    SAMPLE_RATE,
    TARGET_LUFS,
    _limit,
    _loudness,
    measure_loudness,
    normalize_loudness,
    normalized,
    normalized_samples,
    read_samples,
    wav_duration,
    write_pcm16,
)
from render.ffmpeg import FfmpegError, run_ffmpeg
from render.tts.espeak import EspeakEngine

SPEECH = "Goedemiddag. U heeft nog een rekening open staan. Wilt u nu betalen, of liever later?"


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    EspeakEngine("nl").synthesize(SPEECH, path)
    return path


def variant(source: Path, target: Path, *options: str) -> Path:
    run_ffmpeg(["-i", source, *options, "-c:a", "pcm_s16le", target], what="preparing a variant")
    return target


def header(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth()


def peak(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        samples = array.array("h", wav.readframes(wav.getnframes()))
    return max(abs(s) for s in samples)


@pytest.mark.parametrize("gain", [-30, -6, 12])
def test_quiet_and_loud_speech_come_out_at_the_target(
    speech: Path, tmp_path: Path, gain: int
) -> None:
    source = variant(speech, tmp_path / "source.wav", "-af", f"volume={gain}dB")
    target = tmp_path / "normalised.wav"
    normalize_loudness(source, target)
    assert measure_loudness(target) == pytest.approx(TARGET_LUFS, abs=1.0)
    assert header(target) == (SAMPLE_RATE, 1, 2)
    assert wav_duration(target) == pytest.approx(wav_duration(speech), abs=0.02)
    assert peak(target) < 32767 * 10 ** (-1.0 / 20)  # no clipping: peaks stay below -1 dBFS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["normalised.wav", "source.wav"]


def test_studio_stereo_recording_becomes_mono_at_24000(speech: Path, tmp_path: Path) -> None:
    source = variant(speech, tmp_path / "studio.wav", "-ar", "48000", "-ac", "2")
    target = tmp_path / "normalised.wav"
    normalize_loudness(source, target)
    assert header(target) == (SAMPLE_RATE, 1, 2)
    assert measure_loudness(target) == pytest.approx(TARGET_LUFS, abs=1.0)


def test_other_target_level(speech: Path, tmp_path: Path) -> None:
    target = tmp_path / "normalised.wav"
    normalize_loudness(speech, target, lufs=-23.0)
    assert measure_loudness(target) == pytest.approx(-23.0, abs=1.0)


def test_a_word_shorter_than_a_loudness_block_is_normalised(tmp_path: Path) -> None:
    word = tmp_path / "ja.wav"
    EspeakEngine("nl", rate=300).synthesize("Ja.", word)
    quiet = variant(word, tmp_path / "quiet.wav", "-af", "volume=-20dB")
    assert wav_duration(quiet) < 0.4
    target = tmp_path / "normalised.wav"
    normalize_loudness(quiet, target)
    assert measure_loudness(target) == pytest.approx(TARGET_LUFS, abs=1.0)


def test_silence_stays_silent(tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=22050:cl=mono",
            "-t",
            "1.5",
            "-c:a",
            "pcm_s16le",
            silence,
        ],
        what="making silence",
    )
    target = tmp_path / "normalised.wav"
    normalize_loudness(silence, target)
    assert header(target) == (SAMPLE_RATE, 1, 2)
    assert wav_duration(target) == pytest.approx(1.5, abs=0.01)
    assert measure_loudness(target) == -math.inf


def test_a_broken_source_leaves_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FfmpegError, match=r"broken\.wav"):
        normalize_loudness(broken, out / "normalised.wav")
    assert list(out.iterdir()) == []


def test_wav_duration_reads_the_header(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(b"\0\0" * (SAMPLE_RATE * 3 // 2))
    assert wav_duration(path) == 1.5


def _ffmpeg_loudness(path: Path) -> float:
    """Integrated loudness by ffmpeg's own EBU R128 meter: a second opinion on pyloudnorm."""
    import re
    import subprocess

    from render.ffmpeg import ffmpeg_exe

    log = subprocess.run(
        [ffmpeg_exe(), "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", log)[-1])


@pytest.mark.parametrize("gain", [-24, 0, 18])
def test_ffmpegs_own_meter_agrees_the_level_is_reached(
    speech: Path, tmp_path: Path, gain: int
) -> None:
    source = variant(speech, tmp_path / "source.wav", "-af", f"volume={gain}dB")
    target = tmp_path / "normalised.wav"
    normalize_loudness(source, target)
    assert _ffmpeg_loudness(target) == pytest.approx(TARGET_LUFS, abs=1.0)


@pytest.mark.parametrize("gain", [-30, -6, 12])
def test_a_debtors_own_line_in_one_step_lands_near_the_target(
    speech: Path, tmp_path: Path, gain: int
) -> None:
    """The quick way a debtor's line is normalised (one gain step, the limiter's loss made up)
    lands as close as the exact one, without clipping, at the voice track's rate."""
    source = variant(speech, tmp_path / "source.wav", "-af", f"volume={gain}dB")
    samples, rate = read_samples(source)
    quick = normalized_samples(samples, rate, exact=False, rate=16_000)
    exact = normalized(source, rate=16_000)
    quick_file, exact_file = tmp_path / "quick.wav", tmp_path / "exact.wav"
    write_pcm16(quick_file, quick, 16_000)
    write_pcm16(exact_file, exact, 16_000)
    assert measure_loudness(quick_file) == pytest.approx(TARGET_LUFS, abs=0.4)
    assert abs(measure_loudness(quick_file) - measure_loudness(exact_file)) < 0.4
    assert peak(quick_file) < 32767 * 10 ** (-1.0 / 20)
    assert header(quick_file)[0] == 16_000


@pytest.mark.parametrize("seconds", [0.4, 1.3, 3.7, 9.2])
def test_the_loudness_meter_agrees_with_pyloudnorm(seconds: float) -> None:
    """Our gating runs on all blocks at once; it must give pyloudnorm's figure, quiet parts
    (gated away) and all."""
    rng = np.random.default_rng(int(seconds * 10))
    rate = 16_000
    signal = rng.standard_normal(int(seconds * rate)) * 0.1
    signal[: len(signal) // 3] *= 0.001  # a near-silent start, below the relative gate
    expected = pyloudnorm.Meter(rate).integrated_loudness(signal)
    assert _loudness(signal, rate) == pytest.approx(expected, abs=1e-6)


def test_the_limiter_keeps_every_peak_under_the_ceiling() -> None:
    rng = np.random.default_rng(7)
    loud = rng.standard_normal(48_000) * 0.6
    limited = _limit(loud, SAMPLE_RATE)
    assert np.abs(limited).max() <= CEILING * (1 + 1e-6)
    untouched = loud * 0.1
    assert _limit(untouched, SAMPLE_RATE) is untouched
