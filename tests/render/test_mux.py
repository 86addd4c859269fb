"""A debtor's copy of a personal node: the shared picture's video stream, byte for byte, held
as long as the debtor's line lasts, with their voice."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import pytest

from render.content import ContentRoot
from render.debtors import DebtorJob, prepare_debtor
from render.mux import MuxError, mux
from render.segment import render_segment
from tests.conftest import ffprobe, plan_tiny, track_tiny


def _copy(root: ContentRoot, out: Path, reference: str, name: str) -> tuple[bytes, dict]:  # type: ignore[type-arg]
    picture = render_segment(plan_tiny(root, "hello"), out)
    job = DebtorJob(reference, "tiny", "tr", (track_tiny(root, "hello", name=name),))
    track = json.loads(prepare_debtor(job, out).read_text(encoding="utf-8"))["nodes"]["hello"]
    body = mux(out / picture.video, out / track["audio"], picture.shots, track["shots"])
    return body, track


def _video_hash(path: Path) -> str:
    from render.ffmpeg import ffmpeg_exe

    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy",
         "-f", "streamhash", "-"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_two_debtors_get_the_same_video_stream_held_as_long_as_their_names(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    short, short_track = _copy(render_root, tmp_path, "d1", "Al")
    long, long_track = _copy(render_root, tmp_path, "d2", "Wilhelmina Alexandra van den Berg")
    assert long_track["duration"] > short_track["duration"] + 1
    files = []
    for name, body in (("short", short), ("long", long)):
        path = tmp_path / f"{name}.mp4"
        path.write_bytes(body)
        files.append(path)
    assert _video_hash(files[0]) == _video_hash(files[1])  # not a pixel of debtor data
    for path, track in zip(files, (short_track, long_track), strict=True):
        info = ffprobe(path)
        streams = {s["codec_type"]: s for s in info["streams"]}
        assert abs(float(streams["video"]["duration"]) - track["duration"]) < 0.01
        assert track["duration"] - 0.6 < float(streams["audio"]["duration"]) <= track["duration"]
        with av.open(str(path)) as container:  # decodes, and the last frame holds to the end
            times = [float(frame.time or 0) for frame in container.decode(video=0)]
        assert len(times) == 20 and times[-1] < 0.8  # the opening shot: logo, icon, title


def test_the_same_copy_is_made_twice_byte_for_byte(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    first, _ = _copy(render_root, tmp_path, "d1", "Ayşe")
    again, _ = _copy(render_root, tmp_path, "d1", "Ayşe")
    assert first == again  # a browser's ranges of it fit together
    assert first[4:8] == b"ftyp" and first.index(b"moov") < first.index(b"mdat")


def test_a_track_that_does_not_fit_its_picture_is_refused(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    picture = render_segment(plan_tiny(render_root, "hello"), tmp_path)
    job = DebtorJob("d1", "tiny", "tr", (track_tiny(render_root, "hello"),))
    track = json.loads(prepare_debtor(job, tmp_path).read_text(encoding="utf-8"))["nodes"]["hello"]
    with pytest.raises(MuxError, match="1 shots in the picture, 2 in the voice track"):
        mux(tmp_path / picture.video, tmp_path / track["audio"], picture.shots, [(0, 1), (1, 2)])
