"""When each shot plays and what the screen shows meanwhile, counted in whole frames.

Whole frames keep audio and video the same length and keep every overlay on the frame grid.
A shot's elements enter over the plain background; once the last one has settled, the base
switches to the shot's finished frame (drawn once by Pillow) and the overlays stop.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from render.compose import ENTRANCE_FRAMES, Piece, Placement
from render.illustrate import EMPHASIS_FRAMES, FADE_FRAMES, emphasis_strip
from render.layout import (
    FPS,
    STAGGER,
    Layer,
    ResolvedShow,
    compose_still,
    draw_background,
    draw_layers,
    element_count,
)
from render.theme import Theme

GAP_AFTER_SPEECH = 0.4  # a breath between lines; also lets the last element settle
SILENT_SHOT = 1.0  # a shot with neither voice nor pause still shows for a second
HOLD_FRAMES = 1  # a shared picture's shot ends on one settled frame; a debtor's copy holds it


@dataclass(frozen=True)
class Slot:
    """A shot's frames ``[start, end)`` and how many seconds of voice open it."""

    start: int
    end: int
    speech: float

    @property
    def seconds(self) -> tuple[float, float]:
        return self.start / FPS, self.end / FPS


def shot_slots(holds: list[tuple[float, float]]) -> list[Slot]:
    """Slots from (speech seconds, pause seconds) per shot; a pause of 0 means the usual gap."""
    slots, at = [], 0
    for speech, pause in holds:
        hold = pause or (GAP_AFTER_SPEECH if speech else SILENT_SHOT)
        end = max(at + 1, math.ceil((at / FPS + speech + hold) * FPS - 1e-6))
        slots.append(Slot(at, end, speech))
        at = end
    return slots


def picture_slots(shows: list[ResolvedShow | None]) -> list[Slot]:
    """The shots of a shared picture: each as long as its elements take to enter, then one
    settled frame (the debtor's voice decides how long it stays, see :mod:`render.mux`)."""
    slots, at = [], 0
    for show in shows:
        frames = HOLD_FRAMES + (entrance_frames(show) if show is not None else 0)
        slots.append(Slot(at, at + frames, 0.0))
        at += frames
    return slots


def entrance_frames(show: ResolvedShow) -> int:
    """How long a shot's elements take to enter, the last one's delay and motion included."""
    count = element_count(show)
    if not count:
        return 0
    ends = [round(STAGGER * (count - 1) * FPS) + ENTRANCE_FRAMES]
    first = sum(1 for element in (show.logo, show.icon) if element)  # the parts come next
    for part in show.illustration:  # together, each after its own delay
        length = FADE_FRAMES + EMPHASIS_FRAMES if part.emphasis else ENTRANCE_FRAMES
        ends.append(round((STAGGER * first + part.delay) * FPS) + length)
    return max(ends)


@dataclass
class Visuals:
    """What ffmpeg needs (the pieces, with what enters over them), the poster, and where the
    player draws the personal texts (``boxes``, in pixels of the frame)."""

    pieces: list[Piece]
    poster: Image.Image
    boxes: list[dict[str, object]]


def visuals(
    shows: list[ResolvedShow | None],
    slots: list[Slot],
    theme: Theme,
    work: Path,
    lines: list[str | None] | None = None,
) -> Visuals:
    """Draw every shot's elements and cut the video into pieces; pictures go into ``work``.
    With the spoken ``lines``, a shot's bullets enter as the voice says them."""
    background = draw_background(theme)
    background_file = _save(background, work / "background")
    total = slots[-1].end
    pieces: list[Piece] = []
    boxes: list[dict[str, object]] = []
    poster: Image.Image | None = None
    at, previous = 0, None
    for number, (shot, show, start, until) in enumerate(_windows(shows, slots, total)):
        _add(pieces, Piece(background_file, start - at))
        layers = draw_layers(show, theme)
        line = lines[shot] if lines is not None else None
        if line and slots[shot].speech > 0:
            layers = said_when(layers, show.bullets, line, slots[shot].speech)
        boxes += [_box(shot, layer) for layer in layers if layer.text is not None]
        entering = [_placement(layer, work / f"e{number}-{i}") for i, layer in enumerate(layers)]
        settle = min(until - start, max(p.start + max(ENTRANCE_FRAMES, p.strip) for p in entering))
        # the shot before fades out while this one's elements come in: a crossfade, not a cut
        leaving: list[Placement] = (
            [_leaving(previous, settle)] if previous is not None and start == at else []
        )
        elements = tuple(_ends_at(p, settle) for p in [*leaving, *entering] if p.start < settle)
        _add(pieces, Piece(background_file, settle, elements))
        finished = compose_still(background, layers)
        poster = poster or finished
        previous = _save(finished, work / f"shot{number}")
        if start + settle < until:
            _add(pieces, Piece(previous, until - start - settle))
        at = until
    _add(pieces, Piece(background_file, total - at))
    return Visuals(pieces, poster or background, boxes)


