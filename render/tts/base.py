"""The voice engine interface: text in, a mono 16-bit WAV out.

Engines are plugins (espeak, piper, gtts); the pipeline picks one per language from the content
root's ``vidpay.toml``, caches what it says under ``identity()``, and normalises loudness itself.
"""

from __future__ import annotations

import wave
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from render.cache import atomic_path


class SpeechError(RuntimeError):
    """A voice could not be produced; the message names the engine, language and reason."""


class Engine(ABC):
    """One configured voice for one language."""

    name: ClassVar[str]

    def __init__(self, language: str) -> None:
        self.language = language

    @abstractmethod
    def identity(self) -> str:
        """Everything that changes the sound: engine, its version, voice, model hash, settings.

        Part of every cache key, so changing any of it re-renders the segments that speak.
        """

    @abstractmethod
    def synthesize(self, text: str, target: Path) -> None:
        """Write ``text`` spoken as a mono 16-bit PCM WAV file at ``target``.

        Writes atomically (a temporary file renamed into place): a failure leaves no file.
        Raises ``SpeechError`` with a message a content designer can act on.
        """

    def samples(self, text: str, work: Path) -> tuple[bytes, int]:
        """``text`` spoken as 16-bit mono samples and their rate, through a file in ``work``
        unless the engine can hand them over in memory (a debtor's line is never stored)."""
        raw = work / "raw.wav"
        self.synthesize(text, raw)
        with wave.open(str(raw), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise SpeechError(f"{self.name}, language {self.language}: not 16-bit mono")
            return wav.readframes(wav.getnframes()), wav.getframerate()


class InMemoryEngine(Engine):
    """An engine that hands its samples over in memory (eSpeak, Pico, the cloud voices): a file
    is written only when one is asked for."""

    @abstractmethod
    def samples(self, text: str, work: Path) -> tuple[bytes, int]:
        """``text`` spoken as 16-bit mono samples and their rate."""

    def synthesize(self, text: str, target: Path) -> None:
        pcm, rate = self.samples(text, target.parent)
        with atomic_path(target) as temporary, wave.open(str(temporary), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm)
