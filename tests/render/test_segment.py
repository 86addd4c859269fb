"""One segment rendered for real: streams, duration, captions, poster, cache and failures."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import pytest
from PIL import Image

from render.content import ContentRoot
from render.segment import SEGMENT_FILES, RenderError, render_segment
from tests.conftest import ffprobe, plan_tiny


def _top_level_boxes(path: Path) -> list[str]:
    boxes, data, at = [], path.read_bytes(), 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        boxes.append(kind.decode())
        at += size if size > 1 else len(data)
    return boxes


def test_segment_is_h264_aac_faststart_with_duration_matching_the_audio(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    result = render_segment(plan_tiny(render_root, "menu"), tmp_path)
    video = tmp_path / result.video
    info = ffprobe(video)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert (streams["video"]["width"], streams["video"]["height"]) == (1280, 720)
    assert streams["video"]["avg_frame_rate"] == "25/1"
    assert streams["audio"]["codec_name"] == "aac"
    audio, length = float(streams["audio"]["duration"]), float(info["format"]["duration"])
    assert abs(length - audio) < 0.1
    assert abs(length - result.duration) < 0.1
    boxes = _top_level_boxes(video)
    assert boxes.index("moov") < boxes.index("mdat")  # +faststart: playable while loading


def test_captions_and_poster(render_root: ContentRoot, tmp_path: Path) -> None:
    result = render_segment(plan_tiny(render_root, "bye"), tmp_path)
    vtt = (tmp_path / result.captions).read_text(encoding="utf-8")
    lines = vtt.splitlines()
    assert lines[0] == "WEBVTT"
    assert lines[3].startswith("00:00:00.000 --> 00:00:0")
    assert "Hoşça kalın." in vtt
    end = lines[3].split(" --> ")[1]
    assert float(end.split(":")[-1]) < result.duration
    with Image.open(tmp_path / result.poster) as poster:
        assert poster.format == "JPEG" and poster.size == (1280, 720)


def test_elements_enter_with_motion(render_root: ContentRoot, tmp_path: Path) -> None:
    import subprocess

    from render.ffmpeg import ffmpeg_exe

    result = render_segment(plan_tiny(render_root, "amount"), tmp_path)
    frames = []
    for second in (0.04, result.duration - 0.1):
        target = tmp_path / f"frame-{second}.png"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-ss",
                str(second),
                "-i",
                str(tmp_path / result.video),
                "-frames:v",
                "1",
                str(target),
            ],
            check=True,
        )
        frames.append(Image.open(target).convert("L"))
    # the card is white when settled; at the very start it is still entering (smaller)
    white = [
        frame.point(lambda value: 255 if value > 240 else 0).histogram()[255] for frame in frames
    ]
    assert white[0] < white[1] * 0.8


def test_a_personal_picture_has_no_sound_and_a_key_frame_where_each_shot_starts(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    import av

    plan = plan_tiny(render_root, "hello")
    result = render_segment(plan, tmp_path)
    info = ffprobe(tmp_path / result.video)
    assert [s["codec_type"] for s in info["streams"]] == ["video"]
    assert result.captions == ""
    # the opening node: the logo, then the icon and the title enter (0.3 s + 0.44 s), one settled frame
    assert result.shots == ((0, 20),)
    (box,) = result.boxes  # the place the player writes "Merhaba Ayşe" into
    assert box["element"] == "title" and box["width"] == 1120 and box["motion"] == "slide-up"
    with av.open(str(tmp_path / result.video)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    assert packets[0].is_keyframe and len(packets) == 20
    assert all(p.pts == p.dts for p in packets)  # no B-frames: a copy can be retimed
    with Image.open(tmp_path / result.poster) as poster:
        assert poster.size == (1280, 720)


def test_a_cached_segment_is_not_rendered_again(render_root: ContentRoot, tmp_path: Path) -> None:
    plan = plan_tiny(render_root, "bye")
    first = render_segment(plan, tmp_path)
    stamps = {
        ext: (tmp_path / "segments" / plan.key[:2] / f"{plan.key}.{ext}").stat().st_mtime_ns
        for ext in SEGMENT_FILES
    }
    assert render_segment(plan, tmp_path) == first
    assert stamps == {
        ext: (tmp_path / "segments" / plan.key[:2] / f"{plan.key}.{ext}").stat().st_mtime_ns
        for ext in SEGMENT_FILES
    }


def test_a_recorded_voiceover_is_used_and_normalised(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    folder = render_root.voiceovers_dir / "tiny" / "en"
    folder.mkdir(parents=True)
    with wave.open(str(folder / "bye-1.wav"), "wb") as wav:  # 2 s of a quiet tone at 48 kHz
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(48000)
        wav.writeframes(
            b"".join(struct.pack("<h", 800 if (i // 50) % 2 else -800) for i in range(96000))
        )
    result = render_segment(plan_tiny(render_root, "bye", "en"), tmp_path)
    assert 2.0 <= result.duration <= 2.0 + 0.4 + 0.04 + 1e-9


def test_a_broken_recording_names_scene_node_language_and_file_and_leaves_nothing(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    folder = render_root.voiceovers_dir / "tiny" / "tr"
    folder.mkdir(parents=True)
    (folder / "bye-1.wav").write_bytes(b"RIFF not really a wave file")
    plan = plan_tiny(render_root, "bye")
    with pytest.raises(RenderError) as failure:
        render_segment(plan, tmp_path / "out")
    message = str(failure.value)
    assert message.startswith("scene tiny, node bye, language tr: ")
    assert "bye-1.wav" in message
    leftovers = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert leftovers == []


def test_a_broken_image_is_reported_by_validate_and_by_the_render(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    from render.validate import inspect_scene

    scene = render_root.scenes_dir / "tiny.yaml"
    text = scene.read_text().replace(
        'show: {text: "Goodbye"}', 'show: {text: "Goodbye", image: "pictures/meter.png"}'
    )
    scene.write_text(text)
    picture = render_root.static_dir / "pictures" / "meter.png"
    picture.parent.mkdir()
    Image.new("RGB", (40, 20), "white").save(picture)
    plan = plan_tiny(ContentRoot(render_root.path), "bye", "en")
    picture.write_bytes(b"\x89PNG\r\n\x1a\nbroken")  # broken after planning, as on a worker
    problems = [p.message for p in inspect_scene(scene, render_root).problems]
    assert any(m.startswith("image 'pictures/meter.png' cannot be read") for m in problems)
    with pytest.raises(RenderError, match=r"^scene tiny, node bye, language en: .*meter\.png"):
        render_segment(plan, tmp_path / "out")
    assert [p for p in (tmp_path / "out").rglob("*.mp4")] == []


def _last_frame(video: Path, target: Path, duration: float) -> Image.Image:
    import subprocess

    from render.ffmpeg import ffmpeg_exe

    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-ss", str(max(0.0, duration - 0.1)), "-i", str(video),
         "-frames:v", "1", str(target)],
        check=True,
    )  # fmt: skip
    return Image.open(target).convert("RGB")


def _amber(frame: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels of the default logo's sun (#f5b700) in ``box``, give or take the encoding."""
    region = frame.crop(box)
    pixels = [region.getpixel((x, y)) for x in range(region.width) for y in range(region.height)]
    return sum(
        1
        for r, g, b in (p for p in pixels if isinstance(p, tuple))
        if abs(r - 245) < 24 and abs(g - 183) < 24 and b < 60
    )


def test_the_logo_is_large_on_the_first_shot_and_small_in_the_corner_of_every_shot(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    opening = render_segment(plan_tiny(render_root, "hello"), tmp_path)
    later = render_segment(plan_tiny(render_root, "bye"), tmp_path)
    first = _last_frame(tmp_path / opening.video, tmp_path / "first.png", opening.duration)
    other = _last_frame(tmp_path / later.video, tmp_path / "other.png", later.duration)
    top_middle, corner = (540, 40, 740, 200), (1080, 16, 1264, 84)
    assert _amber(first, top_middle) > 500  # the logo above the greeting
    assert _amber(other, top_middle) == 0  # later shots: no large logo
    assert _amber(first, corner) > 30 and _amber(other, corner) > 30  # the corner, every shot
