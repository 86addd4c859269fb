"""WebVTT captions, timed from each shot's voice-over.

Big captions are easiest to read in short cues: at most two lines of about 42 characters
(the common subtitle standard), which on a phone (390 px wide, where the player draws them in
a band under the picture and lets them flow) take no more than three lines of about 26
characters. A shot whose line is longer is split at sentence ends first, then between words,
and its speaking time is shared out by the length of each cue.

Cue text is escaped as WebVTT requires (``&``, ``<``, ``>``), so a name such as ``<b>`` shows
as written instead of being read as markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 42
MAX_LINES = 2
# A 390 px phone holds about 26 characters a line of the player's captions (1.25rem bold
# Atkinson Hyperlegible, wide letters counted); a cue may take three lines there.
PHONE_CHARS = 26
PHONE_LINES = 3
ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Spoken:
    """One shot's spoken text and when it is heard, in seconds from the segment start."""

    text: str
    start: float
    end: float


def wrap_words(text: str, width: int = MAX_CHARS) -> list[str]:
    """Greedy word wrap by characters; a longer word stands on a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _chunks(text: str) -> list[tuple[str, ...]]:
    """The text as cues of at most two lines; short sentences share a cue where they fit."""
    chunks: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        if chunks and _lines(f"{chunks[-1]} {sentence}") is not None:
            chunks[-1] = f"{chunks[-1]} {sentence}"
        elif _lines(sentence) is not None:
            chunks.append(sentence)
        else:
            chunks.extend(_split_sentence(sentence.split()))
    return [_lines(chunk) or tuple(wrap_words(chunk)) for chunk in chunks]


def _lines(chunk: str) -> tuple[str, ...] | None:
    """One or two balanced lines for a cue, or None when it needs more than two (or more than
    three on a phone)."""
    if len(wrap_words(chunk, PHONE_CHARS)) > PHONE_LINES:
        return None
    if len(chunk) <= MAX_CHARS or " " not in chunk:  # a word longer than a line stands alone
        return (chunk,)
    words = chunk.split()
    best: tuple[float, tuple[str, ...]] | None = None
    for k in range(1, len(words)):
        first, second = " ".join(words[:k]), " ".join(words[k:])
        if len(first) > MAX_CHARS or len(second) > MAX_CHARS:
            continue
        score = abs(len(first) - len(second)) - (8 if first.endswith((",", ";", ":")) else 0)
        if best is None or score < best[0]:
            best = (score, (first, second))
    return best[1] if best else None


def _split_sentence(words: list[str]) -> list[str]:
    """Split a long sentence into the fewest cues, of even length, preferring breaks at commas."""
    n = len(words)
    fits = [[_lines(" ".join(words[i:j])) is not None for j in range(n + 1)] for i in range(n + 1)]
    count = 1
    while True:
        count += 1
        target = len(" ".join(words)) / count
        best = _best_split(words, fits, count, target)
        if best is not None or count > n:
            return best or [" ".join(words)]


def _best_split(
    words: list[str], fits: list[list[bool]], count: int, target: float
) -> list[str] | None:
    """Dynamic programming over break positions: least squared distance from the target."""
    n = len(words)
    # cost[k][j]: best cost of words[:j] in k cues; back[k][j]: where the last cue starts
    inf = float("inf")
    cost = [[inf] * (n + 1) for _ in range(count + 1)]
    back = [[0] * (n + 1) for _ in range(count + 1)]
    cost[0][0] = 0.0
    for k in range(1, count + 1):
        for j in range(1, n + 1):
            for i in range(j):
                if cost[k - 1][i] == inf or not fits[i][j]:
                    continue
                chunk = " ".join(words[i:j])
                comma = 0 if j == n or chunk.endswith((",", ";", ":")) else 150
                value = cost[k - 1][i] + (len(chunk) - target) ** 2 + comma
                if value < cost[k][j]:
                    cost[k][j], back[k][j] = value, i
    if cost[count][n] == inf:
        return None
    chunks, j = [], n
    for k in range(count, 0, -1):
        i = back[k][j]
        chunks.append(" ".join(words[i:j]))
        j = i
    return chunks[::-1]


def cues_for(spoken: list[Spoken]) -> list[Cue]:
    """Cues for every shot, each shot's time shared by the characters of its cues."""
    cues = []
    for shot in spoken:
        chunks = _chunks(shot.text)
        total = sum(len(" ".join(c)) for c in chunks) or 1
        at = shot.start
        for chunk in chunks:
            length = (shot.end - shot.start) * len(" ".join(chunk)) / total
            cues.append(Cue(round(at, 3), round(at + length, 3), chunk))
            at += length
    return cues


def to_webvtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT"]
    for i, cue in enumerate(cues, start=1):
        lines = "\n".join(escape(line.replace("-->", "→")) for line in cue.lines)
        blocks.append(f"{i}\n{_timestamp(cue.start)} --> {_timestamp(cue.end)}\n{lines}")
    return "\n\n".join(blocks) + "\n"


def escape(text: str) -> str:
    """Cue text as WebVTT has it: ``&``, ``<`` and ``>`` as character references."""
    return "".join(ESCAPES.get(char, char) for char in text)


def needs_escaping(text: str) -> bool:
    return any(char in ESCAPES for char in text)


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
