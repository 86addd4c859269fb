"""How values are *said*: the voice-over gets words where the screen gets figures.

A speech engine reads "€ 1.234,56" as "euro, one thousand ... comma five six", "1-10-2026" as
a subtraction and "08:00" as "eight zero zero"; weak engines garble even plain figures (eSpeak
in Spanish was understood twice as well with amounts and dates written out, measured in
../shared/notes/voices.md). So before any engine speaks, values become the words a person
would say: "duizend tweehonderdvierendertig euro en zesenvijftig cent", "één oktober
tweeduizendzesentwintig", "van acht tot achttien uur", a phone number or a reference digit by
digit in groups. Numbers are spelled by ``num2words``; month and day names come from Babel. The
captions and the screen keep the written forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from functools import lru_cache

from babel.dates import get_day_names, get_month_names
from num2words import num2words

from render.hours import Span, day_ranges


@dataclass(frozen=True)
class _Words:
    euro: str
    euros: str
    cent: str
    cents: str
    money: str  # "{euros} {and} {cents}" pattern
    days: str  # "{first} ... {last}" for a range of days
    hours: str  # "{days} ... {start} ... {end}"
    day: str  # a date: "{day} {month} {year}"
    plus: str  # the + of an international number


# Languages without an entry fall back to English words, which at least say the figures.
_WORDS = {
    "nl": _Words("euro", "euro", "cent", "cent", "{euros} en {cents}", "{first} tot en met {last}", "{days} van {start} tot {end} uur", "{day} {month} {year}", "plus"),
    "en": _Words("euro", "euros", "cent", "cents", "{euros} and {cents}", "{first} to {last}", "{days}, from {start} to {end}", "the {ordinal} of {month}, {year}", "plus"),
    "de": _Words("Euro", "Euro", "Cent", "Cent", "{euros} und {cents}", "{first} bis {last}", "{days} von {start} bis {end} Uhr", "{ordinal}n {month} {year}", "plus"),
    "tr": _Words("avro", "avro", "sent", "sent", "{euros} {cents}", "{first} ile {last} arası", "{days}, saat {start} ile {end} arası", "{day} {month} {year}", "artı"),
    "es": _Words("euro", "euros", "céntimo", "céntimos", "{euros} con {cents}", "de {first} a {last}", "{days}, de {start} a {end}", "{day} de {month} de {year}", "más"),
}  # fmt: skip
# num2words writes Turkish numbers as one word ("binikiyüzotuzdört"); they are said, and
# written, as words: "bin iki yüz otuz dört".
_TURKISH_NUMBERS = sorted(
    ["bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan", "yüz", "bin", "milyon", "milyar", "sıfır", "eksi"], key=len, reverse=True)  # fmt: skip
_TURKISH = re.compile("|".join(_TURKISH_NUMBERS))


def _base(language: str) -> str:
    return language.replace("-", "_").split("_")[0] or "en"


def _words(language: str) -> _Words:
    return _WORDS.get(_base(language), _WORDS["en"])


@lru_cache(maxsize=4096)
def number_words(number: int, language: str, *, to: str = "cardinal") -> str:
    """``148`` -> ``honderdachtenveertig``; English words for a language num2words lacks."""
    try:
        said = str(num2words(number, lang=_base(language), to=to))
    except NotImplementedError:
        said = str(num2words(number, lang="en", to=to))
    if _base(language) == "tr":
        said = " ".join(_TURKISH.findall(said)) or said
    if _base(language) == "de" and said.startswith(("einhundert", "eintausend")):
        # "hundertachtundvierzig", as Germans say it: Pico's "einhundert..." was heard "1848"
        said = said.removeprefix("ein")
    return said


def spoken_money(amount: Decimal, language: str) -> str:
    """``honderdachtenveertig euro en twintig cent``, as a person says an amount."""
    words = _words(language)
    whole, cents = divmod(abs(amount).quantize(Decimal("0.01")) * 100, 100)
    signed = -int(whole) if amount < 0 else int(whole)
    euros = f"{_counting(signed, language)} {words.euro if whole == 1 else words.euros}"
    if not cents:
        return euros
    cent_words = f"{_counting(int(cents), language)} {words.cent if cents == 1 else words.cents}"
    return words.money.format(euros=euros, cents=cent_words)


def _counting(number: int, language: str) -> str:
    """A number before a noun: German "ein Euro" (not "eins"), Spanish "un euro" and
    "veintiún euros" (not "uno", "veintiuno")."""
    said = number_words(number, language)
    base = _base(language)
    if base == "de" and said.endswith("eins"):
        return said[: -len("eins")] + "ein"
    if base == "es" and said.endswith("uno"):
        return said[: -len("uno")] + ("ún" if said.endswith("iuno") else "un")
    return said


def spoken_day(day: date, language: str) -> str:
    """``één oktober tweeduizendzesentwintig``; English and German say the day's ordinal
    ("the first of October", "ersten Oktober", as in "am ersten Oktober")."""
    words = _words(language)
    base = _base(language) if _base(language) in _WORDS else "en"
    month = get_month_names("wide", context="format", locale=base)[day.month]
    year = number_words(day.year, language, to="year" if base in ("en", "nl", "de") else "cardinal")
    return words.day.format(
        day=number_words(day.day, language),
        ordinal=number_words(day.day, language, to="ordinal"),
        month=month,
        year=year,
    )


def spoken_number(value: Decimal, language: str) -> str:
    """A whole number in words; a fraction stays in figures (engines say decimals well)."""
    if value == value.to_integral_value():
        return number_words(int(value), language)
    return str(value)


def spoken_phone(number: str, language: str = "en") -> str:
    """Digit by digit in words, a pause between the groups: ``010 1234`` -> ``nul een nul,
    een twee drie vier``."""
    words = _words(language)
    groups = []
    for group in number.replace("-", " ").split():
        said = [words.plus if c == "+" else number_words(int(c), language) for c in group
                if c.isdigit() or c == "+"]  # fmt: skip
        if said:
            groups.append(" ".join(said))
    return ", ".join(groups)


def looks_like_reference(text: str) -> bool:
    """An invoice number or a case reference: groups of figures and capitals ("2026-10000",
    "INV-2026/7"), at least one figure; a group with small letters is a word, so "Jan 2" is
    not one."""
    groups = [g for g in re.split(r"[-/. ]+", text.strip()) if g]
    return (
        bool(groups)
        and any(c.isdigit() for c in text)
        and all(g.isdigit() or (g.isalnum() and g.isascii() and g.upper() == g) for g in groups)
    )


def spoken_reference(text: str, language: str) -> str:
    """Character by character in groups, as one reads a reference out on the phone:
    ``2026-10000`` -> ``twee nul twee zes, een nul nul nul nul``."""
    groups = re.split(r"[-/. ]+", text.strip())
    said = []
    for group in groups:
        said.append(" ".join(number_words(int(c), language) if c.isdigit() else c.upper()
                             for c in group))  # fmt: skip
    return ", ".join(part for part in said if part)


def spoken_hours(spans: tuple[Span, ...], language: str) -> str:
    """``maandag tot en met vrijdag van 8 tot 18 uur``, one phrase per span."""
    words = _words(language)
    names = get_day_names("wide", locale=language.split("_")[0] if language else "en")
    phrases = []
    for span in spans:
        days = ", ".join(
            names[a] if a == b else words.days.format(first=names[a], last=names[b])
            for a, b in day_ranges(span.days)
        )
        start, end = _clock(span.start, language), _clock(span.end, language)
        phrases.append(words.hours.format(days=days, start=start, end=end))
    return "; ".join(phrases)


def _clock(moment: time, language: str) -> str:
    hour = 24 if moment == time.max else moment.hour
    minutes = f" {number_words(moment.minute, language)}" if moment.minute else ""
    if _base(language) == "en":  # the British say "8 a.m." rather than "8 hundred"
        suffix = "a.m." if hour < 12 or hour == 24 else "p.m."
        return f"{number_words(hour % 12 or 12, language)}{minutes} {suffix}"
    return f"{number_words(hour, language)}{minutes}"
