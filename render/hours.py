"""Contact hours such as ``Mo-Fr 08:00-18:00; Sa 09:00-13:00``.

Hours are written once, in this machine-readable form, because the server enforces them
(a callback window must fall inside them) and Babel can then say them in every language;
translating a free text like "Mo-Fr" by hand would give neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from babel.dates import format_time, get_day_names

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_SPAN = re.compile(
    r"^(?P<days>[A-Za-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


@dataclass(frozen=True)
class Span:
    """Opening time on some weekdays (0 = Monday), ``start`` inclusive, ``end`` exclusive."""

    days: tuple[int, ...]
    start: time
    end: time


def parse_hours(text: str) -> tuple[Span, ...]:
    """Parse hours; raise ValueError with a message a content designer can act on."""
    spans = tuple(_parse_span(part.strip()) for part in text.split(";") if part.strip())
    if not spans:
        raise ValueError("hours are empty; write them like 'Mo-Fr 08:00-18:00'")
    return spans


def _parse_span(text: str) -> Span:
    match = _SPAN.match(text)
    if not match:
        raise ValueError(f"cannot read hours '{text}'; write them like 'Mo-Fr 08:00-18:00'")
    start, end = _clock(match["start"]), _clock(match["end"])
    if end <= start:
        raise ValueError(f"hours '{text}' end before they start")
    return Span(_parse_days(match["days"]), start, end)


def _parse_days(text: str) -> tuple[int, ...]:
    days: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        a, b = _day(first), _day(last or first)
        if b < a:
            raise ValueError(f"day range '{part}' runs backwards; write it like 'Mo-Fr'")
        days.extend(range(a, b + 1))
    return tuple(sorted(set(days)))


def _day(name: str) -> int:
    if name not in DAYS:
        raise ValueError(f"unknown day '{name}'; use {', '.join(DAYS)}")
    return DAYS.index(name)


def _clock(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if hours > 23 or minutes > 59:
        raise ValueError(f"'{text}' is not a time of day")
    return time(hours, minutes)


def is_open(spans: tuple[Span, ...], moment: datetime) -> bool:
    """Whether ``moment`` (local time) falls inside the hours."""
    clock = moment.time()
    return any(moment.weekday() in s.days and s.start <= clock < s.end for s in spans)


def format_hours(spans: tuple[Span, ...], locale: str) -> str:
    """The hours in the debtor's language, e.g. ``ma-vr 08:00-18:00`` for Dutch."""
    names = get_day_names("abbreviated", locale=locale)
    parts = []
    for span in spans:
        days = day_ranges(span.days)
        named = ", ".join(names[a] if a == b else f"{names[a]}\u2013{names[b]}" for a, b in days)
        start = format_time(span.start, "HH:mm", locale=locale)
        end = "24:00" if span.end == time.max else format_time(span.end, "HH:mm", locale=locale)
        parts.append(f"{named} {start}\u2013{end}")
    return "; ".join(parts)


def day_ranges(days: tuple[int, ...]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for day in days:
        if ranges and ranges[-1][1] == day - 1:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges
