"""Composing a segment with one ffmpeg filtergraph: H.264/AAC MP4 with ``+faststart``.

The pictures are drawn by Pillow; ffmpeg only animates and encodes them. The graph has two
parts: a *base* of still pictures cut together (the background while a shot's elements enter,
then the finished frame of that shot, drawn once), and, over the base, one overlay per element
for just the half second in which it enters. Most of a segment is therefore a still picture,
and a segment costs little more than encoding a still image of the same length (the floor).

What keeps it there (measured): each picture is converted to yuv420p once and looped inside the
graph (never ``-loop 1``, which decodes the PNG again for every frame); every time is a whole
frame, so overlays never produce frames between the main ones; a pop is a strip of a few
pre-drawn frames; and the audio is encoded once (AAC, fast coder) and copied in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from render.ffmpeg import run_ffmpeg
from render.layout import FPS, Motion

ENTRANCE_FRAMES = 11  # an element takes 0.44 s to enter
CROSSFADE_FRAMES = 8  # a shot's last frame fades out over the next one's first 0.32 s
SLIDE = 48  # pixels a sliding element travels
VIDEO_ARGS = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p")
AUDIO_ARGS = ("-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k")
# The shared picture of a personal node has no B-frames (decode order is display order) and a
# key frame where each shot starts, so that a debtor's copy can hold a shot's last frame for as
# long as their line lasts without re-encoding anything (:mod:`render.mux`).
PICTURE_ARGS = ("-bf", "0")


@dataclass(frozen=True)
class Placement:
    """An element entering: its picture, final position, motion, and its frames on screen."""

    png: Path
    x: int
    y: int
    motion: Motion
    start: int  # first frame, counted from the start of its piece
    end: int  # first frame after it (the next piece shows it settled)
    strip: int = 1  # a pop: a horizontal strip of this many frames


@dataclass(frozen=True)
class Piece:
    """A stretch of the video: one still picture for some frames, and what enters over it."""

    png: Path
    frames: int
    elements: tuple[Placement, ...] = ()


def filtergraph(pieces: Sequence[Piece]) -> str:
    """Inputs are the piece pictures, then every element picture, in order.

    Elements are overlaid on their own piece only, before the pieces are cut together, so an
    overlay filter sees the handful of frames it draws on rather than the whole segment.
    """
    chains = []
    element_input = len(pieces)
    for i, piece in enumerate(pieces):
        label = f"s{i}"
        chains.append(
            f"[{i}:v]format=yuv420p,loop=loop=-1:size=1:start=0,setpts=N/{FPS}/TB,"
            f"trim=end_frame={piece.frames}[{label}]"
        )
        for n, place in enumerate(piece.elements):
            x, y = _position(place)
            chains.append(f"[{element_input}:v]{_element(place)}[e{element_input}]")
            chains.append(
                f"[{label}][e{element_input}]overlay=x='{x}':y='{y}':eof_action=pass"
                f":format=yuv420[s{i}o{n}]"
            )
            label, element_input = f"s{i}o{n}", element_input + 1
        chains.append(f"[{label}]null[c{i}]")
    joined = "".join(f"[c{i}]" for i in range(len(pieces)))
    # concat leaves a frame's length unknown at each cut; numbering the frames again keeps
    # the timestamps strictly increasing (otherwise frames are doubled and dropped later)
    chains.append(f"{joined}concat=n={len(pieces)}:v=1:a=0,setpts=N/{FPS}/TB[v]")
    return ";".join(chains)


def _element(place: Placement) -> str:
    shown = place.end - place.start
    if place.strip > 1:
        frames = f"untile={place.strip}x1,tpad=stop=-1:stop_mode=clone"
    elif place.motion == "fade-out":
        fading = min(shown, CROSSFADE_FRAMES)
        frames = f"loop=loop=-1:size=1:start=0,fade=out:s=0:n={fading}:alpha=1"
    else:
        frames = f"loop=loop=-1:size=1:start=0,fade=in:s=0:n={ENTRANCE_FRAMES}:alpha=1"
    return (
        f"format=yuva420p,{frames},trim=end_frame={shown},setpts=N/{FPS}/TB+{place.start}/{FPS}/TB"
    )


def _position(place: Placement) -> tuple[str, str]:
    """Overlay coordinates; slides ease out (cubic) from a short distance away."""
    eased = f"pow(1-min(1,max(0,(t*{FPS}-{place.start})/{ENTRANCE_FRAMES})),3)"
    if place.motion == "slide-up":
        return str(place.x), f"{place.y}+{SLIDE}*{eased}"
    if place.motion == "slide-left":
        return f"{place.x}-{2 * SLIDE}*{eased}", str(place.y)
    if place.motion == "drop":  # from above, as a coin falls into a purse
        return str(place.x), f"{place.y}-{3 * SLIDE}*{eased}"
    return str(place.x), str(place.y)


def compose_video(
    pieces: Sequence[Piece],
    audio: Path | None,
    target: Path,
    *,
    threads: int = 0,
    keyframes: Sequence[int] = (),
) -> None:
    """Encode the segment to ``target`` (which the caller renames into place). Without
    ``audio`` it is a shared picture: no sound, and key frames at ``keyframes`` (frames)."""
    elements = [place.png for piece in pieces for place in piece.elements]
    inputs: list[str | Path] = []
    for path in [*(p.png for p in pieces), *elements, *([audio] if audio else [])]:
        inputs += ["-i", path]
    if audio is not None:
        sound = ["-map", f"{len(pieces) + len(elements)}:a", "-c:a", "copy"]
    else:
        times = ",".join(f"{frame / FPS:.2f}" for frame in keyframes) or "0"
        sound = ["-an", *PICTURE_ARGS, "-force_key_frames", times]
    run_ffmpeg(
        [
            *inputs,
            "-filter_complex",
            filtergraph(pieces),
            "-map",
            "[v]",
            *VIDEO_ARGS,
            "-r",
            str(FPS),
            *sound,
            "-threads",
            str(threads),
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            target,
        ],
        what=f"composing {target.name}",
    )


def encode_audio(wav: Path, target: Path) -> None:
    """AAC once per segment soundtrack; the video encode then copies it."""
    run_ffmpeg(["-i", wav, *AUDIO_ARGS, "-f", "mp4", target], what=f"encoding audio {wav.name}")
