"""What the engine tests share: a sentence per language, reading a WAV file, what speech
looks like, and a fake Piper model (identity() hashes it without loading it)."""

from __future__ import annotations

import array
import wave
from dataclasses import dataclass
from pathlib import Path

SENTENCES = {
    "nl": "Goedemiddag. U kunt het bedrag vandaag betalen met iDEAL.",
    "en": "Good afternoon. You can pay the amount today by bank transfer.",
    "de": "Guten Tag. Sie können den Betrag heute bequem überweisen.",
    "tr": "İyi günler. Borcunuzu bugün ödeyebilirsiniz; ağır bir şey değil, ılık çay için.",
    "es": "Buenas tardes. Puede pagar el importe hoy mismo por transferencia bancaria.",
}


@dataclass(frozen=True)
class Sound:
    rate: int
    channels: int
    width: int
    samples: array.array[int]


def read_wav(path: Path) -> Sound:
    """The header and 16-bit samples of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        sound = Sound(wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), array.array("h"))
    sound.samples.frombytes(frames)
    return sound


def assert_speech(path: Path, *, low: float = 0.5, high: float = 10.0) -> None:
    """A mono 16-bit WAV of plausible length that is not silent."""
    sound = read_wav(path)
    assert (sound.channels, sound.width) == (1, 2)
    assert low <= len(sound.samples) / sound.rate <= high
    assert max(abs(s) for s in sound.samples) > 1000


def assert_only_files(folder: Path, *names: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


def fake_model(folder: Path) -> Path:
    """Model and config files that identity() can hash (it does not load the model)."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "voice.onnx"
    model.write_bytes(b"onnx model, version 1")
    (folder / "voice.onnx.json").write_text("{}", encoding="utf-8")
    return model
