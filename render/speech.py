"""How values are *said*: the voice-over gets words where the screen gets figures.

A speech engine reads "€ 1.234,56" as "euro, one thousand ... comma five six" and "08:00" as
"eight zero zero". The captions keep the written form (Babel's), while the voice hears
"1234 euro en 56 cent", "van 8 tot 18 uur" and a phone number digit by digit, as a person
would say them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from babel.dates import get_day_names

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


# Languages without an entry fall back to English words, which at least say the figures.
_WORDS = {
    "nl": _Words("euro", "euro", "cent", "cent", "{euros} en {cents}", "{first} tot en met {last}", "{days} van {start} tot {end} uur"),
    "en": _Words("euro", "euros", "cent", "cents", "{euros} and {cents}", "{first} to {last}", "{days}, from {start} to {end}"),
    "de": _Words("Euro", "Euro", "Cent", "Cent", "{euros} und {cents}", "{first} bis {last}", "{days} von {start} bis {end} Uhr"),
    "tr": _Words("avro", "avro", "sent", "sent", "{euros} {cents}", "{first} ile {last} arası", "{days}, saat {start} ile {end} arası"),
    "es": _Words("euro", "euros", "céntimo", "céntimos", "{euros} con {cents}", "de {first} a {last}", "{days}, de {start} a {end}"),
}  # fmt: skip


def _words(language: str) -> _Words:
    return _WORDS.get(language.split("_")[0], _WORDS["en"])


def spoken_money(amount: Decimal, language: str) -> str:
    """``1234 euro en 56 cent``: whole numbers a speech engine says well, no separators."""
    words = _words(language)
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount).quantize(Decimal("0.01")) * 100, 100)
    euros = f"{sign}{int(whole)} {words.euro if whole == 1 else words.euros}"
    if not cents:
        return euros
    cent_words = f"{int(cents)} {words.cent if cents == 1 else words.cents}"
    return words.money.format(euros=euros, cents=cent_words)


def spoken_phone(number: str) -> str:
    """Digit by digit, a pause between the groups: ``+31 10 000`` -> ``+3 1, 1 0, 0 0 0``."""
    groups = [" ".join(group) for group in number.replace("-", " ").split()]
    return ", ".join(groups).replace("+ ", "+")


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
    if language.startswith("en"):  # the British say "8 a.m." rather than "8 hundred"
        suffix = "a.m." if hour < 12 or hour == 24 else "p.m."
        twelve = hour % 12 or 12
        minutes = f":{moment.minute:02d}" if moment.minute else ""
        return f"{twelve}{minutes} {suffix}"
    return f"{hour}:{moment.minute:02d}" if moment.minute else str(hour)
