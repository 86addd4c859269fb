"""Plain (B1) language, per language: short sentences, no long or rare words, and an easy
reading score where a formula exists for the language.

Many debtors read poorly; a word they do not know is where they stop. The limits are set so
that the bundled sample scenes pass in every language and a letter written in officialese
does not (see ``tests/data/lint``). Turkish gets the sentence and word-length checks only:
its word forms are too many for a frequency list and no readability formula is packaged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

from render.content import ContentRoot
from render.formatting import base_language
from render.lint.lists import creditor_list
from render.lint.phrases import COSTS, FIRM, OFFER
from render.lint.texts import LintText, by_node
from render.problems import Problem
from render.texts import sentences, word_count

MAX_SENTENCE_WORDS = 20
# Longest word (in letters) a B1 reader takes in at a glance; Dutch and German write compounds
# as one word, so "energieleverancier" (18) passes and "invorderingsmaatregelen" does not.
MAX_WORD_LETTERS = {"en": 13, "es": 14, "nl": 18, "de": 18, "tr": 17}
# A word rarer than this on wordfreq's Zipf scale (3.0: once in a million words) is one a
# debtor may not know. English counts whole words; in the other languages each inflected form
# counts apart (Spanish "revisaremos" 2.5), so their limits are lower. Compounds of two common
# words and Spanish verb forms with pronouns attached ("díganoslo") are judged by their parts.
RARE_ZIPF = {"en": 3.0, "nl": 2.5, "de": 2.5, "es": 2.2}
COMMON_ZIPF = 3.0
# Flesch reading ease (the language's own variant: Douma for nl, Amstad for de, Fernández
# Huerta for es): 60 and up is plain; a node's voice-over under this is very difficult.
MIN_READING_EASE = 35
MIN_WORDS_FOR_SCORE = 8  # a score over fewer words says more about the formula than the text
_WORD = re.compile(r"(?<![{\w])[^\W\d_]+(?:['’-][^\W\d_]+)*(?![\w}])")
_CLITIC = re.compile(r"^(.{3,}?)(lo|la|los|las|le|les|me|nos|se|te)$")


def plain_findings(texts: list[LintText], root: ContentRoot) -> Iterator[Problem]:
    known: dict[str, set[str]] = {}
    for text in texts:
        language = base_language(text.language)
        if language not in known:
            words, problems = creditor_list(root, "words", text.language)
            yield from problems
            known[language] = {w.lower() for w in words} | _required_words(language)
        yield from _sentence_findings(text)
        yield from _word_findings(text, language, known[language])
    yield from _readability_findings(texts)


def long_sentences(text: str) -> list[tuple[str, int]]:
    """The sentences of ``text`` too long for plain language, with their word counts."""
    return [(s, n) for s in sentences(text) if (n := word_count(s)) > MAX_SENTENCE_WORDS]


def _sentence_findings(text: LintText) -> Iterator[Problem]:
    for sentence, count in long_sentences(text.text):
        yield text.finding(
            "plain-sentence",
            f"a sentence of {count} words; plain (B1) language keeps sentences under "
            f"{MAX_SENTENCE_WORDS} words: {_quoted(sentence)}",
        )


def _word_findings(text: LintText, language: str, known: set[str]) -> Iterator[Problem]:
    limit = MAX_WORD_LETTERS.get(language)
    reported: set[str] = set()
    for word in _WORD.findall(text.text):
        lower = word.lower()
        if lower in known or lower in reported or _is_name(word):
            continue
        if limit is not None and len(word) > limit:
            reported.add(lower)
            yield text.finding(
                "plain-long-word",
                f"'{word}' has {len(word)} letters; plain (B1) language keeps words to "
                f"{limit} letters in this language: split it or say it more simply, in "
                f"{_quoted(_sentence_of(text.text, word))}",
            )
        elif language in RARE_ZIPF and _rare(lower, language):
            reported.add(lower)
            yield text.finding(
                "plain-rare-word",
                f"'{word}' is a rare word (Zipf frequency {_zipf(lower, language):.1f}, under "
                f"{RARE_ZIPF[language]}); many debtors will not know it: use a common word, in "
                f"{_quoted(_sentence_of(text.text, word))} (or list it in "
                f"compliance/words.{language}.txt if your debtors know it)",
            )


def _readability_findings(texts: list[LintText]) -> Iterator[Problem]:
    for (language, node), node_texts in by_node(texts).items():
        spoken = [t for t in node_texts if t.spoken]
        scorer = _scorer(base_language(language))
        voice_over = " ".join(t.text for t in spoken)
        if scorer is None or not spoken or word_count(voice_over) < MIN_WORDS_FOR_SCORE:
            continue
        ease = scorer.flesch_reading_ease(_without_placeholders(voice_over))
        if ease >= MIN_READING_EASE:
            continue
        hardest = min(
            (s for t in spoken for s in sentences(t.text)),
            key=lambda s: scorer.flesch_reading_ease(_without_placeholders(s)),
        )
        longest = max(_WORD.findall(hardest) or [""], key=len)
        yield spoken[0].finding(
            "plain-readability",
            f"the voice-over of node '{node}' is very hard to read (reading ease "
            f"{ease:.0f}; plain language scores 60 or more, under {MIN_READING_EASE} is "
            f"flagged); hardest sentence {_quoted(hardest)}, longest word '{longest}'",
        )


def _required_words(language: str) -> set[str]:
    """The words the other rules look for ("Inkassokosten", "betalingsregeling",
    "Inkassobüro"): the law's and the trade's own term is not the word to avoid."""
    phrases = COSTS.get(language, []) + OFFER.get(language, []) + FIRM.get(language, [])
    return {word.rstrip("*").lower() for phrase in phrases for word in phrase.split()}


def _rare(word: str, language: str) -> bool:
    if len(word) <= 3 or _zipf(word, language) >= RARE_ZIPF[language]:
        return False
    if language in ("nl", "de") and _is_compound(word, language):
        return False
    return not (language == "es" and _zipf(_without_clitics(word), language) >= COMMON_ZIPF)


def _is_compound(word: str, language: str) -> bool:
    """Two common words written as one ("betalings" + "regeling"), linking s or hyphen too."""
    for i in range(3, len(word) - 2):
        left, right = word[:i], word[i:]
        for head in {left, left.removesuffix("s"), left.removesuffix("-")}:
            if len(head) >= 3 and min(_zipf(head, language), _zipf(right, language)) >= COMMON_ZIPF:
                return True
    return False


def _without_clitics(word: str) -> str:
    """ "díganoslo" -> "diga": a Spanish imperative with its pronouns, and without the accent
    that the pronouns added."""
    while match := _CLITIC.match(word):
        word = match.group(1)
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _is_name(word: str) -> bool:
    """Brand and product names such as "iDEAL": a capital after the first letter."""
    return any(c.isupper() for c in word[1:])


@cache
def _zipf(word: str, language: str) -> float:
    from wordfreq import zipf_frequency  # its lists load on first use: only when linting

    return float(zipf_frequency(word, language))


@cache
def _scorer(language: str) -> Any:
    """A textstat calculator of its own per language (``textstat.set_lang`` is global)."""
    if language not in ("en", "nl", "de", "es"):
        return None
    from textstat.textstat import textstatistics

    scorer = textstatistics()
    scorer.set_lang(language)
    return scorer


def _without_placeholders(text: str) -> str:
    return re.sub(r"\{\w+\}", "X", text)


def _sentence_of(text: str, word: str) -> str:
    return next((s for s in sentences(text) if word in s), text)


def _quoted(text: str, limit: int = 48) -> str:
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return f'"{short}"'
