"""How values are said: words for the voice where the screen has figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from render.hours import parse_hours
from render.spoken import (
    looks_like_reference,
    number_words,
    spoken_day,
    spoken_hours,
    spoken_money,
    spoken_number,
    spoken_phone,
    spoken_reference,
)


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("nl", "148.20", "honderdachtenveertig euro en twintig cent"),
        ("nl", "1234.56", "duizendtweehonderdvierendertig euro en zesenvijftig cent"),
        ("en", "1234.56", "one thousand, two hundred and thirty-four euros and fifty-six cents"),
        ("en", "1.01", "one euro and one cent"),
        ("de", "80.00", "achtzig Euro"),
        ("de", "101.01", "hundertein Euro und ein Cent"),  # "ein", not "eins", before a noun
        ("de", "1234.00", "tausendzweihundertvierunddreißig Euro"),  # as said, not "eintausend"
        ("tr", "99.90", "doksan dokuz avro doksan sent"),
        ("tr", "1234.00", "bin iki yüz otuz dört avro"),  # Turkish numbers as separate words
        ("es", "0.50", "cero euros con cincuenta céntimos"),
        ("es", "21.01", "veintiún euros con un céntimo"),  # "veintiún", "un" before a noun
        ("fr", "12.30", "douze euros and trente cents"),  # no words for French: English ones
        ("nl", "-5.25", "min vijf euro en vijfentwintig cent"),
    ],
)
def test_amounts_are_said_in_words(language: str, amount: str, expected: str) -> None:
    assert spoken_money(Decimal(amount), language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "één oktober tweeduizendzesentwintig"),
        ("en", "the first of October, twenty twenty-six"),
        ("de", "ersten Oktober zweitausendsechsundzwanzig"),  # as in "am ersten Oktober"
        ("tr", "bir Ekim iki bin yirmi altı"),
        ("es", "uno de octubre de dos mil veintiséis"),
    ],
)
def test_dates_are_said_in_words(language: str, expected: str) -> None:
    assert spoken_day(date(2026, 10, 1), language) == expected


def test_phone_numbers_are_said_digit_by_digit_in_groups() -> None:
    assert spoken_phone("+31 10 000 0000", "en") == (
        "plus three one, one zero, zero zero zero, zero zero zero zero"
    )
    assert spoken_phone("010-1234", "nl") == "nul één nul, één twee drie vier"
    assert spoken_phone("0800 12", "tr") == "sıfır sekiz sıfır sıfır, bir iki"


@pytest.mark.parametrize(
    ("text", "is_reference"),
    [
        ("2026-10000", True),
        ("INV2026/7", True),
        ("A1001-42", True),
        ("Jan de Vries", False),
        ("Jan 2", False),  # a word with small letters: a name, not a reference
        ("ABC", False),  # no figure
    ],
)
def test_references_are_told_from_names(text: str, is_reference: bool) -> None:
    assert looks_like_reference(text) is is_reference


def test_references_are_spelled_in_their_groups() -> None:
    assert spoken_reference("INV2026-10", "nl") == "I N V twee nul twee zes, één nul"
    assert spoken_reference("A1-2", "de") == "A eins, zwei"


def test_whole_numbers_are_words_and_fractions_stay_figures() -> None:
    assert spoken_number(Decimal(6), "es") == "seis"
    assert spoken_number(Decimal("2.5"), "es") == "2.5"
    assert number_words(17, "tr") == "on yedi"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "maandag tot en met vrijdag van acht tot achttien uur; "
               "zaterdag van negen dertig tot dertien uur"),
        ("en", "Monday to Friday, from eight a.m. to six p.m.; "
               "Saturday, from nine thirty a.m. to one p.m."),
        ("de", "Montag bis Freitag von acht bis achtzehn Uhr; "
               "Samstag von neun dreißig bis dreizehn Uhr"),
        ("tr", "Pazartesi ile Cuma arası, saat sekiz ile on sekiz arası; "
               "Cumartesi, saat dokuz otuz ile on üç arası"),
        ("es", "de lunes a viernes, de ocho a dieciocho; sábado, de nueve treinta a trece"),
    ],
)  # fmt: skip
def test_hours_are_said_as_a_person_would(language: str, expected: str) -> None:
    assert spoken_hours(parse_hours("Mo-Fr 08:00-18:00; Sa 09:30-13:00"), language) == expected


def test_separate_days_are_listed() -> None:
    assert spoken_hours(parse_hours("Mo,We,Th 10:00-12:00"), "en") == (
        "Monday, Wednesday to Thursday, from ten a.m. to twelve p.m."
    )
