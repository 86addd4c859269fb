from __future__ import annotations

from decimal import Decimal

import pytest

from render.hours import parse_hours
from render.speech import spoken_hours, spoken_money, spoken_phone


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("nl", "1234.56", "1234 euro en 56 cent"),
        ("en", "1234.56", "1234 euros and 56 cents"),
        ("en", "1.01", "1 euro and 1 cent"),
        ("de", "80.00", "80 Euro"),
        ("tr", "99.90", "99 avro 90 sent"),
        ("es", "0.50", "0 euros con 50 céntimos"),
        ("fr", "12.30", "12 euros and 30 cents"),
        ("nl", "-5.25", "-5 euro en 25 cent"),
    ],
)
def test_amounts_are_said_in_words_around_plain_numbers(
    language: str, amount: str, expected: str
) -> None:
    assert spoken_money(Decimal(amount), language) == expected


def test_phone_numbers_are_said_digit_by_digit_in_groups() -> None:
    assert spoken_phone("+31 10 000 0000") == "+3 1, 1 0, 0 0 0, 0 0 0 0"
    assert spoken_phone("010-1234") == "0 1 0, 1 2 3 4"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "maandag tot en met vrijdag van 8 tot 18 uur; zaterdag van 9:30 tot 13 uur"),
        ("en", "Monday to Friday, from 8 a.m. to 6 p.m.; Saturday, from 9:30 a.m. to 1 p.m."),
        ("de", "Montag bis Freitag von 8 bis 18 Uhr; Samstag von 9:30 bis 13 Uhr"),
        ("tr", "Pazartesi ile Cuma arası, saat 8 ile 18 arası; Cumartesi, saat 9:30 ile 13 arası"),
        ("es", "de lunes a viernes, de 8 a 18; sábado, de 9:30 a 13"),
    ],
)
def test_hours_are_said_as_a_person_would(language: str, expected: str) -> None:
    assert spoken_hours(parse_hours("Mo-Fr 08:00-18:00; Sa 09:30-13:00"), language) == expected


def test_separate_days_are_listed() -> None:
    assert spoken_hours(parse_hours("Mo,We,Th 10:00-12:00"), "en") == (
        "Monday, Wednesday to Thursday, from 10 a.m. to 12 p.m."
    )
