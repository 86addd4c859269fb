"""Choosing the voice for a language: the content root's ``vidpay.toml`` and recorded voice-overs.

A creditor picks an engine per language in ``vidpay.toml`` (the best offline voice when the
file is absent), and may replace any single shot with a recording of a human voice in
``voiceovers/<scene>/<lang>/<node>-<shot>.wav`` (or ``.mp3``); shots count from 1, as content
designers count them.

An engine over the network (gTTS and the cloud voices) gets a debtor's own lines, those that say
their name or amount, only when ``[voices] send_personal = true``: otherwise those lines are
spoken by the best offline voice and only the lines every debtor hears go to the provider.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictBool, ValidationError, model_validator

from render.audio import pcm_output, wav_duration
from render.cache import atomic_path
from render.content import ContentRoot
from render.ffmpeg import FfmpegError, run_ffmpeg
from render.lint import ComplianceSettings
from render.problems import ContentError, display_path
from render.scene import LanguageCode, StrictModel
from render.toml_files import model_problems, read_toml
from render.tts.azure import AzureEngine
from render.tts.base import Engine, SpeechError
from render.tts.cloud import CloudEngine
from render.tts.elevenlabs import ElevenLabsEngine
from render.tts.espeak import MAX_RATE, MIN_RATE, EspeakEngine
from render.tts.google_cloud import GoogleCloudEngine
from render.tts.gtts import GttsEngine
from render.tts.pico import PicoEngine
from render.tts.pico import installed as pico_installed
from render.tts.pico import lingware as pico_lingware
from render.tts.piper import PiperEngine
from render.tts.polly import KINDS as POLLY_KINDS
from render.tts.polly import PollyEngine

CONFIG_FILE = "vidpay.toml"
DEFAULT_ENGINE = "espeak"  # for a language table whose settings name no engine (they were its)
RECORDED_SUFFIXES = (".wav", ".mp3")  # the first found wins

ENGINES: dict[str, type[Engine]] = {
    "espeak": EspeakEngine,
    "piper": PiperEngine,
    "gtts": GttsEngine,
    "pico": PicoEngine,
    "azure": AzureEngine,
    "google-cloud": GoogleCloudEngine,
    "polly": PollyEngine,
    "elevenlabs": ElevenLabsEngine,
}
# Engines that send the text over the network (gTTS and every cloud voice): a debtor's own
# lines go to them only when [voices] send_personal = true.
NETWORK_ENGINES = frozenset(
    {"gtts", *(name for name, engine in ENGINES.items() if issubclass(engine, CloudEngine))}
)

# The settings each engine understands; any other setting in its table is a mistake.
OPTIONS = {
    "espeak": frozenset({"voice", "rate"}),
    "piper": frozenset({"model", "length_scale", "speaker"}),
    "gtts": frozenset({"timeout", "slow"}),
    "pico": frozenset({"voice"}),
    "azure": frozenset({"voice", "timeout"}),
    "google-cloud": frozenset({"voice", "timeout"}),
    "polly": frozenset({"voice", "model", "timeout"}),  # model: Polly's engine, such as neural
    "elevenlabs": frozenset({"voice", "model", "timeout"}),
}


def _known_engine(name: str) -> str:
    if name not in ENGINES:
        raise ValueError(f"unknown engine '{name}'; choose one of {', '.join(ENGINES)}")
    return name


EngineName = Annotated[str, AfterValidator(_known_engine)]


class LanguageVoice(StrictModel):
    """One ``[voices.<lang>]`` table: the engine and its settings.

    ``engine`` is None only while the default engine it would inherit is itself wrong.
    """

    engine: EngineName | None = None
    voice: Annotated[str, Field(min_length=1)] | None = None
    rate: Annotated[int, Field(ge=MIN_RATE, le=MAX_RATE)] | None = None
    model: Annotated[str, Field(min_length=1)] | None = None
    length_scale: Annotated[float, Field(gt=0.2, le=5.0)] | None = None
    speaker: Annotated[int, Field(ge=0)] | None = None
    timeout: Annotated[float, Field(gt=0, le=120)] | None = None
    slow: bool | None = None

    @model_validator(mode="after")
    def _fits_engine(self) -> LanguageVoice:
        if self.engine is None:  # the default engine is reported instead
            return self
        misplaced = sorted(set(self.settings()) - OPTIONS[self.engine])
        if misplaced:
            allowed = ", ".join(sorted(OPTIONS[self.engine]))
            raise ValueError(
                f"not a setting of the {self.engine} engine: {', '.join(misplaced)} "
                f"(its settings: {allowed})"
            )
        if self.engine == "piper" and self.model is None:
            raise ValueError(
                "the piper engine needs a model: a path to an .onnx file or a voice package name"
            )
        if self.engine == "polly" and self.model is not None and self.model not in POLLY_KINDS:
            raise ValueError(
                f"the polly engine's model is Polly's engine: {', '.join(POLLY_KINDS)}, "
                f"not '{self.model}'"
            )
        return self

    def settings(self) -> dict[str, Any]:
        """The settings given for the engine (without ``engine``)."""
        return self.model_dump(exclude={"engine"}, exclude_none=True)


_SETTINGS = ("engine", "send_personal")  # the keys of [voices] that are not languages


class Voices(StrictModel):
    """The ``[voices]`` table: a default engine and a table per language.

    Without a default engine each language gets the best offline voice on this machine
    (:func:`best_offline`); a language table with settings but no engine keeps eSpeak, whose
    settings they were before there was a choice. ``send_personal`` allows a debtor's own
    lines to go to an engine over the network (off: they are spoken offline).
    """

    engine: EngineName | None = None
    send_personal: StrictBool = False  # "yes" is a mistake, not a yes
    languages: dict[LanguageCode, LanguageVoice] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split_languages(cls, data: Any) -> Any:
        """``[voices.en]`` sits next to ``engine``; a language table without one inherits it."""
        if not isinstance(data, dict):
            return data
        default = data.get("engine")
        languages = {
            key: _inherit(value, default) for key, value in data.items() if key not in _SETTINGS
        }
        settings = {key: value for key, value in data.items() if key in _SETTINGS}
        return {**settings, "languages": languages}

    def for_language(self, language: str) -> LanguageVoice:
        """The table for ``language``, or the default engine with its own defaults."""
        voice = self.languages.get(language) or LanguageVoice()
        if voice.engine:
            return voice
        return voice.model_copy(update={"engine": self.engine or best_offline(language)})


def _inherit(table: Any, default: Any) -> Any:
    if not isinstance(table, dict) or "engine" in table:
        return table
    if default is not None:
        return {"engine": default, **table} if default in ENGINES else table
    return {"engine": DEFAULT_ENGINE, **table} if table else table


def best_offline(language: str) -> str:
    """The offline engine a debtor understands best in ``language`` on this machine: Pico
    where it is installed for the language (de, en, es, also fr, it), else eSpeak.

    Measured with an offline recogniser, Pico is understood about ten times better than eSpeak
    in the languages it speaks; no offline voice that ships in a package does well for Dutch or
    Turkish (record those, or use a cloud voice).
    """
    return _best_offline(language, pico_lingware())


@cache
def _best_offline(language: str, _where: Path) -> str:
    """Looked up once per process and voice folder: every line asks."""
    return "pico" if pico_installed(language) else "espeak"


class VoiceConfig(StrictModel):
    """The whole ``vidpay.toml``: ``[voices]`` and ``[compliance]`` (see ``render.lint``)."""

    voices: Voices = Field(default_factory=Voices)
    compliance: ComplianceSettings = Field(default_factory=ComplianceSettings)


def read_voice_config(root: ContentRoot) -> VoiceConfig:
    """The root's ``vidpay.toml``, or espeak for everything when there is none.

    Raises ``ContentError`` naming ``vidpay.toml`` (and the line where it can be found).
    """
    path = root.path / CONFIG_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return VoiceConfig()
    return _parse_config(path, (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))


@cache
def _parse_config(path: Path, _version: tuple[int, ...]) -> VoiceConfig:
    """Parsed once per version of the file (its inode, size and times are the cache key)."""
    data, text = read_toml(path)
    try:
        return VoiceConfig.model_validate(data)
    except ValidationError as exc:
        raise ContentError(
            model_problems(
                exc, display_path(path), text, "[voices] or [voices.nl]", skip=("languages",)
            )
        ) from exc


def engine_for(root: ContentRoot, language: str, *, personal: bool = False) -> Engine:
    """The engine speaking ``language`` for this content root, as ``vidpay.toml`` says.

    A ``personal`` line (a debtor's name or amount) of an engine over the network is spoken by
    the best offline engine instead, unless ``send_personal`` allows it: planning (whose cache
    keys hold the identity) and synthesis both ask here, with the same flag, so they agree.
    """
    voices = read_voice_config(root).voices
    voice = voices.for_language(language)
    if personal and not voices.send_personal and voice.engine in NETWORK_ENGINES:
        voice = LanguageVoice(engine=best_offline(language))
    return _engine(voice, language, root.path)


@cache
def _engine(voice: LanguageVoice, language: str, base: Path) -> Engine:
    """One engine object per setting, so engines may keep what they loaded."""
    engine = voice.engine or DEFAULT_ENGINE
    settings = voice.settings()
    if engine == "piper":
        settings["base"] = base
    return ENGINES[engine](language, **settings)


def recorded_voiceover(
    root: ContentRoot, scene_id: str, language: str, node_id: str, shot_number: int
) -> Path | None:
    """A human recording replacing TTS for one shot (numbered from 1), if there is one."""
    folder = root.voiceovers_dir / scene_id / language
    for suffix in RECORDED_SUFFIXES:
        candidate = folder / f"{node_id}-{shot_number}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def recorded_identity(path: Path) -> str:
    """A content hash of a recording, for cache keys: re-recording re-renders the shot.

    Hashed on every call: recordings are small, and a timestamp can miss a quick re-save.
    """
    with path.open("rb") as stream:
        return "sha256:" + hashlib.file_digest(stream, "sha256").hexdigest()


def read_speech(path: Path, target: Path) -> None:
    """Convert a recorded .wav or .mp3 to the mono 16-bit WAV the engines write.

    Raises ``SpeechError`` naming the file when it is missing, empty or not audio.
    """
    shown = display_path(path)
    if not path.is_file():
        raise SpeechError(f"recorded voice-over {shown} does not exist")
    if path.stat().st_size == 0:
        raise SpeechError(f"recorded voice-over {shown} is empty; record it again")
    with atomic_path(target) as temporary:
        try:
            run_ffmpeg(
                ["-i", path, "-map", "0:a:0", *pcm_output(), temporary], what=f"reading {shown}"
            )
        except FfmpegError as exc:
            raise SpeechError(
                f"recorded voice-over {shown} is not a WAV or MP3 file that can be played: {exc}"
            ) from exc
        if wav_duration(temporary) == 0:
            raise SpeechError(f"recorded voice-over {shown} holds no sound")