def said_when(
    layers: list[Layer], bullets: tuple[str, ...], line: str, speech: float
) -> list[Layer]:
    """The bullets enter when the voice gets to them: each at the point of the line where its
    first word is said (found in order; in proportion to the characters before it), never
    earlier than it would have come anyway. A bullet the line does not say comes in its turn.
    """
    spoken = line.lower()
    at, times = 0, []
    for i, bullet in enumerate(bullets):
        words = [w for w in re.findall(r"\w+", bullet.lower()) if len(w) > 2] or [""]
        found = spoken.find(words[0], at) if words[0] else -1
        if found < 0:
            times.append(speech * i / max(1, len(bullets)))
            continue
        times.append(speech * found / max(1, len(spoken)))
        at = found + len(words[0])
    timed, n = [], 0
    for layer in layers:
        if layer.kind == "bullet" and n < len(times):
            layer = replace(layer, delay=max(layer.delay, round(times[n], 2)))
            n += 1
        timed.append(layer)
    return timed


def _box(shot: int, layer: Layer) -> dict[str, object]:
    """A personal text's place in the frame, and how it enters (with its element)."""
    box = layer.text
    assert box is not None
    return {
        "shot": shot, "element": box.element, "x": layer.x + box.x, "y": layer.y + box.y,
        "width": box.width, "height": box.height, "bold": box.bold, "size": box.size,
        "colour": box.colour, "align": box.align, "lines": box.lines,
        "motion": layer.motion, "delay": layer.delay, "emphasis": box.emphasis,
    }  # fmt: skip


def _windows(
    shows: list[ResolvedShow | None], slots: list[Slot], total: int
) -> list[tuple[int, ResolvedShow, int, int]]:
    """(shot index, show, first frame, first frame after) for each shot that shows something."""
    shown = [
        (i, show, slot.start)
        for i, (show, slot) in enumerate(zip(shows, slots, strict=True))
        if show is not None
    ]
    return [
        (shot, show, start, shown[i + 1][2] if i + 1 < len(shown) else total)
        for i, (shot, show, start) in enumerate(shown)
    ]


def _placement(layer: Layer, path: Path) -> Placement:
    """The element's entrance, its frames counted from the start of its shot."""
    start = round(layer.delay * FPS)
    if layer.emphasis is not None:
        strip, frames, margin = emphasis_strip(layer.image, layer.emphasis)
        saved = _save(strip, path)
        return Placement(saved, layer.x - margin, layer.y - margin, "pop", start, start, frames)
    if layer.motion == "pop":
        strip, frames, margin = layer.pop_strip()
        saved = _save(strip, path)
        return Placement(saved, layer.x - margin, layer.y - margin, "pop", start, start, frames)
    return Placement(_save(layer.image, path), layer.x, layer.y, layer.motion, start, start)


def _leaving(still: Path, settle: int) -> Placement:
    """The previous shot's finished frame over the start of this one, fading out (over
    ``CROSSFADE_FRAMES``: compose fades it, whatever the piece's length)."""
    return Placement(still, 0, 0, "fade-out", 0, settle)


def _ends_at(place: Placement, end: int) -> Placement:
    return Placement(place.png, place.x, place.y, place.motion, place.start, end, place.strip)


def _add(pieces: list[Piece], piece: Piece) -> None:
    """Append a piece, joining it to the last when both are the same plain picture."""
    if piece.frames <= 0:
        return
    last = pieces[-1] if pieces else None
    if last and last.png == piece.png and not last.elements and not piece.elements:
        pieces[-1] = Piece(piece.png, last.frames + piece.frames)
    else:
        pieces.append(piece)


def _save(image: Image.Image, path: Path) -> Path:
    """Uncompressed files (TGA keeps alpha, PPM is plain RGB): about 1 ms each to write and to
    read, against 10-35 ms for PNG; they only live for one render."""
    target = path.with_suffix(".tga" if image.mode == "RGBA" else ".ppm")
    image.save(target)
    return target
