"""Recorded voice-overs: the script's lines, the checks on real takes, and the validator's hint.

Takes are real audio: espeak speaking the line, then made quiet, clipped, padded with room
tone or resampled to 8 kHz with numpy and scipy, as a recorder would have done it.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from render.audio import TARGET_LUFS, Samples, read_samples, write_pcm16
from render.content import ContentRoot
from render.ffmpeg import run_ffmpeg
from render.recording_import import ImportReport, clipped_share, import_recordings
from render.recording_script import Script, build_script, speaking_rate, target_seconds
from render.recordings import personal_names, recorded_languages, without_personal
from render.scene import Scene, VariableType
from render.tts.espeak import EspeakEngine
from render.validate import inspect_scene, load_scene
from tests.conftest import SceneWriter

LINE = "Pay with iDEAL. You choose your bank and confirm the payment in your banking app."


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Samples, int]:
    """A real spoken line (espeak, 22050 Hz) as samples."""
    path = tmp_path_factory.mktemp("speech") / "line.wav"
    EspeakEngine("en").synthesize(LINE, path)
    return read_samples(path)


@pytest.fixture
def scene(write_scene: SceneWriter, content_root: ContentRoot) -> Scene:
    """The minimal scene, with a longer line for pay_now so that a take of LINE fits it."""
    path = write_scene()
    path.write_text(path.read_text().replace('"Pay with iDEAL."', f'"{LINE}"'))
    return load_scene(path, content_root)


def script_for(scene: Scene, root: ContentRoot) -> Script:
    return build_script(scene, root, "en")


def take(folder: Path, name: str, samples: Samples, rate: int) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    write_pcm16(path, samples, rate)
    return path


def run_import(folder: Path, scene: Scene, root: ContentRoot) -> ImportReport:
    return import_recordings(folder, scene, script_for(scene, root), root)


def loudness(path: Path) -> float:
    samples, rate = read_samples(path)
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


# --- the script ------------------------------------------------------------------------------


def test_the_script_lists_every_spoken_shot_with_its_file_and_marks_personal_ones(
    scene: Scene, content_root: ContentRoot
) -> None:
    script = script_for(scene, content_root)
    assert [x.file_name for x in script.lines] == [
        "intro-1.wav",
        "intro-2.wav",
        "pay_now-1.wav",
        "callback-1.wav",
        "thanks-1.wav",
    ]  # thanks-2 is a pause: nothing to record
    hello, owed, pay, call, thanks = script.lines
    assert hello.text == "Hello [name]." and hello.personal == ("name",)
    assert owed.personal == ("amount_due", "due_date")
    assert 'for example: "You owe this amount since this date."' in owed.notes[0]
    assert not pay.personal and not pay.notes
    assert pay.before == "beginning of the node; comes after: node intro, button “Pay now”"
    assert pay.after.startswith("the pay step on screen, then node thanks: “Thank you.”")
    assert call.on_screen == "text: “Mon–Fri 08:00–18:00”"  # as the debtor reads it
    assert thanks.after == "a pause of 1.5 s, then the end of the video"
    assert hello.before == "beginning of the node; comes after: the video starts here"


def test_target_length_follows_the_words_at_a_calm_rate() -> None:
    assert speaking_rate("en") == 2.3 and speaking_rate("tr") < speaking_rate("es")
    assert speaking_rate("nl_BE") == speaking_rate("nl")
    ten_words = "One two three four five six seven eight nine ten."
    assert target_seconds(ten_words, 2.5) == 4.0
    assert target_seconds("One two three four five. Six seven eight nine ten.", 2.5) == 4.3
    assert target_seconds("Yes.", 2.3) == 1.0  # never shorter than a calm "thank you"


def test_amounts_count_as_the_words_the_voice_says(scene: Scene, content_root: ContentRoot) -> None:
    owed = script_for(scene, content_root).lines[1]
    # "You owe one hundred and twenty-three euros and forty-five cents since ...": not 5 words
    assert owed.words > 10


def test_contact_values_are_written_out_with_how_to_say_them(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene()
    path.write_text(path.read_text().replace('"We will call you."', '"Call us on {phone}."'))
    scene = load_scene(path, content_root)
    call = build_script(scene, content_root, "en").line("callback", 1)
    assert call is not None and not call.personal
    assert call.text == "Call us on +31 10 000 0000."
    assert "{phone} is the same for every debtor: say it as “plus three one" in call.notes[0]


def test_wording_without_the_debtors_values() -> None:
    kinds: dict[str, VariableType] = {
        "name": "text",
        "amount_due": "money",
        "due_date": "date",
        "invoice": "text",
    }
    assert without_personal("Hello {name}.", kinds, "en") == "Hello."
    assert without_personal("{name}, you owe {amount_due}.", kinds, "en") == "You owe this amount."
    assert without_personal("Invoice {invoice} is open.", kinds, "en") == (
        "Invoice the number on screen is open."
    )
    assert without_personal("U moet {amount_due} betalen.", kinds, "nl") == (
        "U moet dit bedrag betalen."
    )
    assert without_personal("Call {phone}.", kinds, "en") == "Call {phone}."  # everyone's
    assert personal_names("{name}, {phone}, {name} and {{name}}", kinds) == ["name"]


# --- importing takes -------------------------------------------------------------------------


def test_a_good_take_is_imported_trimmed_and_at_the_target_loudness(
    scene: Scene, content_root: ContentRoot, speech: tuple[Samples, int], tmp_path: Path
) -> None:
    samples, rate = speech
    noise = np.random.default_rng(7).normal(0, 10 ** (-70 / 20), rate * 2)  # room tone
    padded = np.concatenate([noise, samples * 0.2, noise[: rate // 2]])  # quiet, 2.5 s padding
    take(tmp_path / "takes", "pay_now-1.wav", padded, rate)
    report = run_import(tmp_path / "takes", scene, content_root)
    (outcome,) = report.outcomes
    assert outcome.ok, outcome.errors
    written = content_root.voiceovers_dir / "small" / "en" / "pay_now-1.wav"
    assert outcome.written == written and written.is_file()
    assert abs(loudness(written) - TARGET_LUFS) < 0.5
    assert duration(written) < len(padded) / rate - 2.2  # of 2.5 s padding, 0.3 s kept
    trimmed = next(note for note in outcome.done if note.startswith("trimmed"))
    start, end = (float(x) for x in re.findall(r"(\d+\.\d+) s", trimmed))
    assert start > 1.9 and end > 0.25
    assert not outcome.warnings


def test_an_mp3_take_is_decoded_and_kept_as_wav(
    scene: Scene, content_root: ContentRoot, speech: tuple[Samples, int], tmp_path: Path
) -> None:
    wav = take(tmp_path, "line.wav", *speech)
    folder = tmp_path / "takes"
    folder.mkdir()
    run_ffmpeg(["-i", wav, "-ar", "44100", "-b:a", "128k", folder / "pay_now-1.mp3"], what="mp3")
    (outcome,) = run_import(folder, scene, content_root).outcomes
    assert outcome.ok, outcome.errors
    assert outcome.written is not None and outcome.written.name == "pay_now-1.wav"


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("pay_now-1.wav", "clipped", "clipped: "),
        ("pay_now-1.wav", "8khz", "sample rate 8000 Hz is too low"),
        ("pay_now-1.wav", "text", "holds no WAV or MP3 audio"),
        ("pay_now-1.wav", "silence", "holds no sound"),
        ("pay_now-1.ogg", "speech", "not a WAV or MP3 file (.ogg)"),
        (
            "pay_now-3.wav",
            "speech",
            "node 'pay_now' has 1 shot(s), counted from 1; there is no shot 3",
        ),
        ("pay_nwo-1.wav", "speech", "scene 'small' has no node 'pay_nwo'; did you mean 'pay_now'?"),
        ("thanks-2.wav", "speech", "shot 2 of node 'thanks' is a pause"),
        ("take 7.wav", "speech", "name it <node>-<shot>.wav, such as intro-1.wav"),
        ("intro-1.wav", "speech", "a personal line, not taken: a recorded voice cannot say"),
    ],
)
def test_a_bad_take_is_refused_by_name_and_nothing_is_written(
    scene: Scene,
    content_root: ContentRoot,
    speech: tuple[Samples, int],
    tmp_path: Path,
    name: str,
    make: str,
    reason: str,
) -> None:
    samples, rate = speech
    folder = tmp_path / "takes"
    if make == "clipped":
        take(folder, name, np.clip(samples * 8, -1, 1), rate)
    elif make == "8khz":
        take(folder, name, resample_poly(samples, 8000, rate), 8000)
    elif make == "silence":
        take(folder, name, np.zeros(rate * 2), rate)
    elif make == "text":
        folder.mkdir()
        (folder / name).write_text("not a recording, just notes\n")
    else:
        take(folder, name, samples, rate)
    report = run_import(folder, scene, content_root)
    (outcome,) = report.outcomes
    assert outcome.name == name
    assert any(reason in error for error in outcome.errors), outcome.errors
    assert outcome.written is None and report.failed
    assert not (content_root.voiceovers_dir / "small").exists()


def test_clipping_is_counted_as_the_share_of_samples_at_full_scale() -> None:
    samples = np.zeros(10_000)
    samples[:5] = 1.0
    samples[5:10] = -1.0
    assert clipped_share(samples) == 0.001
    assert clipped_share(samples * 0.9) == 0.0


def test_lengths_far_off_the_target_are_warned_with_the_numbers(
    scene: Scene, content_root: ContentRoot, speech: tuple[Samples, int], tmp_path: Path
) -> None:
    samples, rate = speech
    folder = tmp_path / "takes"
    take(folder, "thanks-1.wav", samples, rate)  # "Thank you." said as a whole sentence
    take(folder, "pay_now-1.wav", samples[: rate // 2], rate)  # half a second of a long line
    short_take, long_take = run_import(folder, scene, content_root).outcomes  # by name
    assert long_take.ok and short_take.ok  # warned, still imported
    (warning,) = long_take.warnings
    seconds = len(samples) / rate
    assert warning.startswith(f"too long: {seconds:.1f} s of speech for 2 words (target 1.0 s)")
    (warning,) = short_take.warnings
    assert warning.startswith("too short: 0.") and "15 words (target 6.8 s)" in warning


def test_two_takes_of_one_shot_are_both_refused(
    scene: Scene, content_root: ContentRoot, speech: tuple[Samples, int], tmp_path: Path
) -> None:
    folder = tmp_path / "takes"
    take(folder, "pay_now-1.wav", *speech)
    take(folder, "pay_now-1.mp3", *speech)
    outcomes = run_import(folder, scene, content_root).outcomes
    assert [o.errors[-1] for o in outcomes] == [
        "pay_now-1.wav is a recording of the same shot (pay_now-1); keep one",
        "pay_now-1.mp3 is a recording of the same shot (pay_now-1); keep one",
    ]


def test_what_is_missing_leaves_out_the_personal_lines(
    scene: Scene, content_root: ContentRoot, speech: tuple[Samples, int], tmp_path: Path
) -> None:
    take(tmp_path / "takes", "pay_now-1.wav", *speech)
    report = run_import(tmp_path / "takes", scene, content_root)
    assert [x.file_name for x in report.missing] == ["callback-1.wav", "thanks-1.wav"]
    assert [x.file_name for x in report.personal] == ["intro-1.wav", "intro-2.wav"]
    assert report.failed
    script = script_for(scene, content_root)
    assert [x.stem for x in script.lines if x.recorded] == ["pay_now-1"]


# --- the validator ---------------------------------------------------------------------------


def test_validate_suggests_keeping_the_name_out_of_a_recorded_language(
    scene: Scene, content_root: ContentRoot, speech: tuple[Samples, int]
) -> None:
    path = content_root.find_scene("small")
    folder = content_root.voiceovers_dir / "small" / "en"
    folder.mkdir(parents=True)
    (folder / ".gitkeep").touch()
    assert recorded_languages(content_root, "small", ["en"]) == []
    assert not inspect_scene(path, content_root).problems  # an empty folder is no recording
    take(folder, "pay_now-1.wav", *speech)
    problems = inspect_scene(path, content_root).problems
    assert [(p.line, p.col, p.severity) for p in problems] == [
        (14, 14, "warning"),
        (16, 14, "warning"),
    ]  # the two say: lines of intro
    assert problems[0].message == (
        "scene 'small' has recorded voice-overs in en, but a recorded voice cannot say each "
        "debtor's {name}: a recording sounds the same for every debtor, so the TTS voice speaks "
        'this line; keep {name} on screen and out of the voice (for example: "Hello.")'
    )
    assert inspect_scene(path, content_root).scene is not None  # a warning, not an error
