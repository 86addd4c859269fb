"""SVOX Pico for real, where Debian's libttspico is installed (.ci/pico installs it)."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import pytest

from render.audio import wav_duration
from render.tts.base import SpeechError
from render.tts.pico import SAMPLE_RATE, VOICES, PicoEngine, installed

SENTENCES = {
    "de": "Guten Tag. Sie können den Betrag heute bequem überweisen.",
    "en": "Good afternoon. You can pay the amount today by bank transfer.",
    "es": "Buenas tardes. Puede pagar el importe hoy mismo por transferencia bancaria.",
}

needs_pico = pytest.mark.skipif(not installed("de"), reason="Pico is not installed (.ci/pico)")


@needs_pico
@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_pico_speaks_each_language(tmp_path: Path, language: str) -> None:
    target = tmp_path / "line.wav"
    PicoEngine(language).synthesize(SENTENCES[language], target)
    with wave.open(str(target), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
        samples = wav.readframes(wav.getnframes())
    assert 2.0 < wav_duration(target) < 8.0  # a sentence of ten words, said calmly
    assert max(samples[1::2]) > 8  # not silence: some high bytes are set


@needs_pico
def test_a_longer_text_is_spoken_longer(tmp_path: Path) -> None:
    engine = PicoEngine("de")
    short, _ = engine.samples("Guten Tag.", tmp_path)
    long, _ = engine.samples("Guten Tag. " * 6, tmp_path)
    assert len(long) > 3 * len(short)


@needs_pico
def test_threads_share_the_library_safely(tmp_path: Path) -> None:
    """The library is not thread-safe; the lock keeps each thread's sound its own."""
    engine = PicoEngine("en")
    alone, _ = engine.samples(SENTENCES["en"], tmp_path)
    results: list[bytes] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(engine.samples(SENTENCES["en"], tmp_path)[0])
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [alone] * 4


def test_identity_names_the_voice_and_the_package() -> None:
    identity = PicoEngine("de").identity()
    assert identity.startswith("pico ")
    assert identity.endswith("voice=de")
    assert PicoEngine("en", voice="en-us").identity().endswith("voice=en-us")


def test_a_language_pico_does_not_speak_is_refused() -> None:
    with pytest.raises(SpeechError, match=r"pico has no voice 'nl'.*it speaks de, en"):
        PicoEngine("nl")
    assert set(VOICES) >= {"de", "en", "es", "fr", "it"}


def test_missing_voices_say_how_to_install_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDPAY_PICO_LANG", str(tmp_path))
    assert not installed("de")
    with pytest.raises(SpeechError, match=r"not installed in .*libttspico0 and libttspico-data"):
        PicoEngine("de").samples("Guten Tag.", tmp_path)


@needs_pico
def test_empty_text_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no text to speak"):
        PicoEngine("es").samples("  \0 ", tmp_path)
