"""Will a debtor understand the voice? The sample scene's lines, heard back by Whisper-base.

Per language: the word error rate of every spoken line of `arrears` with the default voice of
this machine (Pico for de, en, es where it is installed; eSpeak otherwise), and, on the lines
that say a value (name, amount, date), the same voice and eSpeak with the values said as
written ("€ 148,20", "15 december 2026") against said in words (:mod:`render.spoken`): the
peer that shows what the spoken forms and the voice each bring. Also the CPU each engine takes
per line. Lower error is better; numbers are normalised alike before scoring.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from render.audio import from_pcm16, resampled
from render.content import ContentRoot
from render.scene import Scene
from render.tts.base import Engine
from render.tts.espeak import EspeakEngine
from render.tts.pico import PicoEngine
from render.tts.pico import installed as pico_installed
from render.validate import load_scene
from render.voice_check import (
    WHISPER_RATE,
    facts_of,
    recogniser,
    sample_sayers,
    score_line,
)
from render.voices import best_offline

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "en", "de", "tr", "es")
THRESHOLD = 0.25

Line = tuple[str, str, str, dict[str, str]]  # where, written, spoken, facts to hear


def _lines(scene: Scene, content: ContentRoot, language: str) -> list[Line]:
    values, say, speak = sample_sayers(scene, content, language)
    facts = facts_of(scene, language, values)
    lines = []
    for node_id, node in scene.nodes.items():
        for index, shot in enumerate(node.shots):
            if shot.say is not None:
                wanted = {k: v for k, v in facts.items() if "{" + k + "}" in shot.say}
                lines.append((f"{node_id}-{index + 1}", say(shot.say), speak(shot.say), wanted))
    return lines


def _engine(name: str, language: str) -> Engine:
    return PicoEngine(language) if name == "pico" else EspeakEngine(language)


def _heard(
    engine: Engine, lines: list[Line], language: str, listen: Callable[..., str], spoken: bool
) -> tuple[list[float], int, list[float]]:
    """Error per line, lines with every fact heard, and synthesis CPU per line."""
    errors, all_facts, cpu = [], 0, []
    with tempfile.TemporaryDirectory() as work:
        for where, written, said, facts in lines:
            text = said if spoken else written
            started = time.process_time()
            pcm, rate = engine.samples(text, Path(work))
            cpu.append(time.process_time() - started)
            heard = listen(resampled(from_pcm16(pcm), rate, WHISPER_RATE), language)
            checked = score_line(where, 0, language, written, said, heard, facts)
            errors.append(checked.wer)
            all_facts += all(checked.facts.values())
    return errors, all_facts, cpu


def _row(language: str, content: ContentRoot, scene: Scene, listen: Callable[..., str]) -> str:
    lines = _lines(scene, content, language)
    default = best_offline(language)
    errors, _, cpu = _heard(_engine(default, language), lines, language, listen, spoken=True)
    valued = [line for line in lines if line[3]]
    peers = []
    for name in sorted({default, "espeak"}, reverse=True):
        engine = _engine(name, language)
        for spoken in (False, True):
            wer, facts, _ = _heard(engine, valued, language, listen, spoken)
            form = "words" if spoken else "figures"
            peers.append(f"{name}, {form}: {statistics.mean(wer):.2f} ({facts}/{len(valued)})")
    over = sum(e > THRESHOLD for e in errors)
    return (
        f"| {language} | {default} | **{statistics.mean(errors):.2f}** ({over} of {len(lines)} "
        f"lines over {THRESHOLD}) | {'; '.join(peers)} | {np.mean(cpu) * 1000:.0f} ms |"
    )


def section() -> str:
    content = ContentRoot(REPO)
    scene = load_scene(content.find_scene("arrears"), content)
    listen = recogniser()
    rows = [_row(language, content, scene, listen) for language in LANGUAGES]
    pico = "installed" if pico_installed("de") else "not installed: de, en, es use eSpeak"
    lines = [
        "## Voices",
        "",
        f"Every spoken line of `arrears` ({len(_lines(scene, content, 'nl'))} per language) "
        "with a sample debtor, heard back by Whisper-base (faster-whisper, int8, language "
        f"forced, beam 5); word error rate, lower is better. Pico is {pico}. Peers on the "
        "lines that say a value: the values said as written (figures) against in words, with "
        "the default voice and with eSpeak; in brackets the lines where the name, amount and "
        "date were all heard. Whisper-base is a weak listener for Dutch and Turkish: read "
        "those figures as pessimistic.",
        "",
        "| language | default voice | word error rate, all lines | peers (lines with a value) "
        "| synthesis CPU per line |",
        "| --- | --- | --- | --- | --- |",
        *rows,
    ]
    return "\n".join(lines) + "\n"
