from __future__ import annotations

from datetime import datetime, time

import pytest

from render.hours import Span, format_hours, is_open, parse_hours


def test_parse_several_spans_and_day_lists() -> None:
    assert parse_hours("Mo-Fr 08:00-18:00; Sa,Su 10:00-12:30") == (
        Span((0, 1, 2, 3, 4), time(8), time(18)),
        Span((5, 6), time(10), time(12, 30)),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "hours are empty"),
        ("Monday 8-18", "cannot read hours"),
        ("Mo-Xx 08:00-18:00", "unknown day 'Xx'"),
        ("Fr-Mo 08:00-18:00", "runs backwards"),
        ("Mo 18:00-08:00", "end before they start"),
        ("Mo 08:00-25:00", "'25:00' is not a time of day"),
    ],
)
def test_bad_hours_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


def test_is_open_respects_days_and_the_exclusive_end() -> None:
    spans = parse_hours("Mo-Fr 08:00-18:00")
    monday = datetime(2026, 11, 23)
    assert is_open(spans, monday.replace(hour=8))
    assert not is_open(spans, monday.replace(hour=18))
    assert not is_open(spans, datetime(2026, 11, 28, 12))  # Saturday


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("nl_NL", "ma–vr 08:00–18:00; za 09:00–13:00"),
        ("en_GB", "Mon–Fri 08:00–18:00; Sat 09:00–13:00"),
        ("de_DE", "Mo.–Fr. 08:00–18:00; Sa. 09:00–13:00"),
        ("tr_TR", "Pzt–Cum 08:00–18:00; Cmt 09:00–13:00"),
        ("es_ES", "lun–vie 08:00–18:00; sáb 09:00–13:00"),
    ],
)
def test_hours_are_said_in_each_language(locale: str, expected: str) -> None:
    assert format_hours(parse_hours("Mo-Fr 08:00-18:00; Sa 09:00-13:00"), locale) == expected
