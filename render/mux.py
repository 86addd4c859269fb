"""A debtor's copy of a personal node: the shared picture's video stream, copied packet by
packet, with the debtor's voice track, each shot held for as long as the debtor's line lasts.

Nothing is decoded or encoded: the shared picture (:func:`render.segment.render_segment`
of a personal node) has no B-frames and a key frame where each shot starts, and each shot ends
on a settled frame. Only the timestamps change: a shot's frames keep their pace from the
debtor's shot start, and its last frame is shown until the debtor's shot ends (a shot shorter
than its entrance loses the frames past its end, none of which a later frame refers to). So the
video stream is byte for byte the same for every debtor, and making a copy costs a few
milliseconds of CPU: it is made when the player asks for it, never stored.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.packet import Packet

from render.layout import FPS

Frames = Sequence[tuple[int, int]]  # each shot's frames [start, end) in the shared picture
Times = Sequence[tuple[float, float]]  # each shot's [start, end) seconds in the debtor's track


class MuxError(RuntimeError):
    """The picture and the track do not fit together (a stale or damaged file)."""


@dataclass(frozen=True)
class _Timed:
    packet: Packet[Any]
    start: float  # seconds
    duration: float


def mux(picture: Path, audio: Path, frames: Frames, times: Times) -> bytes:
    """The MP4 (``+faststart``) of ``picture``'s video retimed to ``times``, with ``audio``.

    Written to a temporary file (moving the index to the front needs a file to read back),
    which is gone when this returns."""
    if len(frames) != len(times) or not frames:
        raise MuxError(f"{len(frames)} shots in the picture, {len(times)} in the voice track")
    with tempfile.TemporaryDirectory(prefix="vidpay-mux-") as work:
        target = Path(work) / "copy.mp4"
        _mux(picture, audio, frames, times, target)
        return target.read_bytes()


def _mux(picture: Path, audio: Path, frames: Frames, times: Times, target: Path) -> None:
    try:
        with av.open(str(picture)) as video_in, av.open(str(audio)) as audio_in:
            video_stream, audio_stream = video_in.streams.video[0], audio_in.streams.audio[0]
            pictures = _retimed(list(video_in.demux(video_stream)), video_stream, frames, times)
            sounds = [_as_is(p, audio_stream) for p in audio_in.demux(audio_stream) if p.size]
            options = {"movflags": "+faststart", "fflags": "+bitexact"}
            with av.open(str(target), "w", format="mp4", options=options) as output:
                video_out = output.add_stream_from_template(video_stream)
                audio_out = output.add_stream_from_template(audio_stream)
                for timed in sorted([*pictures, *sounds], key=lambda t: t.start):
                    stream = video_out if timed in pictures else audio_out
                    _write(output, stream, timed)
    except (av.FFmpegError, OSError) as exc:
        raise MuxError(f"joining {picture.name} and {audio.name}: {exc}") from exc


def _retimed(
    packets: list[Packet[Any]], stream: av.VideoStream, frames: Frames, times: Times
) -> list[_Timed]:
    base = stream.time_base
    assert base is not None
    by_frame = {
        round(float(p.pts * base) * FPS): p for p in packets if p.size and p.pts is not None
    }
    kept: list[_Timed] = []
    for (first, end), (start, stop) in zip(frames, times, strict=True):
        shot = []
        for frame in range(first, end):
            at = start + (frame - first) / FPS
            if frame not in by_frame or (frame > first and at >= stop):
                continue
            shot.append(_Timed(by_frame[frame], at, 0.0))
        if not shot:
            raise MuxError(f"the picture has no frame {first}")
        ends = [t.start for t in shot[1:]] + [stop]
        kept += [
            _Timed(t.packet, t.start, end - t.start) for t, end in zip(shot, ends, strict=True)
        ]
    return kept


def _as_is(packet: Packet[Any], stream: av.AudioStream) -> _Timed:
    base = stream.time_base
    assert base is not None and packet.pts is not None
    return _Timed(packet, float(packet.pts * base), float((packet.duration or 0) * base))


def _write(output: av.container.OutputContainer, stream: av.stream.Stream, timed: _Timed) -> None:
    packet = timed.packet
    if stream.type == "video":
        base = Fraction(1, FPS * 512)  # fine enough for any hold, whole frames stay exact
        packet.time_base = base
        packet.pts = packet.dts = round(timed.start / base)
        packet.duration = max(1, round(timed.duration / base))
    packet.stream = stream
    output.mux(packet)
