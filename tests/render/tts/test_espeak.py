"""eSpeak NG, for real: every language speaks, rates and voices, threads, errors, identity."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from render.audio import wav_duration
from render.tts.base import SpeechError
from render.tts.espeak import DEFAULT_RATE, EspeakEngine
from tests.render.tts.speech import (
    SENTENCES,
    assert_only_files,
    assert_speech,
    read_wav,
)


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_espeak_speaks_every_language(language: str, tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    EspeakEngine(language).synthesize(SENTENCES[language], target)
    assert_speech(target)
    assert read_wav(target).rate == 22050
    assert_only_files(tmp_path, "speech.wav")


def test_espeak_longer_text_gives_longer_speech(tmp_path: Path) -> None:
    engine = EspeakEngine("nl")
    engine.synthesize("Dank u wel.", tmp_path / "short.wav")
    engine.synthesize(
        "Dank u wel. Wij bellen u morgen tussen negen en vijf uur.", tmp_path / "long.wav"
    )
    assert wav_duration(tmp_path / "long.wav") > 2 * wav_duration(tmp_path / "short.wav")


def test_espeak_slower_rate_gives_longer_speech(tmp_path: Path) -> None:
    text = SENTENCES["de"]
    EspeakEngine("de", rate=120).synthesize(text, tmp_path / "slow.wav")
    EspeakEngine("de", rate=240).synthesize(text, tmp_path / "fast.wav")
    assert wav_duration(tmp_path / "slow.wav") > 1.5 * wav_duration(tmp_path / "fast.wav")


def test_espeak_unknown_voice_is_a_speech_error(tmp_path: Path) -> None:
    engine = EspeakEngine("tr", voice="no-such-voice")
    with pytest.raises(SpeechError, match=r"no voice 'no-such-voice' for language tr"):
        engine.synthesize("Merhaba.", tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_espeak_english_voice_is_en_not_en_gb(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="en-gb"):
        EspeakEngine("en", voice="en-gb").synthesize("Hello.", tmp_path / "speech.wav")
    EspeakEngine("en").synthesize("Hello.", tmp_path / "speech.wav")
    assert_speech(tmp_path / "speech.wav", low=0.2)


def test_espeak_blank_text_is_a_speech_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no text"):
        EspeakEngine("nl").synthesize("  ", tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_espeak_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    target.write_bytes(b"old")
    EspeakEngine("es").synthesize("Hola.", target)
    assert_speech(target, low=0.2)


def test_espeak_is_safe_to_call_from_threads(tmp_path: Path) -> None:
    """The library is global state; the lock keeps concurrent calls from mixing their sound.

    eSpeak's output is not bit-exact between calls (its wave generator keeps state from one
    call to the next), so the durations are compared, with a little tolerance.
    """
    alone = {}
    for language, text in SENTENCES.items():
        EspeakEngine(language).synthesize(text, tmp_path / f"alone-{language}.wav")
        alone[language] = wav_duration(tmp_path / f"alone-{language}.wav")

    def speak(language: str) -> None:
        EspeakEngine(language).synthesize(SENTENCES[language], tmp_path / f"crowd-{language}.wav")

    threads = [threading.Thread(target=speak, args=(language,)) for language in SENTENCES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for language, duration in alone.items():
        assert wav_duration(tmp_path / f"crowd-{language}.wav") == pytest.approx(duration, rel=0.01)


def test_espeak_rate_outside_the_library_limits_is_refused() -> None:
    with pytest.raises(ValueError, match="rate 20"):
        EspeakEngine("nl", rate=20)


def test_espeak_identity() -> None:
    base = EspeakEngine("nl")
    assert base.identity() == EspeakEngine("nl").identity()
    assert f"rate={DEFAULT_RATE}" in base.identity()
    others = [
        EspeakEngine("de"),
        EspeakEngine("nl", voice="de"),
        EspeakEngine("nl", rate=DEFAULT_RATE + 10),
    ]
    identities = {base.identity(), *(engine.identity() for engine in others)}
    assert len(identities) == 4
